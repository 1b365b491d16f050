package notify_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/sisterline/sisterline/internal/db"
	"github.com/sisterline/sisterline/internal/db/dbtest"
	"github.com/sisterline/sisterline/internal/notify"
	"github.com/sisterline/sisterline/internal/web"
)

func TestWebhookGetsSignedPayloadOfTheContract(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		rc := newReceiver(t, "s3cret")
		e := newEnv(t, d, withWebhook(rc))
		amy := e.addUser(t, e.org, web.RoleMember, "amy", "zh-CN")
		e.send(t,
			notify.Message{Kind: notify.KindAlertPublished, OrgID: e.org, To: notify.ToMember(amy)},
			notify.Message{Kind: notify.KindCheckinBuddy, OrgID: e.org, To: notify.ToPhone("138 0013 8000"), Lang: "en"},
			notify.Message{Kind: notify.KindCheckinBuddy, OrgID: e.org, To: notify.ToEmail("Buddy@Example.org")},
		)
		e.drain(t, e.svc)

		got := rc.Accepted()
		if len(got) != 3 || rc.badSig != 0 {
			t.Fatalf("accepted %d, bad signatures %d", len(got), rc.badSig)
		}
		by := map[notify.RecipientType]notify.WebhookPayload{}
		for _, p := range got {
			by[p.Recipient.Type] = p
			if p.ID == "" || p.CreatedAt.IsZero() || !p.CreatedAt.Equal(e.clock.Now()) {
				t.Errorf("payload %+v: id or created_at missing", p)
			}
		}
		m := by[notify.RecipientMember]
		if m.Kind != notify.KindAlertPublished || m.Recipient.Handle != "amy" || m.Recipient.Phone != "" || m.Text != "你在Notes有一条新通知。" {
			t.Errorf("member payload = %+v", m)
		}
		p := by[notify.RecipientPhone]
		if p.Recipient.Phone != "+8613800138000" || p.Recipient.Handle != "" || p.Text != "You have a new notice from Notes." {
			t.Errorf("phone payload = %+v", p)
		}
		if em := by[notify.RecipientEmail]; em.Recipient.Email != "buddy@example.org" {
			t.Errorf("email payload = %+v", em)
		}
	})
}

func TestWebhookSignatureIsHMACOfTheBody(t *testing.T) {
	// The signature a bridge checks: sha256= and the hex HMAC-SHA256 of the
	// exact body with the shared secret (RFC 4231 test case 2).
	got := notify.Sign([]byte("Jefe"), []byte("what do ya want for nothing?"))
	want := "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
	if got != want {
		t.Fatalf("Sign = %s, want %s", got, want)
	}
}

func TestWebhookRetriesAfter500AndTimeoutWithTheSameIDThenNeverAgain(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		// 500, then no answer at all (the client times out), then 200.
		rc := newReceiver(t, "k", 500, 0, 200)
		e := newEnv(t, d, withWebhook(rc), func(o *notify.Options) { o.SendTimeout = 300 * time.Millisecond })
		e.send(t, notify.Message{Kind: notify.KindCheckinStaff, OrgID: e.org, To: notify.ToPhone("+8613800138000")})

		e.drain(t, e.svc)
		if n := len(rc.Calls()); n != 1 {
			t.Fatalf("first round: %d calls", n)
		}
		// Not due again before the back-off.
		e.drain(t, e.svc)
		if n := len(rc.Calls()); n != 1 {
			t.Fatalf("retried before the back-off: %d calls", n)
		}
		for range 2 {
			e.clock.Advance(5 * time.Second)
			e.drain(t, e.svc)
		}
		calls := rc.Calls()
		if len(calls) != 3 || len(rc.Accepted()) != 1 {
			t.Fatalf("calls %d, accepted %d; want 3 and 1", len(calls), len(rc.Accepted()))
		}
		for _, c := range calls {
			if c.ID != calls[0].ID {
				t.Fatalf("id changed across retries: %s vs %s", c.ID, calls[0].ID)
			}
		}
		// Delivered: however long we wait and dispatch, it never goes again.
		for range 5 {
			e.clock.Advance(time.Hour)
			e.drain(t, e.svc)
		}
		if n := len(rc.Calls()); n != 3 {
			t.Fatalf("sent again after a successful delivery: %d calls", n)
		}
		if st := e.states(t); st["webhook/sent"] != 1 || len(st) != 1 {
			t.Fatalf("states = %v", st)
		}
	})
}

