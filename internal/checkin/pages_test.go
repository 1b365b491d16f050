package checkin_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/sisterline/sisterline/internal/app/apptest"
	"github.com/sisterline/sisterline/internal/checkin"
	"github.com/sisterline/sisterline/internal/seal"
	"github.com/sisterline/sisterline/internal/web"
)

func TestStartInTwoTapsFromHomeSeeTheTimeLeftAndMarkSafe(t *testing.T) {
	onEngines(t, func(t *testing.T, s *site) {
		member := s.Login(t, 0, web.RoleMember)
		c := s.SignInPages(t, member)
		apptest.WantPage(t, c.Get("/"), http.StatusOK, `href="/checkins/new"`, s.Text(zh, "checkin.home.start"))
		// Her buddy is ticked already: the second tap is a time.
		apptest.WantPage(t, c.Get("/checkins/new"), http.StatusOK, `value="outreach1" checked`, s.Text(zh, "checkin.preset.60"))
		id := start(t, c, url.Values{"minutes": {"60"}, "buddy": {"outreach1"}, "note": {"Spring Hotel, room 12"}})

		view := c.Get("/checkins/" + id)
		apptest.WantPage(t, view, http.StatusOK, s.Text(zh, "flash.checkin_started"), `data-countdown="3600"`,
			s.Text(zh, "checkin.span.h", "Count", 1), s.Text(zh, "checkin.safe_button"), "Spring Hotel, room 12", "outreach1")
		s.clk.Add(22 * time.Minute)
		apptest.WantPage(t, c.Get("/"), http.StatusOK, `data-countdown="2280"`, s.Text(zh, "checkin.span.min", "Count", 38), `action="/checkins/`+id+`/safe"`)
		// While one runs, "start" leads to it, not to a second form.
		apptest.WantRedirect(t, c.Get("/checkins/new"), "/checkins/"+id)

		apptest.WantRedirect(t, c.Post("/checkins/"+id+"/safe", nil), "/checkins/"+id+"?done=flash.checkin_safe")
		apptest.WantPage(t, c.Get("/checkins/"+id), http.StatusOK, s.Text(zh, "checkin.view.is_safe"), s.Text(zh, "checkin.status.safe"))
		apptest.WantPage(t, c.Get("/"), http.StatusOK, `href="/checkins/new"`)
		// Nothing is sent for a check-in that ended on time.
		s.advance(t, 3*time.Hour)
		if got, _ := s.Checkins.Get(context.Background(), s.principal(t, member), id); len(got.Events) != 2 {
			t.Fatalf("events after safe: %v", got.Events)
		}
	})
}

func TestStartFormKeepsWhatSheTypedAndSaysWhatIsWrong(t *testing.T) {
	onEngines(t, func(t *testing.T, s *site) {
		c := s.SignInPages(t, s.Login(t, 0, web.RoleMember))
		p := c.Post("/checkins/new", url.Values{"minutes": {"30"}, "other": {"12"}, "note": {"grey car, plate 云A 12345"}})
		apptest.WantPage(t, p, http.StatusUnprocessableEntity, s.Text(zh, "checkin.error.buddy_phone"), "grey car, plate 云A 12345", `value="12"`)
		if strings.Contains(p.Body, `value="outreach1" checked`) {
			t.Error("a buddy she did not tick is ticked again")
		}
		// Enter in a field sends no time: she is asked, nothing is lost.
		p = c.Post("/checkins/new", url.Values{"buddy": {"outreach1"}, "note": {"my note"}})
		apptest.WantPage(t, p, http.StatusUnprocessableEntity, s.Text(zh, "checkin.error.custom_required"), "my note", `value="outreach1" checked`)
		p = c.Post("/checkins/new", url.Values{"minutes": {"custom"}, "custom": {"2000"}})
		apptest.WantPage(t, p, http.StatusUnprocessableEntity, s.Text(zh, "checkin.error.due_in"), `value="2000"`)
		id := start(t, c, url.Values{"minutes": {"custom"}, "custom": {"45"}})
		apptest.WantPage(t, c.Get("/checkins/"+id), http.StatusOK, `data-countdown="2700"`)
	})
}

