package notify_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sisterline/sisterline/internal/apperr"
	"github.com/sisterline/sisterline/internal/db"
	"github.com/sisterline/sisterline/internal/db/dbtest"
	"github.com/sisterline/sisterline/internal/notify"
	"github.com/sisterline/sisterline/internal/web"
)

// dump returns every value of every row of a table, as bytes, for tests
// that prove something is not stored in the clear.
func dump(t *testing.T, d *db.DB, table string) []byte {
	t.Helper()
	rows, err := d.QueryContext(context.Background(), `SELECT * FROM `+table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out bytes.Buffer
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for _, v := range vals {
			switch x := v.(type) {
			case []byte:
				out.Write(x)
			default:
				fmt.Fprint(&out, x)
			}
			out.WriteByte('|')
		}
	}
	return out.Bytes()
}

func TestAddressesAndMessageDataAreSealedAtRest(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		rc := newReceiver(t, "k")
		sms, mail := &fakeChannel{name: notify.ChannelSMS}, &fakeChannel{name: notify.ChannelEmail}
		e := newEnv(t, d, withWebhook(rc))
		e.svc.SetChannel(sms)
		e.svc.SetChannel(mail)
		ctx := context.Background()
		ps := newPushService(t, e.svc.VAPIDPublicKey())
		amy := e.addUser(t, e.org, web.RoleMember, "amy", "en")
		bea := e.addUser(t, e.org, web.RoleMember, "bea", "en")
		for _, a := range []struct {
			ch  notify.ChannelName
			raw string
		}{{notify.ChannelSMS, "13800138000"}, {notify.ChannelEmail, "amy@example.org"}, {notify.ChannelPush, ps.subscription()}} {
			if _, err := e.svc.AddAddress(ctx, e.principal(amy), a.ch, a.raw, nil); err != nil {
				t.Fatal(err)
			}
		}
		// Bea shares Amy's phone: nothing in the table may show it.
		if _, err := e.svc.AddAddress(ctx, e.principal(bea), notify.ChannelSMS, "+86 138 0013 8000", nil); err != nil {
			t.Fatal(err)
		}
		addrs := dump(t, d, "notify_addresses")
		for _, clear := range []string{"13800138000", "amy@example.org", "wpush", ps.srv.URL} {
			if bytes.Contains(addrs, []byte(clear)) {
				t.Errorf("notify_addresses holds %q in the clear", clear)
			}
		}
		var distinct int
		if err := d.QueryRowContext(ctx, `SELECT count(DISTINCT address_idx) FROM notify_addresses WHERE channel = 'sms'`).Scan(&distinct); err != nil {
			t.Fatal(err)
		}
		if distinct != 2 {
			t.Errorf("two users' equal phones share an index")
		}

		e.send(t, notify.Message{Kind: notify.KindCheckinBuddy, OrgID: e.org, To: notify.ToPhone("+8613900139000"), Data: map[string]string{"Note": "hotel room 1207"}})
		outbox := dump(t, d, "notify_outbox")
		for _, clear := range []string{"13900139000", "1207", "hotel"} {
			if bytes.Contains(outbox, []byte(clear)) {
				t.Errorf("notify_outbox holds %q in the clear", clear)
			}
		}
		if bytes.Contains(dump(t, d, "notify_keys"), []byte(e.svc.VAPIDPublicKey())) {
			t.Error("the VAPID key pair is stored in the clear")
		}
		// Once delivered, nothing of the message's content or address is left.
		e.drain(t, e.svc)
		var left int
		if err := d.QueryRowContext(ctx, `SELECT count(*) FROM notify_outbox WHERE address_enc IS NOT NULL OR data_enc IS NOT NULL`).Scan(&left); err != nil {
			t.Fatal(err)
		}
		if left != 0 || len(sms.Sent()) != 1 {
			t.Fatalf("%d delivered rows keep sealed content; %d SMS sent", left, len(sms.Sent()))
		}
	})
}

