package alert_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/sisterline/sisterline/internal/app/apptest"
	"github.com/sisterline/sisterline/internal/config"
	"github.com/sisterline/sisterline/internal/web"
)

// onBothEngines runs test against a seeded server on SQLite, then on
// PostgreSQL when SISTERLINE_TEST_POSTGRES is set.
func onBothEngines(t *testing.T, test func(t *testing.T, s *apptest.Server), opts ...apptest.Option) {
	t.Run("sqlite", func(t *testing.T) { test(t, apptest.Start(t, opts...)) })
	t.Run("postgres", func(t *testing.T) { test(t, apptest.Start(t, append(opts, apptest.Postgres(t))...)) })
}

// The demo's first organisation speaks Chinese, the second English.
const zh, en = "zh-CN", "en"

// publish files a report in organisation org naming phone and publishes an
// alert from it with the organisation's moderator; it returns the alert id.
func publish(t *testing.T, s *apptest.Server, org int, phone, summary, area, scope string) string {
	t.Helper()
	report := map[string]any{
		"occurred_on": time.Now().UTC().AddDate(0, 0, -1).Format("2006-01-02"), "area": area, "incident_types": []string{"physical_violence", "robbery"},
		"perpetrator": map[string]any{"identifiers": []map[string]string{{"kind": "phone", "value": phone}}},
		"consent":     map[string]bool{"alert": true, "network": true},
	}
	var created struct{ ID string }
	if st := s.JSON(t, s.Token(t, s.Login(t, org, web.RoleMember)), "POST", "/api/v1/reports", report, &created); st != http.StatusCreated {
		t.Fatalf("report: %d", st)
	}
	var out struct{ Alert struct{ ID string } }
	body := map[string]any{"summary": summary, "scope": scope, "area": area, "identifiers": []map[string]string{{"kind": "phone", "value": phone}}}
	if st := s.JSON(t, s.Token(t, s.Login(t, org, web.RoleModerator)), "POST", "/api/v1/reports/"+created.ID+"/publish", body, &out); st != http.StatusCreated {
		t.Fatalf("publish: %d", st)
	}
	return out.Alert.ID
}

func TestScreeningWithNoMatchSaysThatDoesNotMeanHeIsSafe(t *testing.T) {
	onBothEngines(t, func(t *testing.T, s *apptest.Server) {
		for org, lang := range []string{zh, en} {
			c := s.SignInPages(t, s.Login(t, org, web.RoleMember))
			home := c.Get("/")
			apptest.WantPage(t, home, http.StatusOK, `<form method="post" action="/screen"`, `name="value"`, s.Text(lang, "alert.screen.title"))
			p := c.Post("/screen", url.Values{"value": {"139 0000 0000"}})
			apptest.WantPage(t, p, http.StatusOK, s.Text(lang, "alert.screen.none"))
			p = c.Post("/screen", url.Values{"value": {"  "}})
			apptest.WantPage(t, p, http.StatusUnprocessableEntity, s.Text(lang, "error.required"))
		}
		if s.Text(en, "alert.screen.none") != "No reports found — that does not mean he is safe." {
			t.Errorf("the English answer is %q", s.Text(en, "alert.screen.none"))
		}
	})
}

func TestScreeningFindsANetworkAlertHoweverTheNumberIsWritten(t *testing.T) {
	onBothEngines(t, func(t *testing.T, s *apptest.Server) {
		publish(t, s, 0, "138-0013-8000", "Hits women, takes the money back", "Kunming", "network")
		c := s.SignInPages(t, s.Login(t, 1, web.RoleMember))
		p := c.Post("/screen", url.Values{"value": {"0086 138.0013.8000"}})
		apptest.WantPage(t, p, http.StatusOK, s.Text(en, "alert.screen.found", "Count", 1), "Hits women, takes the money back", "&#43;86 138 0013 8000")
		if p.Location != "" || strings.Contains(p.Body, s.Text(en, "alert.screen.none")) {
			t.Errorf("a match answered with the no-match sentence or a redirect (%q)", p.Location)
		}
		// The screening page's own form posts: the number never goes in a URL.
		apptest.WantPage(t, c.Get("/screen"), http.StatusOK, `<form method="post" action="/screen"`)
		for _, marker := range []string{"0086 138", "138.0013", "13800138000"} {
			if strings.Contains(s.Log(), marker) {
				t.Fatalf("the log holds the screened number (%q)", marker)
			}
		}
	})
}

func TestScreeningRateLimitTellsHerToWait(t *testing.T) {
	onBothEngines(t, func(t *testing.T, s *apptest.Server) {
		c := s.SignInPages(t, s.Login(t, 1, web.RoleMember))
		for range 2 {
			apptest.WantPage(t, c.Post("/screen", url.Values{"value": {"13912345678"}}), http.StatusOK)
		}
		p := c.Post("/screen", url.Values{"value": {"13912345678"}})
		apptest.WantPage(t, p, http.StatusTooManyRequests, s.Text(en, "alert.error.screen_limit"), `value="13912345678"`)
		// The limit is hers alone: another member still checks.
		apptest.WantPage(t, s.SignInPages(t, s.Login(t, 1, web.RoleOutreach)).Post("/screen", url.Values{"value": {"13912345678"}}), http.StatusOK)
	}, func(c *config.Config) { c.ScreenPerHour = 2 })
}