func TestHerPINIsNeededToMarkSafeAndNeverWrittenBack(t *testing.T) {
	onEngines(t, func(t *testing.T, s *site) {
		c := s.SignInPages(t, s.Login(t, 0, web.RoleMember))
		p := c.Post("/settings/checkin", url.Values{"pin": {"2468"}, "pin2": {"2469"}})
		apptest.WantPage(t, p, http.StatusUnprocessableEntity, s.Text(zh, "checkin.error.pin_mismatch"))
		p = c.Post("/settings/checkin", url.Values{"pin": {"12"}, "pin2": {"12"}})
		apptest.WantPage(t, p, http.StatusUnprocessableEntity, s.Text(zh, "checkin.error.pin_format"))
		apptest.WantRedirect(t, c.Post("/settings/checkin", url.Values{"pin": {"2468"}, "pin2": {"2468"}}), "/settings/checkin?done=flash.checkin_pin_saved")
		apptest.WantPage(t, c.Get("/settings/checkin"), http.StatusOK, s.Text(zh, "checkin.pin.is_set"))

		id := start(t, c, url.Values{"minutes": {"30"}})
		view := c.Get("/checkins/" + id)
		apptest.WantPage(t, view, http.StatusOK, `name="pin"`)
		for _, pin := range []string{"", "1357"} {
			p := c.Post("/checkins/"+id+"/safe", url.Values{"pin": {pin}})
			apptest.WantPage(t, p, http.StatusUnprocessableEntity, s.Text(zh, "checkin.error.pin_wrong"))
			if pin != "" && strings.Contains(p.Body, pin) {
				t.Fatal("the page repeats the PIN she typed")
			}
		}
		apptest.WantRedirect(t, c.Post("/checkins/"+id+"/safe", url.Values{"pin": {"2468"}}), "/checkins/"+id+"?done=flash.checkin_safe")
		apptest.WantRedirect(t, c.Post("/settings/checkin", url.Values{"action": {"clear"}}), "/settings/checkin?done=flash.checkin_pin_removed")
		apptest.WantPage(t, c.Get("/settings/checkin"), http.StatusOK, s.Text(zh, "checkin.pin.not_set"))
	})
}

