package notify_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/sisterline/sisterline/internal/db"
	"github.com/sisterline/sisterline/internal/db/dbtest"
	"github.com/sisterline/sisterline/internal/notify"
	"github.com/sisterline/sisterline/internal/web"
)

// fanOut enqueues m to the audience in a transaction of its own.
func (e *env) fanOut(t *testing.T, svc *notify.Service, m notify.Message, orgs ...string) int {
	t.Helper()
	var n int
	err := e.d.InTx(context.Background(), func(tx *sql.Tx) error {
		var err error
		n, err = svc.EnqueueAudience(context.Background(), tx, m, notify.Audience{OrgIDs: orgs})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestFanOutReachesEveryUserOfTheAudienceOnEachChannelSheChoseWithOneIDEach(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		rc := newReceiver(t, "k")
		e := newEnv(t, d, withWebhook(rc))
		sms := &fakeChannel{name: notify.ChannelSMS}
		e.svc.SetChannel(sms)
		ctx := context.Background()
		other, outside := e.addOrg(t), e.addOrg(t)
		amy := e.addUser(t, e.org, web.RoleMember, "amy", "en")
		bea := e.addUser(t, e.org, web.RoleMember, "bea", "en")
		e.addUser(t, other, web.RoleModerator, "cai", "zh-CN")
		e.addUser(t, outside, web.RoleMember, "dee", "en")
		// Amy takes alerts by SMS; Bea takes only check-ins by SMS.
		if _, err := e.svc.AddAddress(ctx, e.principal(amy), notify.ChannelSMS, "+8613800138000", []notify.Group{notify.GroupAlerts}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.AddAddress(ctx, e.principal(bea), notify.ChannelSMS, "+8613900139000", []notify.Group{notify.GroupCheckin}); err != nil {
			t.Fatal(err)
		}
		n := e.fanOut(t, e.svc, notify.Message{Kind: notify.KindAlertPublished, Data: map[string]string{"Path": "/alerts/A1", "Area": "Kunming"}}, e.org, other)
		// A webhook delivery for each of the three users in scope, and Amy's SMS.
		if n != 4 {
			t.Fatalf("fan-out wrote %d deliveries, want 4", n)
		}
		e.drain(t, e.svc)

		byHandle := map[string]string{}
		for _, p := range rc.Accepted() {
			if p.Kind != notify.KindAlertPublished {
				t.Fatalf("webhook got kind %q", p.Kind)
			}
			if _, dup := byHandle[p.Recipient.Handle]; dup {
				t.Fatalf("%s got the alert twice", p.Recipient.Handle)
			}
			byHandle[p.Recipient.Handle] = p.ID
		}
		if len(byHandle) != 3 || byHandle["dee"] != "" {
			t.Fatalf("the webhook got the alert for %v; want amy, bea and cai, not dee of an organisation outside the audience", byHandle)
		}
		if byHandle["amy"] == byHandle["bea"] || byHandle["bea"] == byHandle["cai"] || len(byHandle["amy"]) < 20 {
			t.Fatalf("message ids are not each recipient's own: %v", byHandle)
		}
		sent := sms.Sent()
		if len(sent) != 1 || sent[0].Address != "+8613800138000" {
			t.Fatalf("SMS went to %+v; want Amy's number only", sent)
		}
		// Her SMS and her webhook delivery are one message: one id.
		if sent[0].ID != byHandle["amy"] {
			t.Fatalf("Amy's SMS has id %q, her webhook delivery %q", sent[0].ID, byHandle["amy"])
		}
		if sent[0].Path != "/alerts/A1" {
			t.Fatalf("the fan-out's data did not reach the delivery: path %q", sent[0].Path)
		}
		// Sent: the fan-out's sealed data is gone from the database.
		var left int
		if err := d.QueryRowContext(ctx, `SELECT count(*) FROM notify_fanouts WHERE data_enc IS NOT NULL`).Scan(&left); err != nil {
			t.Fatal(err)
		}
		if left != 0 {
			t.Fatalf("%d fan-outs keep their data after every delivery was sent", left)
		}
	})
}

func TestFanOutIDIsStableAcrossRetriesAndDispatchers(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		rc := newReceiver(t, "k", 500)
		e := newEnv(t, d, withWebhook(rc))
		e.addUser(t, e.org, web.RoleMember, "amy", "en")
		if n := e.fanOut(t, e.svc, notify.Message{Kind: notify.KindAlertPublished, Data: map[string]string{"Path": "/alerts/A2"}}, e.org); n != 1 {
			t.Fatalf("fan-out wrote %d deliveries, want 1", n)
		}
		e.drain(t, e.svc)
		// The first try got a 500: after the back-off, another dispatcher
		// (another instance) sends it again with the same id.
		e.clock.Advance(e.opt.BackoffMax)
		e.drain(t, e.newService(t))
		calls := rc.Calls()
		if len(calls) != 2 || calls[0].ID != calls[1].ID || calls[0].ID == "" {
			t.Fatalf("calls %+v: want two tries with one id", calls)
		}
		if len(rc.Accepted()) != 1 {
			t.Fatalf("accepted %d", len(rc.Accepted()))
		}
	})
}

func TestFanOutIsPartOfTheCallersTransaction(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		rc := newReceiver(t, "k")
		e := newEnv(t, d, withWebhook(rc))
		e.addUser(t, e.org, web.RoleMember, "amy", "en")
		ctx := context.Background()
		tx, err := d.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		n, err := e.svc.EnqueueAudience(ctx, tx, notify.Message{Kind: notify.KindAlertPublished}, notify.Audience{OrgIDs: []string{e.org}})
		if err != nil || n != 1 {
			t.Fatalf("fan-out: %d, %v", n, err)
		}
		if err := tx.Rollback(); err != nil {
			t.Fatal(err)
		}
		if e.drain(t, e.svc); len(rc.Calls()) != 0 {
			t.Fatal("a rolled-back fan-out was sent")
		}
		var rows int
		if err := d.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM notify_outbox) + (SELECT count(*) FROM notify_fanouts)`).Scan(&rows); err != nil {
			t.Fatal(err)
		}
		if rows != 0 {
			t.Fatalf("a rolled-back fan-out left %d rows", rows)
		}
	})
}
