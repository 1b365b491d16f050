// Package app wires Sisterline's capabilities into one server: it opens the
// database and the key ring, builds each capability's service and handlers,
// mounts them on one router inside the web frame, and runs the background
// loops. The command line (cmd/sisterline) and the end-to-end tests both
// start the program through it.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/sisterline/sisterline/internal/account"
	"github.com/sisterline/sisterline/internal/alert"
	"github.com/sisterline/sisterline/internal/checkin"
	"github.com/sisterline/sisterline/internal/config"
	"github.com/sisterline/sisterline/internal/db"
	"github.com/sisterline/sisterline/internal/incident"
	"github.com/sisterline/sisterline/internal/notify"
	"github.com/sisterline/sisterline/internal/programme"
	"github.com/sisterline/sisterline/internal/rights"
	"github.com/sisterline/sisterline/internal/seal"
	"github.com/sisterline/sisterline/internal/web"
)

// Options are what the command line or a test adds to the configuration.
type Options struct {
	// LogOutput receives the JSON log (default: discard).
	LogOutput io.Writer
	// Hash overrides the passphrase hashing costs (tests use cheap ones).
	Hash *seal.HashParams
	// Now is the clock (default time.Now).
	Now func() time.Time
	// TrustProxy takes the client address from X-Forwarded-For.
	TrustProxy bool
	// NoAddressLimit turns off the per-address request limit (benchmarks).
	NoAddressLimit bool
}

// App is a wired Sisterline.
type App struct {
	Config    config.Config
	DB        *db.DB
	Keys      *seal.Keyring
	Log       *slog.Logger
	Accounts  *account.Service
	Alerts    *alert.Service
	Reports   *incident.Service
	Notify    *notify.Service
	Checkins  *checkin.Service
	Rights    *rights.Service
	Programme *programme.Service
	Router    *web.Router
	Renderer  *web.Renderer
	Handler   http.Handler
	Registry  *prometheus.Registry

	now      func() time.Time
	server   *http.Server
	metrics  *http.Server
	listener net.Listener
	bg       []func(ctx context.Context)
	// sealed lists every sealed column, for re-sealing after key rotation.
	sealed []seal.Column
}

// New opens the database (migrating it) and the key ring, and wires every
// capability.
func New(ctx context.Context, cfg config.Config, opt Options) (*App, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	out := opt.LogOutput
	if out == nil {
		out = io.Discard
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.LogLevel)); err != nil {
		return nil, fmt.Errorf("app: --log-level: %w", err)
	}
	log := slog.New(slog.NewJSONHandler(out, &slog.HandlerOptions{Level: level}))
	now := opt.Now
	if now == nil {
		now = time.Now
	}
	keys, err := seal.LoadOrCreate(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	d, err := db.Open(ctx, cfg.DB, cfg.DataDir)
	if err != nil {
		return nil, err
	}
	if err := d.Migrate(ctx); err != nil {
		_ = d.Close()
		return nil, err
	}
	a := &App{Config: cfg, DB: d, Keys: keys, Log: log, now: now, Registry: prometheus.NewRegistry()}
	a.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if err := a.wire(opt); err != nil {
		_ = d.Close()
		return nil, err
	}
	if err := a.loadRights(ctx); err != nil {
		_ = d.Close()
		return nil, err
	}
	return a, nil
}