func TestTheTextedLinksEndHerCheckinOnlyWithHerPINAndShowHerBuddyTheNote(t *testing.T) {
	onEngines(t, func(t *testing.T, s *site) {
		member := s.Login(t, 0, web.RoleMember)
		const herPhone, buddyPhone = "+8613900000001", "+8613900000002"
		s.addPhone(t, member, herPhone)
		c := s.SignInPages(t, member)
		apptest.WantRedirect(t, c.Post("/settings/checkin", url.Values{"pin": {"2468"}, "pin2": {"2468"}}), "/settings/checkin")
		id := start(t, c, url.Values{"minutes": {"custom"}, "custom": {"1"}, "other": {"139 0000 0002"}, "note": {"Spring Hotel, room 12"}})

		s.advance(t, time.Minute)
		safeLink := s.sms.link(t, herPhone, "safe", 1)
		anon := s.NewPageClient(t)
		apptest.WantPage(t, anon.Get(safeLink), http.StatusOK, s.Text("en", "checkin.link.safe_lead"), `name="pin"`)
		apptest.WantPage(t, anon.Post(safeLink, url.Values{"pin": {"0000"}}), http.StatusUnprocessableEntity, s.Text("en", "checkin.error.pin_wrong"))
		apptest.WantPage(t, anon.Get("/c/safe/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"), http.StatusNotFound)

		// One grace period later her outside buddy gets a text with a link.
		s.advance(t, 5*time.Minute)
		buddyLink := s.sms.link(t, buddyPhone, "buddy", 1)
		apptest.WantPage(t, anon.Get(buddyLink), http.StatusOK, s.Text("en", "checkin.view.title_other", "Handle", member.Handle), "Spring Hotel, room 12", s.Text("en", "checkin.ack_button"))
		apptest.WantRedirect(t, anon.Post(buddyLink, nil), buddyLink+"?done=flash.checkin_acknowledged")
		apptest.WantPage(t, anon.Get(buddyLink), http.StatusOK, s.Text("en", "checkin.view.you_acked"))
		mod := s.SignInPages(t, s.Login(t, 0, web.RoleModerator))
		apptest.WantPage(t, mod.Get("/checkins/"+id), http.StatusOK, s.Text(zh, "checkin.view.buddy_acked"), "Spring Hotel, room 12")
		if strings.Contains(mod.Get("/checkins/"+id).Body, "0002") {
			t.Error("staff see the outside buddy's number")
		}

		// With her PIN the link ends it, and the buddy who was told hears so.
		apptest.WantRedirect(t, anon.Post(safeLink, url.Values{"pin": {"2468"}}), safeLink+"?done=flash.checkin_safe")
		apptest.WantPage(t, anon.Get(safeLink), http.StatusOK, s.Text("en", "flash.checkin_safe"), s.Text("en", "checkin.link.ended"))
		apptest.WaitFor(t, 15*time.Second, func() bool { return s.sms.count(buddyPhone) == 2 })
		apptest.WantPage(t, anon.Get(buddyLink), http.StatusOK, s.Text("en", "checkin.link.buddy_safe"))
	})
}

func TestABuddyWithAnAccountSeesHerNoteOnlyOnceShesAlerted(t *testing.T) {
	onEngines(t, func(t *testing.T, s *site) {
		member := s.Login(t, 0, web.RoleMember)
		c := s.SignInPages(t, member)
		id := start(t, c, url.Values{"minutes": {"custom"}, "custom": {"10"}, "buddy": {"outreach1"}, "note": {"white van, tall man"}})
		// Her buddy is an outreach worker, who as staff may see that a
		// check-in runs, but not its note, until it escalates.
		buddy := s.SignInPages(t, s.Login(t, 0, web.RoleOutreach))
		before := buddy.Get("/checkins/" + id)
		if strings.Contains(before.Body, "white van") || strings.Contains(before.Body, "/acknowledge") {
			t.Fatal("her buddy reads her note, or is asked to act, before it escalated")
		}
		if strings.Contains(buddy.Get("/").Body, "/checkins/"+id) {
			t.Fatal("her buddy's home page links her check-in before it escalated")
		}

		s.advance(t, 10*time.Minute) // reminded
		s.advance(t, 5*time.Minute)  // buddies told
		apptest.WantPage(t, buddy.Get("/"), http.StatusOK, s.Text(zh, "checkin.home.calls_title"), `href="/checkins/`+id+`"`,
			s.Text(zh, "checkin.home.call", "Handle", member.Handle))
		apptest.WantPage(t, buddy.Get("/checkins/"+id), http.StatusOK, "white van, tall man", s.Text(zh, "checkin.ack_button"))
		apptest.WantRedirect(t, buddy.Post("/checkins/"+id+"/acknowledge", nil), "/checkins/"+id+"?done=flash.checkin_acknowledged")
		if strings.Contains(buddy.Get("/").Body, s.Text(zh, "checkin.home.calls_title")) {
			t.Error("the call stays on her home page after she said she is on it")
		}

		// Staff see it in their list, with the buddy on it; her own page
		// tells her help is called.
		mod := s.SignInPages(t, s.Login(t, 0, web.RoleModerator))
		apptest.WantPage(t, mod.Get("/checkins"), http.StatusOK, s.Text(zh, "checkin.list.escalated"), member.Handle, s.Text(zh, "checkin.view.buddy_acked"))
		apptest.WantPage(t, c.Get("/checkins/"+id), http.StatusOK, s.Text(zh, "checkin.view.escalated_own"), s.Text(zh, "checkin.view.panic"))
		s.advance(t, 5*time.Minute) // staff told, a case opened
		page := mod.Get("/checkins/" + id)
		apptest.WantPage(t, page, http.StatusOK, s.Text(zh, "checkin.event.staff_alerted"), `href="/cases/`, s.Text(zh, "checkin.view.close"))
		apptest.WantRedirect(t, mod.Post("/checkins/"+id+"/close", nil), "/checkins/"+id+"?done=flash.checkin_closed")
		if strings.Contains(mod.Get("/checkins/"+id).Body, `action="/checkins/`+id+`/close"`) {
			t.Error("a closed check-in still offers to close")
		}
	})
}