func TestEachAddressGetsOnlyTheKindsSheChose(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		sms, mail := &fakeChannel{name: notify.ChannelSMS}, &fakeChannel{name: notify.ChannelEmail}
		e := newEnv(t, d)
		e.svc.SetChannel(sms)
		e.svc.SetChannel(mail)
		ctx := context.Background()
		amy := e.addUser(t, e.org, web.RoleMember, "amy", "en")
		p := e.principal(amy)
		phone, err := e.svc.AddAddress(ctx, p, notify.ChannelSMS, "+8613800138000", nil)
		if err != nil {
			t.Fatal(err)
		}
		email, err := e.svc.AddAddress(ctx, p, notify.ChannelEmail, "amy@example.org", nil)
		if err != nil {
			t.Fatal(err)
		}
		// A member's new address gets what a member can get.
		if got := fmt.Sprint(phone.Groups); got != "[alerts checkin]" {
			t.Fatalf("new address groups = %s", got)
		}
		if err := e.svc.SetGroups(ctx, p, phone.ID, []notify.Group{notify.GroupAlerts}); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.SetGroups(ctx, p, email.ID, []notify.Group{notify.GroupCheckin}); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			kind      notify.Kind
			sms, mail int
		}{
			{notify.KindAlertPublished, 1, 0},
			{notify.KindCheckinReminder, 0, 1},
			{notify.KindTest, 1, 1},
			{notify.KindReportNew, 0, 0},
		} {
			sms.Reset()
			mail.Reset()
			e.send(t, notify.Message{Kind: c.kind, OrgID: e.org, To: notify.ToMember(amy)})
			e.drain(t, e.svc)
			if len(sms.Sent()) != c.sms || len(mail.Sent()) != c.mail {
				t.Errorf("%s: %d SMS and %d e-mails, want %d and %d", c.kind, len(sms.Sent()), len(mail.Sent()), c.sms, c.mail)
			}
		}
		// Another user cannot touch her addresses: not found.
		bea := e.principal(e.addUser(t, e.org, web.RoleMember, "bea", "en"))
		if err := e.svc.SetGroups(ctx, bea, phone.ID, nil); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("another user set her kinds: %v", err)
		}
		if err := e.svc.RemoveAddress(ctx, bea, phone.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("another user removed her phone: %v", err)
		}
		// She can remove it, and messages stop going there.
		if err := e.svc.RemoveAddress(ctx, p, phone.ID); err != nil {
			t.Fatal(err)
		}
		sms.Reset()
		e.send(t, notify.Message{Kind: notify.KindTest, OrgID: e.org, To: notify.ToMember(amy)})
		e.drain(t, e.svc)
		if len(sms.Sent()) != 0 {
			t.Error("a removed phone still gets messages")
		}
	})
}

func TestAddingAnAddressChecksWhatSheTyped(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.svc.SetChannel(&fakeChannel{name: notify.ChannelSMS})
		ctx := context.Background()
		p := e.principal(e.addUser(t, e.org, web.RoleMember, "amy", "en"))
		field := func(err error) string {
			ae, _ := apperr.As(err)
			if ae == nil {
				return ""
			}
			return ae.Fields["phone"] + ae.Fields["email"]
		}
		if _, err := e.svc.AddAddress(ctx, p, notify.ChannelSMS, "12345", nil); field(err) != "notify.error.phone" {
			t.Errorf("bad number: %v", err)
		}
		if _, err := e.svc.AddAddress(ctx, p, notify.ChannelEmail, "amy@example.org", nil); field(err) != "notify.error.channel_off" {
			t.Errorf("e-mail while it is not set up: %v", err)
		}
		if _, err := e.svc.AddAddress(ctx, p, notify.ChannelSMS, "138 0013 8000", nil); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.AddAddress(ctx, p, notify.ChannelSMS, "+86 13800138000", nil); field(err) != "notify.error.address_taken" {
			t.Errorf("the same number twice: %v", err)
		}
		for i := 1; i < notify.MaxAddresses; i++ {
			if _, err := e.svc.AddAddress(ctx, p, notify.ChannelSMS, fmt.Sprintf("+86138001380%02d", i), nil); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := e.svc.AddAddress(ctx, p, notify.ChannelSMS, "+8613800138099", nil); field(err) != "notify.error.too_many" {
			t.Errorf("one more than allowed: %v", err)
		}
		addrs, _ := e.svc.Addresses(ctx, p)
		var shown []string
		for _, a := range addrs {
			shown = append(shown, a.Display())
		}
		if !contains(shown, "+861••••••8000") {
			t.Errorf("displays = %q: want the middle masked", shown)
		}
	})
}

