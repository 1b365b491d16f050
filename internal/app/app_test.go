package app_test

import (
	"net/http"
	"testing"

	"github.com/sisterline/sisterline/internal/app/apptest"
	"github.com/sisterline/sisterline/internal/web"
)

func TestSignInAndMe(t *testing.T) {
	s := apptest.Start(t)
	l := s.Login(t, 0, web.RoleModerator)
	tok := s.Token(t, l)
	var me struct {
		Handle string `json:"handle"`
		Role   string `json:"role"`
		Org    string `json:"org"`
	}
	if st := s.JSON(t, tok, "GET", "/api/v1/me", nil, &me); st != http.StatusOK {
		t.Fatalf("me: %d", st)
	}
	if me.Handle != l.Handle || me.Role != "moderator" || me.Org != l.Org {
		t.Fatalf("me = %+v", me)
	}
	if st := s.JSON(t, tok, "DELETE", "/api/v1/session", nil, nil); st != http.StatusNoContent {
		t.Fatalf("sign out: %d", st)
	}
	if st := s.JSON(t, tok, "GET", "/api/v1/me", nil, nil); st != http.StatusUnauthorized {
		t.Fatalf("me after sign out: %d", st)
	}
}

// The demo's sample content shows the whole safety loop: a network alert
// both organisations see and find by screening, and a queue with
// corroboration.
func TestDemoSamplesShowTheSafetyLoop(t *testing.T) {
	s := apptest.Start(t)
	if err := s.SeedSamples(t.Context()); err != nil {
		t.Fatal(err)
	}
	var feed struct {
		Alerts []struct{ Scope string } `json:"alerts"`
	}
	other := s.Token(t, s.Login(t, 1, web.RoleMember))
	if st := s.JSON(t, other, "GET", "/api/v1/alerts", nil, &feed); st != http.StatusOK || len(feed.Alerts) != 1 || feed.Alerts[0].Scope != "network" {
		t.Fatalf("feed: %d %+v", st, feed)
	}
	var scr struct {
		Matches []struct{ ID string } `json:"matches"`
	}
	if st := s.JSON(t, other, "POST", "/api/v1/screen", map[string]string{"value": "138.0013.8000"}, &scr); st != http.StatusOK || len(scr.Matches) != 1 {
		t.Fatalf("screen: %d %+v", st, scr)
	}
	var q struct {
		Reports []struct{ Corroborations int } `json:"reports"`
	}
	mod := s.Token(t, s.Login(t, 0, web.RoleModerator))
	if st := s.JSON(t, mod, "GET", "/api/v1/reports", nil, &q); st != http.StatusOK || len(q.Reports) != 1 || q.Reports[0].Corroborations != 2 {
		t.Fatalf("queue: %d %+v", st, q)
	}
}