func TestHelpNowCallsBuddiesAndStaffAtOnce(t *testing.T) {
	onEngines(t, func(t *testing.T, s *site) {
		member := s.Login(t, 0, web.RoleMember)
		c := s.SignInPages(t, member)
		id := start(t, c, url.Values{"minutes": {"120"}, "buddy": {"outreach1"}})
		apptest.WantRedirect(t, c.Post("/checkins/"+id+"/panic", nil), "/checkins/"+id+"?done=flash.checkin_panic")
		page := c.Get("/checkins/" + id)
		apptest.WantPage(t, page, http.StatusOK, s.Text(zh, "checkin.event.panic"), s.Text(zh, "checkin.event.staff_alerted"), s.Text(zh, "checkin.safe_button"))
		if strings.Contains(page.Body, `/panic"`) || strings.Contains(page.Body, `/extend"`) {
			t.Error("after help now the page still offers help now or more time")
		}
		buddy := s.SignInPages(t, s.Login(t, 0, web.RoleOutreach))
		apptest.WantPage(t, buddy.Get("/checkins/"+id), http.StatusOK, s.Text(zh, "checkin.ack_button"))
	})
}

func TestAnotherOrganisationsCheckinIsNotFound(t *testing.T) {
	onEngines(t, func(t *testing.T, s *site) {
		c := s.SignInPages(t, s.Login(t, 0, web.RoleMember))
		id := start(t, c, url.Values{"minutes": {"30"}, "note": {"secret place"}})
		for _, role := range []web.Role{web.RoleMember, web.RoleModerator, web.RoleAdmin} {
			other := s.SignInPages(t, s.Login(t, 1, role))
			apptest.WantPage(t, other.Get("/checkins/"+id), http.StatusNotFound)
			for _, action := range []string{"safe", "extend", "panic", "acknowledge", "close"} {
				if p := other.Post("/checkins/"+id+"/"+action, nil); p.Status != http.StatusNotFound {
					t.Errorf("%s of org 1 posting %s: %d", role, action, p.Status)
				}
			}
		}
		if got, err := s.Checkins.Get(context.Background(), s.principal(t, s.Login(t, 1, web.RoleAdmin)), id); err == nil {
			t.Fatalf("another organisation's admin read %+v", got)
		}
	})
}

