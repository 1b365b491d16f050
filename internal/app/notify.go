package app

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/sisterline/sisterline/internal/account"
	"github.com/sisterline/sisterline/internal/apperr"
	"github.com/sisterline/sisterline/internal/notify"
	"github.com/sisterline/sisterline/internal/web"
)

// wireNotify builds the notification capability: the outbox service, its
// dispatcher and retention purge in the background, its pages and API, the
// admin's home-page warning about deliveries given up, and the clean-up of
// a deleted user's addresses.
func (a *App) wireNotify(rt *web.Router, rd *web.Renderer, accHTTP *account.HTTP) error {
	cfg := a.Config
	opt := notify.DefaultOptions()
	opt.SiteName, opt.BaseURL, opt.DefaultLang, opt.PhoneRegion = cfg.SiteName, cfg.BaseURL, cfg.Lang, cfg.PhoneRegion
	opt.WebhookURL, opt.WebhookSecret = cfg.NotifyWebhook, cfg.NotifyWebhookSecret
	opt.SMS = notify.SMSConfig{URL: cfg.SMSURL, Account: cfg.SMSAccount, Token: cfg.SMSToken, From: cfg.SMSFrom}
	opt.SMTP = notify.SMTPConfig{Host: cfg.SMTPHost, Port: cfg.SMTPPort, User: cfg.SMTPUser, Password: cfg.SMTPPassword, From: cfg.SMTPFrom}
	opt.PushSubject = cfg.PushSubject
	opt.Retention, opt.SendTimeout = cfg.NotifyRetention, cfg.NotifySendTimeout
	if cfg.NotifyWebhook != "" && cfg.NotifyWebhookSecret == "" {
		a.Log.Warn("--notify-webhook is set without --notify-webhook-secret: the webhook's signature proves nothing")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	svc, err := notify.New(ctx, a.DB, a.Keys, notifyDirectory{a.Accounts.Store()}, rd.Catalog(), opt, a.now, a.Log)
	if err != nil {
		return err
	}
	a.Notify = svc
	h := notify.NewHTTP(svc, rd)
	h.Routes(rt)
	rd.AddNav(
		web.NavItem{Path: "/settings/notifications", Label: "notify.nav.settings", Access: web.SignedIn()},
		web.NavItem{Path: "/admin/notifications", Label: "notify.nav.admin", Access: web.Only(web.RoleAdmin)},
	)
	accHTTP.AddHome(account.HomeSection{Access: web.Only(web.RoleAdmin), Render: h.HomeBanner})
	a.Accounts.OnDelete(svc.DeleteUser)
	a.sealed = append(a.sealed, notify.SealedColumns()...)
	a.bg = append(a.bg, svc.Run)
	a.every(time.Hour, "purge notifications", svc.Purge)
	return nil
}

// notifyDirectory lets notify find users through the account capability.
type notifyDirectory struct{ store *account.Store }

func (d notifyDirectory) Users(ctx context.Context, ids []string) (map[string]notify.User, error) {
	return notify.LookupEach(ctx, ids, func(ctx context.Context, id string) (notify.User, bool, error) {
		u, err := d.store.UserByID(ctx, id)
		if errors.Is(err, apperr.ErrNotFound) {
			return notify.User{}, false, nil
		}
		if err != nil {
			return notify.User{}, false, fmt.Errorf("app: notify user: %w", err)
		}
		return notifyUser(u), true, nil
	})
}

func (d notifyDirectory) OrgUsers(ctx context.Context, orgID string) ([]notify.User, error) {
	users, err := d.store.UsersOf(ctx, orgID)
	if err != nil {
		return nil, err
	}
	out := make([]notify.User, len(users))
	for i, u := range users {
		out[i] = notifyUser(u)
	}
	return out, nil
}

func (d notifyDirectory) StaffIDs(ctx context.Context, orgID string) ([]string, error) {
	return d.store.UserIDsByRole(ctx, orgID, web.RoleModerator, web.RoleAdmin)
}

func notifyUser(u account.User) notify.User {
	return notify.User{ID: u.ID, OrgID: u.OrgID, Handle: u.Handle, Lang: u.Lang, Role: u.Role}
}

// notifyAlerts fans a published alert out to the users of its organisation,
// or of every organisation for a network alert (alert.Notifier), in the
// publishing transaction: each gets it wherever she chose to receive
// warnings. A withdrawal goes to the same people.
type notifyAlerts struct{ a *App }

func (n notifyAlerts) AlertPublished(ctx context.Context, tx *sql.Tx, orgID, scope, alertID string, withdrawn bool) error {
	orgs := []string{orgID}
	if scope == "network" {
		all, _, err := n.a.Accounts.Store().Orgs(ctx)
		if err != nil {
			return fmt.Errorf("app: alert fan-out: %w", err)
		}
		orgs = orgs[:0]
		for _, o := range all {
			orgs = append(orgs, o.ID)
		}
	}
	msg := notify.Message{Kind: notify.KindAlertPublished, Data: map[string]string{"Path": "/alerts/" + alertID}}
	if withdrawn {
		msg.Data = map[string]string{"Path": "/alerts", "Withdrawn": "1"}
	}
	// One statement for the whole audience: every user of the organisations.
	_, err := n.a.Notify.EnqueueAudience(ctx, tx, msg, notify.Audience{OrgIDs: orgs})
	return err
}

// notifyReports tells the organisation's on-call staff that a report came
// in (incident.Notifier), in the reporting transaction.
type notifyReports struct{ a *App }

func (n notifyReports) ReportNew(ctx context.Context, tx *sql.Tx, orgID, reportID string) error {
	ids, err := n.a.Notify.OnCall(ctx, tx, orgID)
	if err != nil {
		return err
	}
	msgs := make([]notify.Message, len(ids))
	for i, id := range ids {
		msgs[i] = notify.Message{Kind: notify.KindReportNew, OrgID: orgID, To: notify.ToMember(id), Data: map[string]string{"Path": "/review/" + reportID}}
	}
	return n.a.Notify.Enqueue(ctx, tx, msgs...)
}