// capability is what each capability gives the frame: its templates and
// messages.
func (a *App) wire(opt Options) error {
	cfg := a.Config
	fss := []fs.FS{web.FrameFS(), account.Files(), incident.Files(), alert.Files(), notify.Files(), rights.Files(), checkin.Files(), programme.Files()}
	catalog, err := web.NewCatalog(a.Log, fss...)
	if err != nil {
		return err
	}
	assets, err := web.NewAssets()
	if err != nil {
		return err
	}
	rd, err := web.NewRenderer(catalog, web.Site{Name: cfg.SiteName, QuickExitURL: cfg.QuickExitURL}, cfg.Lang, assets)
	if err != nil {
		return err
	}
	for prefix, fsys := range map[string]fs.FS{"account": account.Files(), "incident": incident.Files(), "alert": alert.Files(), "notify": notify.Files(), "rights": rights.Files(), "checkin": checkin.Files(), "programme": programme.Files()} {
		if err := rd.AddPages(prefix, fsys); err != nil {
			return err
		}
	}
	a.Renderer = rd
	errs := &web.Errors{Log: a.Log, Renderer: rd}
	rt := web.NewRouter(errs)
	a.Router = rt
	addrs := web.NewAddresses(opt.TrustProxy)

	aopt := account.DefaultOptions()
	if opt.Hash != nil {
		aopt.Hash = *opt.Hash
	}
	aopt.SessionIdle, aopt.SessionAbsolute, aopt.InviteTTL, aopt.SiteName = cfg.SessionIdle, cfg.SessionAbsolute, cfg.InviteTTL, cfg.SiteName
	a.Accounts = account.NewService(a.DB, a.Keys, aopt, a.now, a.Log)
	accHTTP := account.NewHTTP(a.Accounts, rd, addrs, cfg.Lang)
	accHTTP.Routes(rt)
	rd.AddNav(
		web.NavItem{Path: "/", Label: "account.nav.home", Access: web.SignedIn()},
		web.NavItem{Path: "/alerts", Label: "alert.nav.alerts", Access: web.SignedIn()},
		web.NavItem{Path: "/reports/new", Label: "incident.nav.report", Access: web.SignedIn()},
		web.NavItem{Path: "/checkins", Label: "checkin.nav", Access: web.SignedIn()},
		web.NavItem{Path: "/review", Label: "incident.nav.review", Access: web.Only(web.RoleModerator, web.RoleAdmin)},
		web.NavItem{Path: "/cases", Label: "incident.nav.cases", Access: web.Only(web.RoleModerator, web.RoleAdmin)},
		web.NavItem{Path: "/admin/users", Label: "account.nav.users", Access: web.Only(web.RoleAdmin)},
		web.NavItem{Path: "/admin/invites", Label: "account.nav.invites", Access: web.Only(web.RoleAdmin, web.RoleOutreach)},
		web.NavItem{Path: "/admin/audit", Label: "account.nav.audit", Access: web.Only(web.RoleAdmin)},
		web.NavItem{Path: "/network/orgs", Label: "account.nav.orgs", Access: web.NetworkAdmin()},
		web.NavItem{Path: "/settings", Label: "account.nav.settings", Access: web.SignedIn()},
	)
	if err := a.wireNotify(rt, rd, accHTTP); err != nil {
		return err
	}
	// First on the home page: a running check-in, or a sister who needs her.
	a.wireCheckins(rt, rd, accHTTP, aopt.Hash)

	// The safety loop: report → review → alert → fan-out → screen.
	audit := a.Accounts.Audit()
	a.Alerts = alert.NewService(a.DB, a.Keys, notifyAlerts{a}, audit, alert.Options{
		PhoneRegion: cfg.PhoneRegion,
		ScreenLimit: web.NewLimiter(screenInterval(cfg.ScreenPerHour), cfg.ScreenPerHour),
	}, a.now)
	a.Reports = incident.NewService(a.DB, a.Keys, incidentAlerts{a.Alerts}, notifyReports{a}, audit, incident.Options{
		PhoneRegion: cfg.PhoneRegion, KeepClosed: cfg.KeepClosed, KeepDrafts: cfg.KeepDrafts, AlertTTL: cfg.AlertTTL,
	}, a.now)
	a.Accounts.OnDelete(a.Reports.DeleteUser)
	a.wireSafetyPages(rt, rd, accHTTP)
	a.sealed = append(a.sealed, incident.SealedColumns()...)
	a.sealed = append(a.sealed, alert.SealedColumns()...)
	a.every(time.Hour, "purge reports", a.Reports.Purge)
	a.bg = append(a.bg, func(ctx context.Context) { a.Alerts.RunScreenCounts(ctx, a.Log) })
	if err := a.wireRights(rt, rd); err != nil {
		return err
	}
	a.wireProgramme(rt, rd)

	rt.HandleRaw("GET /static/{hash}/{name}", assets)
	rt.HandleRaw("GET /healthz", http.HandlerFunc(a.healthz))
	rt.Handle("GET /api/v1/openapi.json", web.Anyone(), func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Content-Type", "application/json")
		_, err := w.Write(OpenAPI())
		return err
	})

	// The per-address limit only guards against floods: members behind one
	// carrier-grade NAT share an address, so it is generous. Sign-in, invites
	// and screening have their own, tighter limits.
	perAddress := web.NewLimiter(10*time.Millisecond, 1000)
	if opt.NoAddressLimit {
		perAddress = nil
	}
	a.Handler = web.Frame(rt, web.FrameOptions{
		Log: a.Log, Auth: a.Accounts, Errors: errs, TLS: cfg.TLS, MaxBody: 1 << 20,
		Addresses: addrs, PerAddress: perAddress,
		Metrics: web.NewMetrics(a.Registry),
	})
	a.sealed = append(a.sealed, account.SealedColumns()...)
	a.every(10*time.Minute, "purge sessions", a.Accounts.Purge)
	a.bg = append(a.bg, a.reseal)
	return nil
}