func TestBuddyRequestsAreAcceptedDeclinedAndRemoved(t *testing.T) {
	onEngines(t, func(t *testing.T, s *site) {
		asker := s.SignInPages(t, s.Login(t, 1, web.RoleMember))
		p := asker.Post("/checkins/buddies", url.Values{"handle": {"nobody-here"}})
		apptest.WantPage(t, p, http.StatusUnprocessableEntity, s.Text("en", "checkin.error.handle_unknown"), `value="nobody-here"`)
		apptest.WantRedirect(t, asker.Post("/checkins/buddies", url.Values{"handle": {"member1"}}), "/checkins/buddies?done=flash.checkin_buddy_invited")
		apptest.WantPage(t, asker.Get("/checkins/buddies"), http.StatusOK, s.Text("en", "checkin.buddies.outgoing"), "member1")

		asked := s.SignInPages(t, s.Login(t, 0, web.RoleMember))
		page := asked.Get("/checkins/buddies")
		apptest.WantPage(t, page, http.StatusOK, s.Text(zh, "checkin.buddies.incoming"), "member2")
		askerID := s.principal(t, s.Login(t, 1, web.RoleMember)).UserID
		apptest.WantRedirect(t, asked.Post("/checkins/buddies/"+askerID+"/accept", nil), "/checkins/buddies?done=flash.checkin_buddy_accepted")
		// Buddies across organisations: each can now name the other.
		apptest.WantPage(t, asker.Get("/checkins/new"), http.StatusOK, `value="member1" checked`)
		apptest.WantPage(t, asked.Get("/checkins/new"), http.StatusOK, `value="member2" checked`, `value="outreach1" checked`)

		apptest.WantRedirect(t, asker.Post("/checkins/buddies/"+s.principal(t, s.Login(t, 0, web.RoleMember)).UserID+"/remove", nil), "/checkins/buddies")
		if strings.Contains(asked.Get("/checkins/new").Body, `value="member2"`) {
			t.Error("a removed buddy is still offered")
		}
		apptest.WantPage(t, asked.Post("/checkins/buddies/"+askerID+"/remove", nil), http.StatusNotFound)
	})
}

func TestAdminSetsGraceAndTheDuressOptionWhichLooksSafeButCallsForHelp(t *testing.T) {
	onEngines(t, func(t *testing.T, s *site) {
		admin := s.SignInPages(t, s.Login(t, 0, web.RoleAdmin))
		apptest.WantPage(t, admin.Get("/admin/checkin"), http.StatusOK, s.Text(zh, "checkin.duress_warning"), `value="5"`)
		apptest.WantPage(t, admin.Post("/admin/checkin", url.Values{"grace": {"0"}}), http.StatusUnprocessableEntity, s.Text(zh, "checkin.error.grace"), `value="0"`)

		member := s.SignInPages(t, s.Login(t, 0, web.RoleMember))
		if strings.Contains(member.Get("/settings/checkin").Body, `name="duress"`) {
			t.Fatal("a help PIN is offered while the organisation has not turned it on")
		}
		apptest.WantRedirect(t, admin.Post("/admin/checkin", url.Values{"grace": {"2"}, "duress": {"on"}}), "/admin/checkin?done=flash.checkin_settings_saved")
		apptest.WantPage(t, member.Get("/settings/checkin"), http.StatusOK, `name="duress"`, s.Text(zh, "checkin.pin.duress_warning"))
		apptest.WantRedirect(t, member.Post("/settings/checkin", url.Values{"pin": {"2468"}, "pin2": {"2468"}, "duress": {"1357"}}), "/settings/checkin")

		id := start(t, member, url.Values{"minutes": {"60"}, "buddy": {"outreach1"}})
		apptest.WantRedirect(t, member.Post("/checkins/"+id+"/safe", url.Values{"pin": {"1357"}}), "/checkins/"+id+"?done=flash.checkin_safe")
		// Whoever holds her phone sees "safe", and nothing else.
		own := member.Get("/checkins/" + id)
		apptest.WantPage(t, own, http.StatusOK, s.Text(zh, "checkin.view.is_safe"))
		for _, hidden := range []string{s.Text(zh, "checkin.event.buddy_alerted"), s.Text(zh, "checkin.event.duress"), s.Text(zh, "checkin.view.buddy_alerted")} {
			if strings.Contains(own.Body, hidden) {
				t.Errorf("her own page shows %q after the help PIN", hidden)
			}
		}
		// Her buddy and staff were called, and told why.
		buddy := s.SignInPages(t, s.Login(t, 0, web.RoleOutreach))
		apptest.WantPage(t, buddy.Get("/checkins/"+id), http.StatusOK, s.Text(zh, "checkin.event.duress"), s.Text(zh, "checkin.ack_button"))
		mod := s.SignInPages(t, s.Login(t, 0, web.RoleModerator))
		apptest.WantPage(t, mod.Get("/checkins/"+id), http.StatusOK, s.Text(zh, "checkin.event.duress"), s.Text(zh, "checkin.event.staff_alerted"))

		// The organisation's grace is used by the next check-in.
		c, err := s.Checkins.Start(context.Background(), s.principal(t, s.Login(t, 0, web.RoleMember)), checkin.Start{DueIn: time.Minute})
		if err != nil || c.Grace != 2*time.Minute {
			t.Fatalf("grace %v, %v", c.Grace, err)
		}
	})
}

