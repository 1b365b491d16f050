package app_test

import (
	"testing"
	"time"

	"github.com/sisterline/sisterline/internal/app/apptest"
	"github.com/sisterline/sisterline/internal/checkin"
	"github.com/sisterline/sisterline/internal/web"
)

// checkinWildcards fills the check-in routes' wildcards for the
// authorization table: {id} is an escalated check-in of a member of the
// other organisation (so her own organisation's staff could read it, and
// nobody else), {user} a member of the other organisation who is not the
// caller's buddy.
func checkinWildcards() map[string]wildcard {
	out := map[string]wildcard{}
	for _, p := range []string{
		"GET /api/v1/checkins/{id}", "POST /api/v1/checkins/{id}/safe", "POST /api/v1/checkins/{id}/panic",
		"POST /api/v1/checkins/{id}/extend", "POST /api/v1/checkins/{id}/acknowledge",
		"GET /checkins/{id}", "POST /checkins/{id}/safe", "POST /checkins/{id}/extend", "POST /checkins/{id}/panic",
		"POST /checkins/{id}/acknowledge", "POST /checkins/{id}/close",
	} {
		out[p+" {id}"] = wildcard{make: checkinOfOtherOrg}
	}
	for _, p := range []string{"POST /checkins/buddies/{user}/accept", "POST /checkins/buddies/{user}/remove"} {
		out[p+" {user}"] = wildcard{make: userOfOtherOrg}
	}
	return out
}

func checkinOfOtherOrg(t *testing.T, s *apptest.Server, org int) string {
	t.Helper()
	other := otherOrg(t, s, org)
	member := userOfOtherOrg(t, s, org)
	p := &web.Principal{UserID: member, OrgID: other.ID, OrgSlug: other.Slug, Role: web.RoleMember}
	c, err := s.Checkins.Start(t.Context(), p, checkin.Start{DueIn: time.Hour, Note: "not for other organisations"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Checkins.Panic(t.Context(), p, c.ID); err != nil {
		t.Fatal(err)
	}
	return c.ID
}

// TestCheckinAnswersMatchTheirSchemas calls the check-in API and checks
// each answer against the schema internal/app/openapi.json gives for it.
func TestCheckinAnswersMatchTheirSchemas(t *testing.T) {
	s := apptest.Start(t)
	doc := loadOpenAPI(t)
	call := func(token, method, path, docPath string, body any, status int) map[string]any {
		t.Helper()
		var out map[string]any
		if got := s.JSON(t, token, method, path, body, &out); got != status {
			t.Fatalf("%s %s: %d, want %d (%v)", method, path, got, status, out)
		}
		var v any
		if out != nil {
			v = out
		}
		checkAgainstDoc(t, doc, method, docPath, status, v)
		return out
	}
	member := s.Token(t, s.Login(t, 0, web.RoleMember))
	one := "/api/v1/checkins/{id}"
	c := call(member, "POST", "/api/v1/checkins", "/api/v1/checkins", map[string]any{
		"due_in": "45m", "buddies": []map[string]string{{"handle": "outreach1"}, {"email": "friend@example.org"}}, "note": "room 12",
	}, 201)
	id := c["id"].(string)
	call(member, "POST", "/api/v1/checkins", "/api/v1/checkins", map[string]any{"due_in": "never"}, 422)
	call(member, "GET", "/api/v1/checkins/"+id, one, nil, 200)
	call(member, "POST", "/api/v1/checkins/"+id+"/extend", one+"/extend", map[string]string{"by": "30m"}, 200)
	call(member, "POST", "/api/v1/checkins/"+id+"/panic", one+"/panic", nil, 200)
	buddy := s.Token(t, s.Login(t, 0, web.RoleOutreach))
	call(buddy, "GET", "/api/v1/checkins/"+id, one, nil, 200)
	call(buddy, "POST", "/api/v1/checkins/"+id+"/acknowledge", one+"/acknowledge", nil, 204)
	call(member, "POST", "/api/v1/checkins/"+id+"/extend", one+"/extend", map[string]string{"by": "30m"}, 409)
	call(member, "POST", "/api/v1/checkins/"+id+"/safe", one+"/safe", nil, 200)
	call(s.Token(t, s.Login(t, 1, web.RoleAdmin)), "GET", "/api/v1/checkins/"+id, one, nil, 404)
	call("", "GET", "/api/v1/checkins/"+id, one, nil, 401)
}