// reseal moves values sealed under an older key to the active one, once at
// start (after "sisterline keys rotate" and a restart).
func (a *App) reseal(ctx context.Context) {
	n, err := a.Keys.Reseal(ctx, a.DB.DB, a.sealed)
	if err != nil && ctx.Err() == nil {
		a.Log.Error("reseal failed", "err", err)
		return
	}
	if n > 0 {
		a.Log.Info("resealed values under the active key", "count", n, "key", a.Keys.Active())
	}
}

// every adds a background job run at start and then every interval.
func (a *App) every(interval time.Duration, name string, fn func(context.Context) error) {
	a.bg = append(a.bg, func(ctx context.Context) {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			if err := fn(ctx); err != nil && ctx.Err() == nil {
				a.Log.Error("background job failed", "job", name, "err", err)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	})
}

func (a *App) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	// New migrated the database before the server started; what can fail
	// since is the database being reachable.
	if err := a.DB.PingContext(ctx); err != nil {
		http.Error(w, "unavailable", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = io.WriteString(w, "ok")
}

// Listen opens the HTTP listener (and the metrics one, when configured) and
// returns the HTTP address, so a test on 127.0.0.1:0 learns its port.
func (a *App) Listen() (string, error) {
	ln, err := net.Listen("tcp", a.Config.Addr)
	if err != nil {
		return "", fmt.Errorf("app: listen: %w", err)
	}
	a.listener = ln
	a.server = &http.Server{
		Handler:           a.Handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    32 << 10,
		ErrorLog:          slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn),
	}
	return ln.Addr().String(), nil
}

// Serve serves until ctx ends, then shuts down gracefully: in-flight requests
// get up to 10 seconds, background jobs stop.
func (a *App) Serve(ctx context.Context) error {
	if a.listener == nil {
		if _, err := a.Listen(); err != nil {
			return err
		}
	}
	bgCtx, stopBG := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	for _, job := range a.bg {
		go func() {
			job(bgCtx)
			done <- struct{}{}
		}()
	}
	if a.Config.MetricsAddr != "" {
		a.metrics = &http.Server{Addr: a.Config.MetricsAddr, Handler: promhttp.HandlerFor(a.Registry, promhttp.HandlerOpts{}), ReadHeaderTimeout: 5 * time.Second}
		go func() {
			if err := a.metrics.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
				a.Log.Error("metrics listener", "err", err)
			}
		}()
	}
	errc := make(chan error, 1)
	go func() { errc <- a.server.Serve(a.listener) }()
	a.Log.Info("serving", "addr", a.listener.Addr().String())
	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	shutCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = a.server.Shutdown(shutCtx)
	if a.metrics != nil {
		_ = a.metrics.Shutdown(shutCtx)
	}
	stopBG()
	for range a.bg {
		<-done
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// Close closes the database.
func (a *App) Close() error { return a.DB.Close() }

// Sealed lists every sealed column of the wired capabilities.
func (a *App) Sealed() []seal.Column { return a.sealed }