func TestAdminsAreWarnedWhenCheckinTimersStopWorking(t *testing.T) {
	onEngines(t, func(t *testing.T, s *site) {
		ctx := context.Background()
		admin := s.SignInPages(t, s.Login(t, 0, web.RoleAdmin))
		if strings.Contains(admin.Get("/").Body, s.Text(zh, "checkin.stalled.title")) {
			t.Fatal("warned while the timers run")
		}
		// A check-in whose buddy's address the outbox refuses: its step
		// fails at every try, so the loop reports failure and stops beating.
		c, err := s.Checkins.Start(ctx, s.principal(t, s.Login(t, 0, web.RoleMember)), checkin.Start{DueIn: time.Minute, Buddies: []checkin.BuddyIn{{Email: "her@example.org"}}})
		if err != nil {
			t.Fatal(err)
		}
		var buddyID string
		if err := s.DB.QueryRowContext(ctx, `SELECT id FROM checkin_buddies WHERE checkin_id = $1`, c.ID).Scan(&buddyID); err != nil {
			t.Fatal(err)
		}
		bad := s.Keys.SealString("not an address", seal.AD{Table: "checkin_buddies", Column: "email", Row: buddyID})
		if _, err := s.DB.ExecContext(ctx, `UPDATE checkin_buddies SET email_enc = $1 WHERE id = $2`, bad, buddyID); err != nil {
			t.Fatal(err)
		}
		s.clk.Add(7 * time.Minute)
		s.Checkins.Wake()
		apptest.WaitFor(t, 20*time.Second, func() bool {
			return strings.Contains(admin.Get("/").Body, s.Text(zh, "checkin.stalled.title"))
		})
		if age := heartbeatAge(t, s); age < 30 {
			t.Fatalf("heartbeat age metric %v while the timers fail", age)
		}
		member := s.SignInPages(t, s.Login(t, 0, web.RoleMember))
		if strings.Contains(member.Get("/").Body, s.Text(zh, "checkin.stalled.title")) {
			t.Error("a member sees the admins' warning")
		}
		// Once the bad check-in is gone and its retry time has passed, the
		// timers beat again. The clock moves on 31 s every second until
		// they do: a round still running when the row went may fail on it,
		// and then waits for a retry time of its own before it beats.
		if _, err := s.DB.ExecContext(ctx, `DELETE FROM checkins WHERE id = $1`, c.ID); err != nil {
			t.Fatal(err)
		}
		var moved time.Time
		apptest.WaitFor(t, 20*time.Second, func() bool {
			if time.Since(moved) >= time.Second {
				s.clk.Add(31 * time.Second)
				s.Checkins.Wake()
				moved = time.Now()
			}
			return !strings.Contains(admin.Get("/").Body, s.Text(zh, "checkin.stalled.title"))
		})
		if age := heartbeatAge(t, s); age > 5 {
			t.Fatalf("heartbeat age metric %v after recovery", age)
		}
	})
}

func heartbeatAge(t *testing.T, s *site) float64 {
	t.Helper()
	families, err := s.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() == "sisterline_checkin_scheduler_heartbeat_age_seconds" {
			return f.GetMetric()[0].GetGauge().GetValue()
		}
	}
	t.Fatal("no heartbeat metric")
	return 0
}