func TestTextsAreNeutralUnlessTheOrganisationChoosesFullTexts(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		rc := newReceiver(t, "k")
		e := newEnv(t, d, withWebhook(rc))
		ctx := context.Background()
		admin := e.principal(e.addUser(t, e.org, web.RoleAdmin, "boss", "en"))
		mei := e.addUser(t, e.org, web.RoleMember, "mei", "zh-CN")
		alert := notify.Message{Kind: notify.KindAlertPublished, OrgID: e.org, To: notify.ToMember(mei), Data: map[string]string{"Area": "昆明"}}
		e.send(t, alert)
		e.drain(t, e.svc)
		if err := e.svc.SetFullTexts(ctx, admin, true); err != nil {
			t.Fatal(err)
		}
		e.send(t, alert, notify.Message{Kind: notify.KindCheckinBuddy, OrgID: e.org, To: notify.ToPhone("+8613800138000"), Lang: "en", Data: map[string]string{"Handle": "mei"}})
		e.drain(t, e.svc)
		var texts []string
		for _, p := range rc.Accepted() {
			texts = append(texts, p.Text)
		}
		want := []string{"你在Notes有一条新通知。", "有新的客人预警（昆明）。请到Notes查看。", "mei has not checked in on time."}
		for _, w := range want {
			found := false
			for _, got := range texts {
				found = found || got == w
			}
			if !found {
				t.Errorf("no text %q in %q", w, texts)
			}
		}
		if err := e.svc.SetFullTexts(ctx, e.principal(mei), false); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("a member changed the organisation's texts: %v", err)
		}
	})
}

func TestTwoDispatchersOnOneDatabaseNeverSendTheSameMessage(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		rc := newReceiver(t, "k")
		e := newEnv(t, d, withWebhook(rc), func(o *notify.Options) { o.Batch, o.Workers = 7, 4 })
		const n = 300
		msgs := make([]notify.Message, n)
		for i := range msgs {
			msgs[i] = notify.Message{Kind: notify.KindAlertPublished, OrgID: e.org, To: notify.ToPhone(fmt.Sprintf("+86138%08d", i))}
		}
		e.send(t, msgs...)
		// Two instances, each with its own connections, claiming at once.
		a, b := e.newService(t), e.newService(t)
		var wg sync.WaitGroup
		var claimed [2]atomic.Int64
		for i, svc := range []*notify.Service{a, b} {
			wg.Go(func() {
				for {
					k, err := svc.DispatchOnce(context.Background())
					if err != nil {
						t.Error(err)
						return
					}
					if k == 0 {
						return
					}
					claimed[i].Add(int64(k))
				}
			})
		}
		wg.Wait()
		seen := map[string]int{}
		for _, p := range rc.Calls() {
			seen[p.ID]++
		}
		if len(seen) != n {
			t.Fatalf("%d distinct messages delivered, want %d", len(seen), n)
		}
		for id, k := range seen {
			if k != 1 {
				t.Fatalf("message %s sent %d times", id, k)
			}
		}
		if claimed[0].Load()+claimed[1].Load() != n {
			t.Fatalf("claimed %d + %d", claimed[0].Load(), claimed[1].Load())
		}
		t.Logf("dispatcher A sent %d, B sent %d", claimed[0].Load(), claimed[1].Load())
	})
}

// blockingChannel holds every send until released.
type blockingChannel struct {
	fakeChannel
	started chan struct{}
	release chan struct{}
}

func (b *blockingChannel) Send(ctx context.Context, d notify.Delivery) error {
	b.started <- struct{}{}
	<-b.release
	return b.fakeChannel.Send(ctx, d)
}