func TestAlertFeedFiltersByAreaAndACorrectionAndWithdrawalReachIt(t *testing.T) {
	onBothEngines(t, func(t *testing.T, s *apptest.Server) {
		kunming := publish(t, s, 1, "13811112222", "Grey car, hits", "Kunming", "org")
		dali := publish(t, s, 1, "13833334444", "Takes phones", "Dali", "network")
		member := s.SignInPages(t, s.Login(t, 1, web.RoleMember))

		feed := member.Get("/alerts")
		apptest.WantPage(t, feed, http.StatusOK, "Grey car, hits", "Takes phones", `<option value="Dali">`, s.Text(en, "alert.scope.network"))
		if strings.Index(feed.Body, "/alerts/"+dali) > strings.Index(feed.Body, "/alerts/"+kunming) {
			t.Error("the feed is not newest first")
		}
		p := member.Get("/alerts?area=Dali")
		apptest.WantPage(t, p, http.StatusOK, "Takes phones")
		if strings.Contains(p.Body, "Grey car, hits") {
			t.Error("the Dali filter shows a Kunming alert")
		}
		// The other organisation sees the network alert only.
		other := s.SignInPages(t, s.Login(t, 0, web.RoleMember))
		apptest.WantPage(t, other.Get("/alerts/"+kunming), http.StatusNotFound)
		apptest.WantPage(t, other.Get("/alerts/"+dali), http.StatusOK, "Takes phones")
		if strings.Contains(member.Get("/alerts/"+dali).Body, "/alerts/"+dali+"/edit") {
			t.Error("a member is offered to correct an alert")
		}

		mod := s.SignInPages(t, s.Login(t, 1, web.RoleModerator))
		apptest.WantPage(t, mod.Get("/alerts/"+kunming), http.StatusOK, `href="/alerts/`+kunming+`/edit"`, `href="/alerts/`+kunming+`/withdraw"`)
		apptest.WantPage(t, s.SignInPages(t, s.Login(t, 0, web.RoleModerator)).Get("/alerts/"+dali+"/edit"), http.StatusNotFound)
		edit := mod.Get("/alerts/" + kunming + "/edit")
		apptest.WantPage(t, edit, http.StatusOK, "Grey car, hits", `value="&#43;86 138 1111 2222"`, `value="network" disabled`)

		form := url.Values{"summary": {"Grey car, hits. Also uses 13855556666"}, "scope": {"network"}, "area": {"Kunming"},
			"kind_0": {"phone"}, "value_0": {"13811112222"}, "kind_1": {"phone"}, "value_1": {"138 5555 6666"}}
		apptest.WantPage(t, mod.Post("/alerts/"+kunming+"/edit", form), http.StatusUnprocessableEntity, s.Text(en, "alert.error.widen_scope"), "Also uses 13855556666")
		form.Set("scope", "org")
		form.Set("value_1", "12")
		apptest.WantPage(t, mod.Post("/alerts/"+kunming+"/edit", form), http.StatusUnprocessableEntity, s.Text(en, "alert.error.value"), `value="12"`)
		form.Set("value_1", "138 5555 6666")
		apptest.WantRedirect(t, mod.Post("/alerts/"+kunming+"/edit", form), "/alerts/"+kunming+"?done=flash.alert_corrected")
		// The corrected number is found by screening.
		apptest.WantPage(t, member.Post("/screen", url.Values{"value": {"13855556666"}}), http.StatusOK, "Also uses 13855556666")

		// A last day in the past: gone from the feed and from screening.
		form.Set("expires_on", time.Now().UTC().AddDate(0, 0, -1).Format("2006-01-02"))
		apptest.WantRedirect(t, mod.Post("/alerts/"+kunming+"/edit", form), "/alerts/"+kunming)
		if strings.Contains(member.Get("/alerts").Body, "/alerts/"+kunming) {
			t.Error("an expired alert is in the feed")
		}
		apptest.WantPage(t, member.Post("/screen", url.Values{"value": {"13855556666"}}), http.StatusOK, s.Text(en, "alert.screen.none"))
		apptest.WantPage(t, mod.Get("/alerts/"+kunming), http.StatusOK, s.Text(en, "alert.status.expired"))

		// Withdrawn after a confirmation: gone for members.
		apptest.WantPage(t, mod.Get("/alerts/"+dali+"/withdraw"), http.StatusOK, s.Text(en, "alert.withdraw.lead"), `action="/alerts/`+dali+`/withdraw"`)
		apptest.WantRedirect(t, mod.Post("/alerts/"+dali+"/withdraw", nil), "/alerts?done=flash.alert_withdrawn")
		apptest.WantPage(t, other.Get("/alerts/"+dali), http.StatusNotFound)
		apptest.WantPage(t, member.Get("/alerts"), http.StatusOK, s.Text(en, "alert.feed.empty"))
		apptest.WantPage(t, other.Post("/screen", url.Values{"value": {"13833334444"}}), http.StatusOK, s.Text(zh, "alert.screen.none"))
		apptest.WantPage(t, mod.Get("/alerts/"+dali), http.StatusOK, s.Text(en, "alert.status.withdrawn"))
	})
}
