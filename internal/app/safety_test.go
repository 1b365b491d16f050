package app_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/sisterline/sisterline/internal/app/apptest"
	"github.com/sisterline/sisterline/internal/web"
)

type reportList struct {
	Reports []struct {
		ID             string   `json:"id"`
		Status         string   `json:"status"`
		Narrative      string   `json:"narrative"`
		IncidentTypes  []string `json:"incident_types"`
		Corroborations int      `json:"corroborations"`
		Perpetrator    struct {
			Identifiers []struct{ Kind, Value string } `json:"identifiers"`
		} `json:"perpetrator"`
	} `json:"reports"`
}

type alertList struct {
	Alerts  []alertJSON `json:"alerts"`
	Matches []alertJSON `json:"matches"`
}

type alertJSON struct {
	ID          string `json:"id"`
	Summary     string `json:"summary"`
	Scope       string `json:"scope"`
	Org         string `json:"org"`
	Identifiers []struct {
		Kind  string `json:"kind"`
		Value string `json:"value"`
	} `json:"identifiers"`
}

func report(phone string, network bool) map[string]any {
	return map[string]any{
		"occurred_on":    "2026-11-20",
		"area":           "Kunming",
		"incident_types": []string{"physical_violence", "robbery"},
		"narrative":      "He hit me and took the money",
		"perpetrator": map[string]any{
			"description": "tall, grey car",
			"identifiers": []map[string]string{{"kind": "phone", "value": phone}},
		},
		"support": []string{"medical"},
		"consent": map[string]bool{"alert": true, "network": network},
	}
}

// The whole loop through the API: two reports name one phone number written
// two ways; the moderator sees the corroboration, publishes to the network;
// a member of the other organisation sees the alert and finds it by
// screening the number written a third way. The reporter is in no view.
func TestSafetyLoopCorroboratesPublishesAndScreensAcrossOrganisations(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			var opts []apptest.Option
			if engine == "postgres" {
				opts = append(opts, apptest.Postgres(t))
			}
			s := apptest.Start(t, opts...)
			member := s.Login(t, 0, web.RoleMember)
			outreach := s.Login(t, 0, web.RoleOutreach)
			mod := s.Token(t, s.Login(t, 0, web.RoleModerator))
			memberTok := s.Token(t, member)

			var created struct{ ID, Status string }
			if st := s.JSON(t, s.Token(t, outreach), "POST", "/api/v1/reports", report("138-0013-8000", false), &created); st != http.StatusCreated || created.Status != "pending" {
				t.Fatalf("first report: %d %+v", st, created)
			}
			if st := s.JSON(t, memberTok, "POST", "/api/v1/reports", report("+86 138 0013 8000", true), &created); st != http.StatusCreated {
				t.Fatalf("second report: %d", st)
			}
			second := created.ID

			if st := s.JSON(t, memberTok, "GET", "/api/v1/reports", nil, nil); st != http.StatusNotFound {
				t.Fatalf("a member listed reports: %d", st)
			}
			var q reportList
			if st := s.JSON(t, mod, "GET", "/api/v1/reports?status=pending", nil, &q); st != http.StatusOK || len(q.Reports) != 2 {
				t.Fatalf("queue: %d, %d reports", st, len(q.Reports))
			}
			for _, r := range q.Reports {
				if r.Corroborations != 1 {
					t.Errorf("report %s: corroborations = %d, want 1", r.ID, r.Corroborations)
				}
				if r.Narrative != "He hit me and took the money" {
					t.Errorf("narrative = %q", r.Narrative)
				}
			}
			modOther := s.Token(t, s.Login(t, 1, web.RoleModerator))
			if st := s.JSON(t, modOther, "GET", "/api/v1/reports/"+second, nil, nil); st != http.StatusNotFound {
				t.Fatalf("another organisation's moderator read the report: %d", st)
			}
			if st := s.JSON(t, modOther, "POST", "/api/v1/reports/"+second+"/decline", map[string]string{"reason": "x"}, nil); st != http.StatusNotFound {
				t.Fatalf("another organisation's moderator declined the report: %d", st)
			}

			var pub struct{ Alert alertJSON }
			body := map[string]any{"summary": "Violent client, takes money back", "scope": "network",
				"identifiers": []map[string]string{{"kind": "phone", "value": "13800138000"}}}
			if st := s.JSON(t, mod, "POST", "/api/v1/reports/"+second+"/publish", body, &pub); st != http.StatusCreated {
				t.Fatalf("publish: %d", st)
			}
			if pub.Alert.Scope != "network" || len(pub.Alert.Identifiers) != 1 {
				t.Fatalf("alert = %+v", pub.Alert)
			}

			otherMember := s.Token(t, s.Login(t, 1, web.RoleMember))
			var feed alertList
			if st := s.JSON(t, otherMember, "GET", "/api/v1/alerts", nil, &feed); st != http.StatusOK || len(feed.Alerts) != 1 {
				t.Fatalf("other org's feed: %d, %d alerts", st, len(feed.Alerts))
			}
			var scr alertList
			if st := s.JSON(t, otherMember, "POST", "/api/v1/screen", map[string]string{"value": "0086 138.0013.8000"}, &scr); st != http.StatusOK || len(scr.Matches) != 1 {
				t.Fatalf("screen: %d, %d matches", st, len(scr.Matches))
			}
			if st := s.JSON(t, otherMember, "POST", "/api/v1/screen", map[string]string{"value": "139 0000 0000"}, &scr); st != http.StatusOK || len(scr.Matches) != 0 {
				t.Fatalf("screen of an unknown number: %d, %d matches", st, len(scr.Matches))
			}
			for _, h := range []string{member.Handle, outreach.Handle} {
				if strings.Contains(pub.Alert.Summary, h) {
					t.Fatal("the alert names the reporter")
				}
			}
			for _, marker := range []string{"13800138000", "138 0013", "138-0013", "138.0013", "took the money"} {
				if strings.Contains(s.Log(), marker) {
					t.Fatalf("the log holds %q from a report or a screening", marker)
				}
			}
		})
	}
}