func TestADeliveryWhoseDispatcherHangsIsResentWithTheSameIDAfterTheLease(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, func(o *notify.Options) { o.SendTimeout = time.Minute })
		stuck := &blockingChannel{fakeChannel: fakeChannel{name: notify.ChannelSMS}, started: make(chan struct{}, 1), release: make(chan struct{})}
		e.svc.SetChannel(stuck)
		e.send(t, notify.Message{Kind: notify.KindCheckinStaff, OrgID: e.org, To: notify.ToPhone("+8613800138000")})
		done := make(chan error)
		go func() {
			_, err := e.svc.DispatchOnce(context.Background())
			done <- err
		}()
		<-stuck.started
		// Another instance sees nothing due while the lease holds …
		other := e.newService(t)
		healthy := &fakeChannel{name: notify.ChannelSMS}
		other.SetChannel(healthy)
		if n := e.drain(t, other); n != 0 {
			t.Fatalf("claimed a leased delivery: %d", n)
		}
		// … and sends it once the lease has run out, with the same id.
		e.clock.Advance(time.Hour)
		if n := e.drain(t, other); n != 1 {
			t.Fatalf("after the lease: %d claimed", n)
		}
		// The hung send finally goes through too (at least once): its
		// outcome is dropped, the row stays as the second instance left it.
		close(stuck.release)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		a, b := stuck.Sent(), healthy.Sent()
		if len(a) != 1 || len(b) != 1 || a[0].ID != b[0].ID {
			t.Fatalf("sends: %+v and %+v", a, b)
		}
		var attempts int
		var state string
		if err := d.QueryRowContext(context.Background(), `SELECT state, attempts FROM notify_outbox`).Scan(&state, &attempts); err != nil {
			t.Fatal(err)
		}
		if state != "sent" || attempts != 2 {
			t.Fatalf("state %s after %d attempts", state, attempts)
		}
	})
}

func TestFinishedDeliveriesAreDeletedAfterTheRetention(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		rc := newReceiver(t, "k", 200, 500)
		e := newEnv(t, d, withWebhook(rc), func(o *notify.Options) { o.Retention = 48 * time.Hour; o.MaxAttempts = 1 })
		e.send(t,
			notify.Message{Kind: notify.KindTest, OrgID: e.org, To: notify.ToPhone("+8613800138000")},
			notify.Message{Kind: notify.KindTest, OrgID: e.org, To: notify.ToPhone("+8613800138001")},
		)
		e.drain(t, e.svc)
		e.clock.Advance(47 * time.Hour)
		e.send(t, notify.Message{Kind: notify.KindTest, OrgID: e.org, To: notify.ToPhone("+8613800138002")})
		if err := e.svc.Purge(context.Background()); err != nil {
			t.Fatal(err)
		}
		if st := e.states(t); st["webhook/sent"] != 1 || st["webhook/failed"] != 1 || st["webhook/pending"] != 1 {
			t.Fatalf("purged too early: %v", st)
		}
		e.clock.Advance(2 * time.Hour)
		if err := e.svc.Purge(context.Background()); err != nil {
			t.Fatal(err)
		}
		// The pending one is never purged: it has not arrived yet.
		if st := e.states(t); len(st) != 1 || st["webhook/pending"] != 1 {
			t.Fatalf("after the retention: %v", st)
		}
	})
}

