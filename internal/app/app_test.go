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
