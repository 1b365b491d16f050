// Package config turns command-line flags and SISTERLINE_* environment
// variables into one Config value. Every flag reads the environment variable
// SISTERLINE_<FLAG> (upper case, "-" → "_"); a flag given on the command line
// wins. There are no globals: the Config is passed to whatever needs it.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"time"
)

// Config is the whole configuration of one run.
type Config struct {
	DataDir      string
	DB           string
	Addr         string
	Lang         string
	PhoneRegion  string
	MetricsAddr  string
	SiteName     string
	QuickExitURL string
	// TLS says the server is reached over HTTPS (directly or through a proxy):
	// it turns on HSTS.
	TLS bool
	// BaseURL is the public address, for links in notifications.
	BaseURL string

	SessionIdle     time.Duration
	SessionAbsolute time.Duration
	InviteTTL       time.Duration

	NotifyWebhook       string
	NotifyWebhookSecret string
	CheckinGrace        time.Duration

	// Safety loop retention and limits.
	AlertTTL      time.Duration
	KeepClosed    time.Duration
	KeepDrafts    time.Duration
	ScreenPerHour int

	LogLevel string
}

// Default returns the defaults of every setting.
func Default() Config {
	return Config{
		DataDir:         "./data",
		Addr:            "127.0.0.1:8080",
		Lang:            "zh-CN",
		PhoneRegion:     "CN",
		SiteName:        "Notes",
		QuickExitURL:    "https://www.weather.com.cn/",
		SessionIdle:     30 * time.Minute,
		SessionAbsolute: 12 * time.Hour,
		InviteTTL:       7 * 24 * time.Hour,
		CheckinGrace:    5 * time.Minute,
		LogLevel:        "info",
		AlertTTL:        90 * 24 * time.Hour,
		KeepClosed:      90 * 24 * time.Hour,
		KeepDrafts:      30 * 24 * time.Hour,
		ScreenPerHour:   30,
	}
}

// FlagSet returns a flag set for a subcommand bound to c. Subcommands add
// their own flags to it before calling Parse.
func (c *Config) FlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&c.DataDir, "data-dir", c.DataDir, "directory for the SQLite file and the key ring")
	fs.StringVar(&c.DB, "db", c.DB, "database: empty for SQLite in the data dir, or postgres://…")
	fs.StringVar(&c.Addr, "addr", c.Addr, "HTTP listen address")
	fs.StringVar(&c.Lang, "lang", c.Lang, "default UI language: zh-CN or en")
	fs.StringVar(&c.PhoneRegion, "phone-region", c.PhoneRegion, "default region for phone numbers without a country code")
	fs.StringVar(&c.MetricsAddr, "metrics-addr", c.MetricsAddr, "Prometheus metrics listen address (off when empty)")
	fs.StringVar(&c.SiteName, "site-name", c.SiteName, "neutral site name shown in titles and notifications")
	fs.StringVar(&c.QuickExitURL, "quick-exit-url", c.QuickExitURL, "neutral page the quick-exit control goes to")
	fs.BoolVar(&c.TLS, "tls", c.TLS, "the site is served over HTTPS (turns on HSTS)")
	fs.StringVar(&c.BaseURL, "base-url", c.BaseURL, "public URL of the site, for links in notifications")
	fs.DurationVar(&c.SessionIdle, "session-idle", c.SessionIdle, "sign out after this long without a request")
	fs.DurationVar(&c.SessionAbsolute, "session-absolute", c.SessionAbsolute, "sign out this long after sign-in")
	fs.DurationVar(&c.InviteTTL, "invite-ttl", c.InviteTTL, "how long an invite code works")
	fs.StringVar(&c.NotifyWebhook, "notify-webhook", c.NotifyWebhook, "URL every notification is POSTed to")
	fs.StringVar(&c.NotifyWebhookSecret, "notify-webhook-secret", c.NotifyWebhookSecret, "HMAC secret for the webhook signature")
	fs.DurationVar(&c.CheckinGrace, "checkin-grace", c.CheckinGrace, "default grace period between check-in escalation steps")
	fs.DurationVar(&c.AlertTTL, "alert-ttl", c.AlertTTL, "how long a published alert shows unless the moderator sets an end date")
	fs.DurationVar(&c.KeepClosed, "keep-closed", c.KeepClosed, "declined and withdrawn reports and closed cases are deleted this long after they close")
	fs.DurationVar(&c.KeepDrafts, "keep-drafts", c.KeepDrafts, "unsent report drafts are deleted this long after their last change")
	fs.IntVar(&c.ScreenPerHour, "screen-per-hour", c.ScreenPerHour, "screenings one account may make per hour (after a burst of the same size)")
	fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "debug, info, warn or error")
	return fs
}

// Parse parses args into fs, first filling every flag not given on the
// command line from getenv("SISTERLINE_<FLAG>").
func Parse(fs *flag.FlagSet, args []string, getenv func(string) string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%s: %w", fs.Name(), err)
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		if given[f.Name] {
			return
		}
		if v := getenv(EnvName(f.Name)); v != "" {
			if err := fs.Set(f.Name, v); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", EnvName(f.Name), err))
			}
		}
	})
	return errors.Join(errs...)
}

// EnvName is the environment variable of a flag.
func EnvName(flagName string) string {
	return "SISTERLINE_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// Validate checks the settings that can be wrong in ways worth a clear message.
func (c *Config) Validate() error {
	var errs []error
	if c.Lang != "zh-CN" && c.Lang != "en" {
		errs = append(errs, fmt.Errorf("--lang must be zh-CN or en, not %q", c.Lang))
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Errorf("--addr: %w", err))
	}
	if c.MetricsAddr != "" {
		if _, _, err := net.SplitHostPort(c.MetricsAddr); err != nil {
			errs = append(errs, fmt.Errorf("--metrics-addr: %w", err))
		}
	}
	if u, err := url.Parse(c.QuickExitURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") {
		errs = append(errs, fmt.Errorf("--quick-exit-url must be an http(s) URL"))
	}
	if c.NotifyWebhook != "" {
		if u, err := url.Parse(c.NotifyWebhook); err != nil || (u.Scheme != "https" && u.Scheme != "http") {
			errs = append(errs, fmt.Errorf("--notify-webhook must be an http(s) URL"))
		}
	}
	if c.SessionIdle <= 0 || c.SessionAbsolute < c.SessionIdle {
		errs = append(errs, errors.New("--session-idle must be positive and no longer than --session-absolute"))
	}
	if c.ScreenPerHour < 1 {
		errs = append(errs, errors.New("--screen-per-hour must be at least 1"))
	}
	if c.CheckinGrace <= 0 {
		errs = append(errs, errors.New("--checkin-grace must be positive"))
	}
	return errors.Join(errs...)
}