func TestOnCallIsTheListOrElseEveryModeratorAndAdmin(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ctx := context.Background()
		admin := e.addUser(t, e.org, web.RoleAdmin, "boss", "en")
		mod := e.addUser(t, e.org, web.RoleModerator, "mod", "en")
		out := e.addUser(t, e.org, web.RoleOutreach, "out", "en")
		member := e.addUser(t, e.org, web.RoleMember, "mem", "en")
		other := e.addOrg(t)
		stranger := e.addUser(t, other, web.RoleModerator, "far", "en")

		ids, err := e.svc.OnCall(ctx, d, e.org)
		if err != nil {
			t.Fatal(err)
		}
		if len(ids) != 2 || !(contains(ids, admin) && contains(ids, mod)) {
			t.Fatalf("fallback on call = %v, want the admin and the moderator", ids)
		}
		p := e.principal(admin)
		for _, id := range []string{out, mod} {
			if err := e.svc.AddOnCall(ctx, p, id); err != nil {
				t.Fatal(err)
			}
		}
		if err := e.svc.AddOnCall(ctx, p, member); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("a member put on call: %v", err)
		}
		if err := e.svc.AddOnCall(ctx, p, stranger); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("another organisation's user put on call: %v", err)
		}
		if err := e.svc.AddOnCall(ctx, e.principal(mod), mod); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("a moderator edited the list: %v", err)
		}
		if ids, _ = e.svc.OnCall(ctx, d, e.org); fmt.Sprint(ids) != fmt.Sprint([]string{out, mod}) {
			t.Fatalf("on call = %v, want the list in order", ids)
		}
		page, err := e.svc.OnCallList(ctx, p)
		if err != nil || page.Fallback || len(page.List) != 2 || page.List[0].Handle != "out" || len(page.Candidates) != 1 || page.Candidates[0].Handle != "boss" {
			t.Fatalf("page = %+v, %v", page, err)
		}
		if err := e.svc.RemoveOnCall(ctx, p, out); err != nil {
			t.Fatal(err)
		}
		if ids, _ = e.svc.OnCall(ctx, d, e.org); fmt.Sprint(ids) != fmt.Sprint([]string{mod}) {
			t.Fatalf("after removal = %v", ids)
		}
		if ids, _ = e.svc.OnCall(ctx, d, other); fmt.Sprint(ids) != fmt.Sprint([]string{stranger}) {
			t.Fatalf("the other organisation's on call = %v", ids)
		}
	})
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func TestDeletingAUserRemovesHerAddressesAndWaitingMessages(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		rc := newReceiver(t, "k")
		e := newEnv(t, d, withWebhook(rc))
		e.svc.SetChannel(&fakeChannel{name: notify.ChannelSMS})
		ctx := context.Background()
		admin := e.addUser(t, e.org, web.RoleAdmin, "boss", "en")
		amy := e.addUser(t, e.org, web.RoleModerator, "amy", "en")
		if _, err := e.svc.AddAddress(ctx, e.principal(amy), notify.ChannelSMS, "+8613800138000", nil); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.AddOnCall(ctx, e.principal(admin), amy); err != nil {
			t.Fatal(err)
		}
		e.send(t, notify.Message{Kind: notify.KindReportNew, OrgID: e.org, To: notify.ToMember(amy)})
		err := d.InTx(ctx, func(tx *sql.Tx) error {
			if err := e.svc.DeleteUser(ctx, tx, amy); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `DELETE FROM users WHERE id = $1`, amy)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, table := range []string{"notify_addresses", "notify_outbox", "notify_oncall"} {
			var n int
			if err := d.QueryRowContext(ctx, `SELECT count(*) FROM `+table).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != 0 {
				t.Errorf("%s keeps %d rows of a deleted user", table, n)
			}
		}
		if e.drain(t, e.svc); len(rc.Calls()) != 0 {
			t.Error("a deleted user's message was sent")
		}
	})
}

func TestRunSendsWhatIsDueAtStartAndWakesOnEnqueue(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		rc := newReceiver(t, "k")
		e := newEnv(t, d, withWebhook(rc), func(o *notify.Options) { o.Poll = time.Hour })
		// Due before the dispatcher starts (enqueued while it was down).
		e.send(t, notify.Message{Kind: notify.KindTest, OrgID: e.org, To: notify.ToPhone("+8613800138000")})
		ctx, cancel := context.WithCancel(context.Background())
		stopped := make(chan struct{})
		go func() { e.svc.Run(ctx); close(stopped) }()
		waitFor(t, func() bool { return len(rc.Accepted()) == 1 })
		// Polling is an hour away: only the wake-up can deliver this in time.
		e.send(t, notify.Message{Kind: notify.KindTest, OrgID: e.org, To: notify.ToPhone("+8613800138001")})
		waitFor(t, func() bool { return len(rc.Accepted()) == 2 })
		cancel()
		<-stopped
	})
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in time")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
