package checkin_test

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/sisterline/sisterline/internal/web"
)

type apiCheckin struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	DueAt  string `json:"due_at"`
	Note   string `json:"note"`
	Events []struct {
		At   string `json:"at"`
		Kind string `json:"kind"`
	} `json:"events"`
	Buddies []struct {
		Handle       string `json:"handle"`
		Outside      bool   `json:"outside"`
		Alerted      bool   `json:"alerted"`
		Acknowledged bool   `json:"acknowledged"`
	} `json:"buddies"`
}

func (c apiCheckin) kinds() []string {
	var out []string
	for _, e := range c.Events {
		out = append(out, e.Kind)
	}
	return out
}

type apiError struct {
	Error struct {
		Code    string            `json:"code"`
		Message string            `json:"message"`
		Fields  map[string]string `json:"fields"`
	} `json:"error"`
}

func TestAPIStartGetSafeAndPanicAnswerAsTheContractSays(t *testing.T) {
	onEngines(t, func(t *testing.T, s *site) {
		token := s.Token(t, s.Login(t, 0, web.RoleMember))
		var started apiCheckin
		st := s.JSON(t, token, "POST", "/api/v1/checkins", map[string]any{
			"due_in": "45m", "buddies": []map[string]string{{"handle": "outreach1"}, {"phone": "+86 139 0000 0003"}}, "note": "Spring Hotel, room 12",
		}, &started)
		if st != http.StatusCreated || started.ID == "" || started.Status != "active" {
			t.Fatalf("start: %d %+v", st, started)
		}
		due, err := time.Parse(time.RFC3339, started.DueAt)
		if err != nil || !due.Equal(s.clk.Now().Add(45*time.Minute).Truncate(time.Second)) {
			t.Fatalf("due_at %q (%v), want 45 minutes from now", started.DueAt, err)
		}

		var got apiCheckin
		if st := s.JSON(t, token, "GET", "/api/v1/checkins/"+started.ID, nil, &got); st != http.StatusOK {
			t.Fatalf("get: %d", st)
		}
		if got.Status != "active" || got.DueAt != started.DueAt || !slices.Equal(got.kinds(), []string{"started"}) || len(got.Buddies) != 2 {
			t.Fatalf("get: %+v", got)
		}
		// Staff of her organisation see it, without the note before escalation.
		staff := s.Token(t, s.Login(t, 0, web.RoleModerator))
		var seen apiCheckin
		if st := s.JSON(t, staff, "GET", "/api/v1/checkins/"+started.ID, nil, &seen); st != http.StatusOK || seen.Note != "" {
			t.Fatalf("staff before escalation: %d, note %q", st, seen.Note)
		}

		var safe map[string]string
		if st := s.JSON(t, token, "POST", "/api/v1/checkins/"+started.ID+"/safe", nil, &safe); st != http.StatusOK || safe["status"] != "safe" || safe["id"] != started.ID {
			t.Fatalf("safe: %d %v", st, safe)
		}

		var second apiCheckin
		s.JSON(t, token, "POST", "/api/v1/checkins", map[string]any{"due_in": "2h", "buddies": []map[string]string{{"handle": "outreach1"}}}, &second)
		var panicked map[string]string
		if st := s.JSON(t, token, "POST", "/api/v1/checkins/"+second.ID+"/panic", nil, &panicked); st != http.StatusOK || panicked["status"] != "escalated" {
			t.Fatalf("panic: %d %v", st, panicked)
		}
		s.JSON(t, token, "GET", "/api/v1/checkins/"+second.ID, nil, &got)
		for _, k := range []string{"panic", "buddy_alerted", "staff_alerted"} {
			if !slices.Contains(got.kinds(), k) {
				t.Errorf("after panic the events %v lack %s", got.kinds(), k)
			}
		}
		// The alerted buddy acknowledges through the API; the owner sees it.
		buddy := s.Token(t, s.Login(t, 0, web.RoleOutreach))
		if st := s.JSON(t, buddy, "POST", "/api/v1/checkins/"+second.ID+"/acknowledge", nil, nil); st != http.StatusNoContent {
			t.Fatalf("acknowledge: %d", st)
		}
		s.JSON(t, token, "GET", "/api/v1/checkins/"+second.ID, nil, &got)
		if !got.Buddies[0].Acknowledged || got.Buddies[0].Handle != "outreach1" {
			t.Fatalf("buddies %+v", got.Buddies)
		}
	})
}