func TestGivesUpAfterTheLastAttemptAndTellsAdmins(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		rc := newReceiver(t, "k", 500, 500, 500, 500, 500, 500)
		e := newEnv(t, d, withWebhook(rc), func(o *notify.Options) { o.MaxAttempts = 3 })
		admin := e.addUser(t, e.org, web.RoleAdmin, "boss", "en")
		e.send(t, notify.Message{Kind: notify.KindCheckinBuddy, OrgID: e.org, To: notify.ToPhone("+8613800138000"), Data: map[string]string{"Note": "room 1207"}})
		for range 6 {
			e.drain(t, e.svc)
			e.clock.Advance(10 * time.Second)
		}
		calls := rc.Calls()
		if len(calls) != 3 {
			t.Fatalf("calls = %d, want 3 (MaxAttempts)", len(calls))
		}
		rep, err := e.svc.DeliveryReport(context.Background(), e.principal(admin))
		if err != nil {
			t.Fatal(err)
		}
		if rep.Failed != 1 || len(rep.Failures) != 1 || rep.Failures[0].MessageID != calls[0].ID || rep.Failures[0].LastError != "http_500" || rep.Failures[0].Attempts != 3 {
			t.Fatalf("report = %+v", rep)
		}
		if n, _ := e.svc.FailedRecently(context.Background(), e.org); n != 1 {
			t.Fatalf("FailedRecently = %d", n)
		}
		// The log names the message, never its content or address.
		log := e.log.String()
		if !strings.Contains(log, calls[0].ID) || !strings.Contains(log, "given up") {
			t.Fatalf("give-up not logged: %s", log)
		}
		for _, secret := range []string{"1207", "13800138000", calls[0].Text} {
			if strings.Contains(log, secret) {
				t.Fatalf("log holds %q", secret)
			}
		}
		// Given up, its sealed content and address are gone at once.
		var addr, data []byte
		if err := d.QueryRowContext(context.Background(), `SELECT address_enc, data_enc FROM notify_outbox`).Scan(&addr, &data); err != nil {
			t.Fatal(err)
		}
		if addr != nil || data != nil {
			t.Fatal("a failed delivery keeps its sealed address or data")
		}
		// Only admins see the report.
		member := e.addUser(t, e.org, web.RoleMember, "m", "en")
		if _, err := e.svc.DeliveryReport(context.Background(), e.principal(member)); err == nil {
			t.Fatal("a member read the delivery report")
		}
	})
}

func TestEnqueueIsPartOfTheCallersTransaction(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		rc := newReceiver(t, "k")
		e := newEnv(t, d, withWebhook(rc))
		ctx := context.Background()
		msg := notify.Message{Kind: notify.KindReportNew, OrgID: e.org, To: notify.ToEmail("duty@example.org")}
		// The event fails: its message must not exist.
		err := d.InTx(ctx, func(tx *sql.Tx) error {
			if err := e.svc.Enqueue(ctx, tx, msg); err != nil {
				return err
			}
			return context.Canceled
		})
		if err == nil {
			t.Fatal("want the transaction's error")
		}
		if e.drain(t, e.svc); len(rc.Calls()) != 0 {
			t.Fatal("a message of a rolled-back transaction was sent")
		}
		if err := d.InTx(ctx, func(tx *sql.Tx) error { return e.svc.Enqueue(ctx, tx, msg) }); err != nil {
			t.Fatal(err)
		}
		if e.drain(t, e.svc); len(rc.Accepted()) != 1 {
			t.Fatalf("committed message: %d deliveries", len(rc.Accepted()))
		}
	})
}

func TestEnqueueRefusesWhatCannotBeDelivered(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ctx := context.Background()
		for name, m := range map[string]notify.Message{
			"unknown kind":    {Kind: "checkin.party", OrgID: e.org, To: notify.ToPhone("+8613800138000")},
			"no org":          {Kind: notify.KindTest, To: notify.ToPhone("+8613800138000")},
			"bad phone":       {Kind: notify.KindTest, OrgID: e.org, To: notify.ToPhone("12")},
			"bad e-mail":      {Kind: notify.KindTest, OrgID: e.org, To: notify.ToEmail("nobody")},
			"member, no id":   {Kind: notify.KindTest, OrgID: e.org, To: notify.Recipient{Type: notify.RecipientMember}},
			"unknown user id": {Kind: notify.KindTest, OrgID: e.org, To: notify.ToMember("NOSUCHUSER")},
		} {
			if name == "unknown user id" {
				// Only refused when a row is written (the user id is a foreign key):
				// give the member a webhook row to write.
				withWebhook(newReceiver(t, "k"))(&e.opt)
				if err := e.newService(t).Send(ctx, m); err == nil {
					t.Errorf("%s: accepted", name)
				}
				continue
			}
			if err := e.svc.Send(ctx, m); err == nil {
				t.Errorf("%s: accepted", name)
			}
		}
	})
}
