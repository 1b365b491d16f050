package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/sisterline/sisterline/internal/app/apptest"
	"github.com/sisterline/sisterline/internal/browsertest"
	"github.com/sisterline/sisterline/internal/config"
	"github.com/sisterline/sisterline/internal/db"
	"github.com/sisterline/sisterline/internal/web"
)

// TestBrowserNotificationPagesOnAPhone walks the notices settings and the
// delivery page as people see them on a 360 px phone: a failed form keeps
// what she typed, the push button appears where push can work, and every
// state fits the phone and passes axe-core. (Without JavaScript the button
// is sent hidden: TestSettingsPageAddsAPhone… checks the HTML.)
func TestBrowserNotificationPagesOnAPhone(t *testing.T) {
	g := newSMSGateway(t)
	s := apptest.Start(t, func(c *config.Config) {
		c.SMSURL, c.SMSAccount, c.SMSToken, c.SMSFrom = g.srv.URL, "AC1", "tok", "Notes"
		c.SMTPHost, c.SMTPFrom = "127.0.0.1", "notices@example.org"
	})
	b := browsertest.New(t)
	check := func(tab context.Context, name string) {
		t.Helper()
		browsertest.FitsWidth(t, tab)
		b.Axe(t, tab)
		browsertest.Screenshot(t, tab, name)
	}

	t.Run("member-zh", func(t *testing.T) {
		mei := s.Login(t, 0, web.RoleMember)
		tab := b.Tab(t, true)
		browsertest.SignIn(t, tab, s.URL, mei.Handle, mei.Passphrase)
		browsertest.Open(t, tab, s.URL+"/settings/notifications")
		check(tab, "notify-settings-zh")
		browsertest.Fill(t, tab, "#phone", "12-34")
		browsertest.Submit(t, tab, `form[action="/settings/notifications/phone"] button[type=submit]`)
		if got := browsertest.Value(t, tab, "#phone"); got != "12-34" {
			t.Errorf("the failed form lost what she typed: %q", got)
		}
		if !strings.Contains(browsertest.Text(t, tab, "#phone-error"), safetyMsg(s, "zh-CN", "notify.error.phone")) {
			t.Error("no message by the phone field")
		}
		check(tab, "notify-settings-zh-failed")
		browsertest.Fill(t, tab, "#phone", "13800138000")
		browsertest.Submit(t, tab, `form[action="/settings/notifications/phone"] button[type=submit]`)
		browsertest.Fill(t, tab, "#email", "mei@example.org")
		browsertest.Submit(t, tab, `form[action="/settings/notifications/email"] button[type=submit]`)
		check(tab, "notify-settings-zh-two-addresses")
	})

	t.Run("member-en", func(t *testing.T) {
		l := s.Login(t, 1, web.RoleMember)
		tab := b.Tab(t, true)
		browsertest.SignIn(t, tab, s.URL, l.Handle, l.Passphrase)
		browsertest.Open(t, tab, s.URL+"/settings/notifications")
		// Chromium has the Push API: the script shows the button and hides the hint.
		if !browsertest.Exists(t, tab, "#push-on:not([hidden])") || browsertest.Exists(t, tab, "#push-needs:not([hidden])") {
			t.Error("with JavaScript and the Push API, the push button is not offered")
		}
		check(tab, "notify-settings-en-js")
	})

	t.Run("admin-en", func(t *testing.T) {
		admin := s.Login(t, 1, web.RoleAdmin)
		_, orgID, err := s.Accounts.Store().UserIDByHandle(context.Background(), admin.Handle)
		if err != nil {
			t.Fatal(err)
		}
		now := db.Now()
		if _, err := s.DB.ExecContext(context.Background(), `INSERT INTO notify_outbox (message_id, kind, org_id, rcpt_type, channel, created_at, next_at, state, attempts, done_at, last_error)
			VALUES ($1, 'checkin.staff', $2, 'member', 'push', $3, $3, 'failed', 12, $3, 'timeout')`, db.NewID(), orgID, now.Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
		tab := b.Tab(t, true)
		browsertest.SignIn(t, tab, s.URL, admin.Handle, admin.Passphrase)
		browsertest.Open(t, tab, s.URL+"/")
		check(tab, "notify-admin-home-warning")
		browsertest.Open(t, tab, s.URL+"/admin/notifications")
		check(tab, "notify-admin-en")
	})
}
