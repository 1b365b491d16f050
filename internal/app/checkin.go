package app

import (
	"context"
	"database/sql"
	"fmt"
	"html/template"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sisterline/sisterline/internal/account"
	"github.com/sisterline/sisterline/internal/checkin"
	"github.com/sisterline/sisterline/internal/seal"
	"github.com/sisterline/sisterline/internal/web"
)

// stalledAfter is how old the check-in scheduler's heartbeat may be before
// admins are warned that check-in timers are not running. The loop beats
// at least once a second.
const stalledAfter = 30 * time.Second

// wireCheckins builds the check-in capability: its service and scheduler
// loop, the purge of ended check-ins, its pages and API (its menu entry is
// in wire), the home block for everyone, the admins' warning when the
// timers stall, and the scheduler's metrics (heartbeat age and lateness of
// each step). It runs before the incident capability is built: the case a
// staff escalation opens is looked up through a.Reports when it fires.
func (a *App) wireCheckins(rt *web.Router, rd *web.Renderer, accHTTP *account.HTTP, hash seal.HashParams) {
	cfg := a.Config
	lateness := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "sisterline_checkin_step_lateness_seconds",
		Help:    "Time from a check-in step's due time until its state and messages were committed.",
		Buckets: []float64{0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60},
	}, []string{"step"})
	a.Checkins = checkin.NewService(a.DB, a.Keys, a.Notify, a.Accounts.Store(), checkinCases{a}, checkin.Options{
		Grace: cfg.CheckinGrace, Keep: cfg.CheckinKeep, PhoneRegion: cfg.PhoneRegion, Hash: hash,
		Observe: func(step string, late time.Duration) { lateness.WithLabelValues(step).Observe(late.Seconds()) },
	}, a.now, a.Log)
	h := checkin.NewHTTP(a.Checkins, rd)
	h.Routes(rt)
	accHTTP.AddHome(account.HomeSection{Access: web.SignedIn(), Render: h.Home})
	started := a.now()
	accHTTP.AddHome(account.HomeSection{Access: web.Only(web.RoleAdmin), Render: func(r *http.Request, v *web.View) (template.HTML, error) {
		beat, err := a.Checkins.Heartbeat(r.Context())
		if err != nil {
			return "", err
		}
		// A server that just started has not beaten yet: it is not stalled.
		if a.now().Sub(later(beat, started)) <= stalledAfter {
			return "", nil
		}
		return h.StalledWarning(r, v, beat)
	}})
	a.Accounts.OnDelete(a.Checkins.DeleteUser)
	a.sealed = append(a.sealed, checkin.SealedColumns()...)
	a.bg = append(a.bg, a.Checkins.Run)
	a.every(time.Hour, "purge check-ins", a.Checkins.Purge)

	a.Registry.MustRegister(lateness, prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "sisterline_checkin_scheduler_heartbeat_age_seconds",
		Help: "Seconds since a check-in scheduler (of any instance) last completed a round; above 30 the timers are not running.",
	}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		beat, err := a.Checkins.Heartbeat(ctx)
		if err != nil || beat.IsZero() {
			return a.now().Sub(started).Seconds()
		}
		return a.now().Sub(beat).Seconds()
	}))
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// checkinCases lets a check-in that reached staff open a follow-up case in
// the incident capability.
type checkinCases struct{ a *App }

func (c checkinCases) OpenCase(ctx context.Context, tx *sql.Tx, orgID, source, need string) (string, error) {
	return c.a.Reports.OpenCase(ctx, tx, orgID, source, need)
}

// seedBuddies makes two demo users check-in buddies: one asks, the other
// accepts.
func (a *App) seedBuddies(ctx context.Context, handle, buddy string) error {
	principal := func(h string) (*web.Principal, error) {
		id, orgID, err := a.Accounts.Store().UserIDByHandle(ctx, h)
		if err != nil {
			return nil, fmt.Errorf("demo: buddy %s: %w", h, err)
		}
		return &web.Principal{UserID: id, OrgID: orgID, Handle: h}, nil
	}
	p, err := principal(handle)
	if err != nil {
		return err
	}
	q, err := principal(buddy)
	if err != nil {
		return err
	}
	if err := a.Checkins.InviteBuddy(ctx, p, buddy); err != nil {
		return fmt.Errorf("demo: buddy request: %w", err)
	}
	if err := a.Checkins.AcceptBuddy(ctx, q, p.UserID); err != nil {
		return fmt.Errorf("demo: accept buddy: %w", err)
	}
	return nil
}