func TestAPIExtendMovesTheDueTimeUntilBuddiesAreTold(t *testing.T) {
	onEngines(t, func(t *testing.T, s *site) {
		token := s.Token(t, s.Login(t, 1, web.RoleMember))
		var c apiCheckin
		s.JSON(t, token, "POST", "/api/v1/checkins", map[string]any{"due_in": "10"}, &c)
		var ext apiCheckin
		if st := s.JSON(t, token, "POST", "/api/v1/checkins/"+c.ID+"/extend", map[string]string{"by": "30m"}, &ext); st != http.StatusOK {
			t.Fatalf("extend: %d", st)
		}
		if want := s.clk.Now().Add(30 * time.Minute).UTC().Format(time.RFC3339); ext.DueAt != want {
			t.Fatalf("due_at %s, want %s", ext.DueAt, want)
		}
		s.advance(t, 35*time.Minute) // reminded, then no buddy: staff told
		var e apiError
		if st := s.JSON(t, token, "POST", "/api/v1/checkins/"+c.ID+"/extend", map[string]string{"by": "30m"}, &e); st != http.StatusConflict || e.Error.Code != "conflict" || e.Error.Message == "" {
			t.Fatalf("extend after escalation: %d %+v", st, e)
		}
	})
}

func TestAPIRefusesABadStartWithTheFieldNamed(t *testing.T) {
	onEngines(t, func(t *testing.T, s *site) {
		token := s.Token(t, s.Login(t, 1, web.RoleMember))
		for _, body := range []map[string]any{
			{"due_in": "soon"},
			{"due_in": "30s"},
			{"due_in": "25h"},
		} {
			var e apiError
			if st := s.JSON(t, token, "POST", "/api/v1/checkins", body, &e); st != http.StatusUnprocessableEntity || e.Error.Code != "invalid" || e.Error.Fields["due_in"] == "" {
				t.Errorf("%v: %d %+v", body, st, e)
			}
		}
		var e apiError
		st := s.JSON(t, token, "POST", "/api/v1/checkins", map[string]any{"due_in": "1h", "buddies": []map[string]string{{"handle": "member1"}}}, &e)
		if st != http.StatusUnprocessableEntity || e.Error.Fields["buddies"] == "" {
			t.Errorf("a sister of another organisation who is not her buddy: %d %+v", st, e)
		}
	})
}

func TestAPIAnotherOrganisationsCheckinIsNotFound(t *testing.T) {
	onEngines(t, func(t *testing.T, s *site) {
		var c apiCheckin
		s.JSON(t, s.Token(t, s.Login(t, 0, web.RoleMember)), "POST", "/api/v1/checkins", map[string]any{"due_in": "1h", "note": "secret"}, &c)
		for _, role := range []web.Role{web.RoleMember, web.RoleModerator, web.RoleAdmin} {
			token := s.Token(t, s.Login(t, 1, role))
			for _, call := range []struct{ method, path string }{
				{"GET", ""}, {"POST", "/safe"}, {"POST", "/panic"}, {"POST", "/acknowledge"},
			} {
				var e apiError
				if st := s.JSON(t, token, call.method, "/api/v1/checkins/"+c.ID+call.path, nil, &e); st != http.StatusNotFound || e.Error.Code != "not_found" {
					t.Errorf("%s of org 1: %s %s: %d %+v", role, call.method, call.path, st, e)
				}
			}
		}
		// Nor can a sister of her own organisation stop it.
		var e apiError
		if st := s.JSON(t, s.Token(t, s.Login(t, 0, web.RoleOutreach)), "POST", "/api/v1/checkins/"+c.ID+"/safe", nil, &e); st != http.StatusNotFound {
			t.Errorf("staff marked her safe: %d", st)
		}
	})
}