// An organisation-scope alert is invisible to other organisations, and a
// network alert needs the reporter's consent.
func TestOrganisationAlertStaysInItsOrganisation(t *testing.T) {
	s := apptest.Start(t)
	member := s.Token(t, s.Login(t, 0, web.RoleMember))
	mod := s.Token(t, s.Login(t, 0, web.RoleModerator))
	var created struct{ ID string }
	if st := s.JSON(t, member, "POST", "/api/v1/reports", report("13912345678", false), &created); st != http.StatusCreated {
		t.Fatalf("report: %d", st)
	}
	body := map[string]any{"summary": "Do not go with him", "scope": "network", "identifiers": []map[string]string{{"kind": "phone", "value": "13912345678"}}}
	if st := s.JSON(t, mod, "POST", "/api/v1/reports/"+created.ID+"/publish", body, nil); st != http.StatusUnprocessableEntity {
		t.Fatalf("network publish without consent: %d", st)
	}
	body["scope"] = "org"
	if st := s.JSON(t, mod, "POST", "/api/v1/reports/"+created.ID+"/publish", body, nil); st != http.StatusCreated {
		t.Fatalf("org publish: %d", st)
	}
	var feed alertList
	s.JSON(t, member, "GET", "/api/v1/alerts", nil, &feed)
	if len(feed.Alerts) != 1 {
		t.Fatalf("own org sees %d alerts", len(feed.Alerts))
	}
	other := s.Token(t, s.Login(t, 1, web.RoleMember))
	s.JSON(t, other, "GET", "/api/v1/alerts", nil, &feed)
	if len(feed.Alerts) != 0 {
		t.Fatalf("other org sees %d alerts", len(feed.Alerts))
	}
	var scr alertList
	s.JSON(t, other, "POST", "/api/v1/screen", map[string]string{"value": "139 1234 5678"}, &scr)
	if len(scr.Matches) != 0 {
		t.Fatal("other org's screening found an organisation alert")
	}
	if st := s.JSON(t, other, "GET", "/api/v1/alerts/"+feedID(t, s, member), nil, nil); st != http.StatusNotFound {
		t.Fatalf("other org read the alert by id: %d", st)
	}
}

func feedID(t *testing.T, s *apptest.Server, tok string) string {
	var feed alertList
	s.JSON(t, tok, "GET", "/api/v1/alerts", nil, &feed)
	if len(feed.Alerts) == 0 {
		t.Fatal("empty feed")
	}
	return feed.Alerts[0].ID
}
