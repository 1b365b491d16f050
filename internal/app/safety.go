package app

import (
	"context"
	"database/sql"
	"html/template"
	"time"

	"github.com/sisterline/sisterline/internal/account"
	"github.com/sisterline/sisterline/internal/alert"
	"github.com/sisterline/sisterline/internal/incident"
	"github.com/sisterline/sisterline/internal/web"
)

// wireSafetyPages mounts the report, review, case and alert pages and API,
// and puts their blocks on the signed-in home page: reports waiting (for
// moderators), "check a number" and "report what happened" (for everyone).
func (a *App) wireSafetyPages(rt *web.Router, rd *web.Renderer, accHTTP *account.HTTP) {
	inc := incident.NewHTTP(a.Reports, rd, a.Alerts)
	inc.SetStaff(staffList{a.Accounts.Store()})
	inc.SetHelper(rightsHelp{a})
	inc.Routes(rt)
	al := alert.NewHTTP(a.Alerts, rd)
	al.Routes(rt)
	accHTTP.AddHome(account.HomeSection{Access: web.Only(web.RoleModerator, web.RoleAdmin), Render: inc.ReviewHome})
	accHTTP.AddHome(account.HomeSection{Access: web.SignedIn(), Render: al.ScreenHome})
	accHTTP.AddHome(account.HomeSection{Access: web.SignedIn(), Render: inc.ReportHome})
}

// staffList gives the case pages the staff of an organisation.
type staffList struct{ store *account.Store }

func (s staffList) StaffOf(ctx context.Context, orgID string) ([]incident.StaffMember, error) {
	users, err := s.store.UsersOf(ctx, orgID)
	if err != nil {
		return nil, err
	}
	var out []incident.StaffMember
	for _, u := range users {
		if u.Role.IsStaff() {
			out = append(out, incident.StaffMember{ID: u.ID, Handle: u.Handle})
		}
	}
	return out, nil
}

// rightsHelp gives the page after a report is sent the rights articles and
// services that fit it. The library is wired after the incident pages, so
// it is looked up when asked.
type rightsHelp struct{ a *App }

func (r rightsHelp) HelpFor(ctx context.Context, lang string, incidentTypes []string, area string) (incident.Help, error) {
	var out incident.Help
	if r.a.Rights == nil {
		return out, nil
	}
	h, err := r.a.Rights.Help(ctx, lang, incidentTypes, area)
	if err != nil {
		return out, err
	}
	for _, s := range h.Articles {
		out.Articles = append(out.Articles, incident.HelpLink{Title: s.Title, URL: "/rights/" + s.Slug, Note: s.Summary})
	}
	for _, e := range h.Entries {
		// ContactURL is https: or tel: (rights.Entry.ContactURL checks it),
		// which html/template would otherwise blank out.
		out.Services = append(out.Services, incident.HelpLink{
			Title: e.DisplayName(lang), Contact: e.Contact, ContactURL: template.URL(e.ContactURL()), Note: e.DisplayNotes(lang), // #nosec G203 -- checked scheme
		})
	}
	return out, nil
}

// incidentAlerts gives the incident capability what it needs of the alert
// capability, through the small interface incident declares.
type incidentAlerts struct{ svc *alert.Service }

func (a incidentAlerts) Publish(ctx context.Context, tx *sql.Tx, n incident.NewAlert) (string, error) {
	al, err := a.svc.Publish(ctx, tx, alert.Input{
		OrgID: n.OrgID, ActorID: n.ActorID, Scope: n.Scope, Summary: n.Summary, IncidentTypes: n.IncidentTypes,
		OccurredOn: n.OccurredOn, Area: n.Area, ExpiresAt: n.ExpiresAt, Identifiers: n.Identifiers,
	})
	return al.ID, err
}

func (a incidentAlerts) Matching(ctx context.Context, idx [][]byte, viewerOrgID string) (incident.AlertMatches, error) {
	visible, total, err := a.svc.Matching(ctx, idx, viewerOrgID)
	m := incident.AlertMatches{Total: total}
	for _, al := range visible {
		m.Visible = append(m.Visible, incident.AlertRef{ID: al.ID, Summary: al.Summary, Scope: al.Scope, OrgID: al.OrgID, PublishedAt: al.PublishedAt})
	}
	return m, err
}

// screenInterval turns "so many screenings per hour" into a token interval.
func screenInterval(perHour int) time.Duration { return time.Hour / time.Duration(perHour) }
