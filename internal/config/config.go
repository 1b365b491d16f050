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
	// NotifyRetention is how long finished notification deliveries are kept
	// (for the delivery status page) before they are deleted.
	NotifyRetention time.Duration
	// NotifySendTimeout bounds one delivery attempt.
	NotifySendTimeout time.Duration
	SMSURL            string
	SMSAccount        string
	SMSToken          string
	SMSFrom           string
	SMTPHost          string
	SMTPPort          int
	SMTPUser          string
	SMTPPassword      string
	SMTPFrom          string
	// PushSubject is the contact (mailto: or https:) web push services may
	// reach the operator at.
	PushSubject  string
	CheckinGrace time.Duration

	// Safety loop retention and limits.
	AlertTTL      time.Duration
	KeepClosed    time.Duration
	KeepDrafts    time.Duration
	ScreenPerHour int
	// CheckinKeep is how long a check-in's note and outside buddies'
	// addresses are kept after it ends.
	CheckinKeep time.Duration

	// RightsReviewPeriod is how old an article's review may be before staff
	// see "needs review"; ContentDir is an organisation's own content pack.
	RightsReviewPeriod time.Duration
	ContentDir         string

	LogLevel string
}

// Default returns the defaults of every setting.
func Default() Config {
	return Config{
		DataDir:            "./data",
		Addr:               "127.0.0.1:8080",
		Lang:               "zh-CN",
		PhoneRegion:        "CN",
		SiteName:           "Notes",
		QuickExitURL:       "https://www.weather.com.cn/",
		SessionIdle:        30 * time.Minute,
		SessionAbsolute:    12 * time.Hour,
		InviteTTL:          7 * 24 * time.Hour,
		CheckinGrace:       5 * time.Minute,
		NotifyRetention:    7 * 24 * time.Hour,
		NotifySendTimeout:  10 * time.Second,
		SMSURL:             "https://api.twilio.com",
		SMTPPort:           587,
		LogLevel:           "info",
		AlertTTL:           90 * 24 * time.Hour,
		KeepClosed:         90 * 24 * time.Hour,
		KeepDrafts:         30 * 24 * time.Hour,
		ScreenPerHour:      30,
		RightsReviewPeriod: 365 * 24 * time.Hour,
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
	fs.DurationVar(&c.NotifyRetention, "notify-retention", c.NotifyRetention, "delete delivered and failed notifications after this long")
	fs.DurationVar(&c.NotifySendTimeout, "notify-send-timeout", c.NotifySendTimeout, "longest wait for one notification delivery attempt")
	fs.StringVar(&c.SMSURL, "sms-url", c.SMSURL, "base URL of an SMS gateway with Twilio's Messages API")
	fs.StringVar(&c.SMSAccount, "sms-account", c.SMSAccount, "SMS gateway account (SMS is off when empty)")
	fs.StringVar(&c.SMSToken, "sms-token", c.SMSToken, "SMS gateway token")
	fs.StringVar(&c.SMSFrom, "sms-from", c.SMSFrom, "sender number or name of text messages")
	fs.StringVar(&c.SMTPHost, "smtp-host", c.SMTPHost, "SMTP server for e-mail notifications (e-mail is off when empty); STARTTLS is required")
	fs.IntVar(&c.SMTPPort, "smtp-port", c.SMTPPort, "SMTP server port")
	fs.StringVar(&c.SMTPUser, "smtp-user", c.SMTPUser, "SMTP user name (no login when empty)")
	fs.StringVar(&c.SMTPPassword, "smtp-password", c.SMTPPassword, "SMTP password")
	fs.StringVar(&c.SMTPFrom, "smtp-from", c.SMTPFrom, "sender address of e-mail notifications")
	fs.StringVar(&c.PushSubject, "push-subject", c.PushSubject, "contact for web push services: mailto:ADDRESS or an https URL (default: --base-url)")
	fs.DurationVar(&c.CheckinGrace, "checkin-grace", c.CheckinGrace, "default grace period between check-in escalation steps")
	fs.DurationVar(&c.AlertTTL, "alert-ttl", c.AlertTTL, "how long a published alert shows unless the moderator sets an end date")
	fs.DurationVar(&c.KeepClosed, "keep-closed", c.KeepClosed, "declined and withdrawn reports and closed cases are deleted this long after they close")
	fs.DurationVar(&c.KeepDrafts, "keep-drafts", c.KeepDrafts, "unsent report drafts are deleted this long after their last change")
	fs.DurationVar(&c.CheckinKeep, "checkin-keep", c.CheckinKeep, "a check-in's note and outside buddies' addresses are deleted this long after it ends")
	fs.IntVar(&c.ScreenPerHour, "screen-per-hour", c.ScreenPerHour, "screenings one account may make per hour (after a burst of the same size)")
	fs.DurationVar(&c.RightsReviewPeriod, "rights-review-period", c.RightsReviewPeriod, "rights articles checked longer ago than this show staff \"needs review\"")
	fs.StringVar(&c.ContentDir, "content-dir", c.ContentDir, "directory with an organisation's own content pack (rights/*.md, directory/*.toml), loaded over the built-in one")
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
	if c.NotifyRetention <= 0 {
		errs = append(errs, errors.New("--notify-retention must be positive"))
	}
	if c.NotifySendTimeout <= 0 {
		errs = append(errs, errors.New("--notify-send-timeout must be positive"))
	}
	if c.SMSAccount != "" {
		if u, err := url.Parse(c.SMSURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			errs = append(errs, errors.New("--sms-url must be an http(s) URL"))
		}
		if c.SMSToken == "" || c.SMSFrom == "" {
			errs = append(errs, errors.New("--sms-account needs --sms-token and --sms-from"))
		}
	}
	if c.SMTPHost != "" {
		if c.SMTPFrom == "" || !strings.Contains(c.SMTPFrom, "@") {
			errs = append(errs, errors.New("--smtp-host needs --smtp-from with an e-mail address"))
		}
		if c.SMTPPort <= 0 || c.SMTPPort > 65535 {
			errs = append(errs, errors.New("--smtp-port must be between 1 and 65535"))
		}
	}
	if c.PushSubject != "" && !strings.HasPrefix(c.PushSubject, "mailto:") && !strings.HasPrefix(c.PushSubject, "https://") {
		errs = append(errs, errors.New("--push-subject must be mailto:ADDRESS or an https:// URL"))
	}
	if c.RightsReviewPeriod <= 0 {
		errs = append(errs, errors.New("--rights-review-period must be positive"))
	}
	if c.CheckinGrace <= 0 {
		errs = append(errs, errors.New("--checkin-grace must be positive"))
	}
	return errors.Join(errs...)
}
