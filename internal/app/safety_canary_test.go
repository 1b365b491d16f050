package app_test

// The safety loop's canary: a report's narrative, place and description of
// the man, the digits of his phone number, his WeChat id and plate, the
// alert published from it and a screening of the number go through the
// API; afterwards none of them may be found in clear in the data directory
// (the SQLite file, its WAL, every byte) or the database (PostgreSQL, every
// row of every table), nor in the log.

import (
	"net/http"
	"strings"
	"testing"

	"github.com/sisterline/sisterline/internal/app/apptest"
	"github.com/sisterline/sisterline/internal/db"
	"github.com/sisterline/sisterline/internal/web"
)

// The markers: what she writes and the man's identifiers in every form the
// server sees or makes of them (as typed, E.164, national digits, display).
const (
	canaryNarrative = "CanaryNarrative-Q7 他在七号酒店打了我"
	canaryPlace     = "CanaryPlace-Q7"
	canaryDesc      = "CanaryDescription-Q7"
	canarySummary   = "CanarySummary-Q7"
	canaryPhone     = "+86 139 8765 4321"
	canaryWeChat    = "canarywx_q7781"
	canaryPlate     = "云A·Q7781"
)

func safetyCanaryMarkers() []string {
	return []string{
		canaryNarrative, "七号酒店", canaryPlace, canaryDesc, canarySummary,
		canaryPhone, "+8613987654321", "13987654321", "139 8765 4321", "8765 4321", "87654321",
		canaryWeChat, "云AQ7781", "AQ7781", "Q7781",
	}
}

func TestCanaryReportNarrativeAndIdentifiersNeverInClear(t *testing.T) {
	onEngines(t, func(t *testing.T, s *apptest.Server) {
		member := s.Token(t, s.Login(t, 0, web.RoleMember))
		mod := s.Token(t, s.Login(t, 0, web.RoleModerator))
		other := s.Token(t, s.Login(t, 1, web.RoleMember))
		body := map[string]any{
			"occurred_on": "2026-11-20", "area": "Kunming", "place": canaryPlace,
			"incident_types": []string{"physical_violence"},
			"narrative":      canaryNarrative,
			"perpetrator": map[string]any{
				"description": canaryDesc,
				"identifiers": []map[string]string{
					{"kind": "phone", "value": canaryPhone},
					{"kind": "wechat", "value": canaryWeChat},
					{"kind": "plate", "value": canaryPlate},
				},
			},
			"support": []string{"medical"},
			"consent": map[string]bool{"alert": true, "network": true},
		}
		var created struct{ ID string }
		if st := s.JSON(t, member, "POST", "/api/v1/reports", body, &created); st != http.StatusCreated {
			t.Fatalf("report: %d", st)
		}
		// The moderator reads it (the narrative comes back: it was stored).
		var queue reportList
		if st := s.JSON(t, mod, "GET", "/api/v1/reports?status=pending", nil, &queue); st != http.StatusOK {
			t.Fatalf("queue: %d", st)
		}
		if len(queue.Reports) != 1 || queue.Reports[0].Narrative != canaryNarrative {
			t.Fatalf("the moderator's queue does not hold the narrative: %+v", queue.Reports)
		}
		pub := map[string]any{"summary": canarySummary, "scope": "network", "identifiers": []map[string]string{
			{"kind": "phone", "value": canaryPhone}, {"kind": "wechat", "value": canaryWeChat}, {"kind": "plate", "value": canaryPlate}}}
		if st := s.JSON(t, mod, "POST", "/api/v1/reports/"+created.ID+"/publish", pub, nil); st != http.StatusCreated {
			t.Fatalf("publish: %d", st)
		}
		// A member of the other organisation screens the number, written
		// another way, and finds the alert.
		var found alertList
		if st := s.JSON(t, other, "POST", "/api/v1/screen", map[string]string{"value": "139-8765-4321"}, &found); st != http.StatusOK || len(found.Matches) != 1 {
			t.Fatalf("screen: %d, %d matches", st, len(found.Matches))
		}
		// Counts of screenings reach the database too.
		if err := s.Alerts.Store().FlushScreenCounts(t.Context()); err != nil {
			t.Fatal(err)
		}

		markers := safetyCanaryMarkers()
		if hits := findMarkers([]byte(s.Log()), markers, false); len(hits) > 0 {
			t.Errorf("the log holds %v", hits)
		}
		search := func() []string {
			if s.DB.Dialect == db.Postgres {
				return findMarkers(dumpTables(t, s.DB), markers, true)
			}
			var out []string
			for m := range searchDataDir(t, s.Config.DataDir, markers) {
				out = append(out, m)
			}
			return out
		}
		if hits := search(); len(hits) > 0 {
			t.Errorf("the database holds in clear: %v", hits)
		}

		// The search finds them where they are: put the narrative and the
		// number into a column that is not sealed, and look again.
		if _, err := s.DB.ExecContext(t.Context(), `UPDATE reports SET area = $1 WHERE id = $2`, canaryNarrative+" "+strings.ReplaceAll(canaryPhone, " ", ""), created.ID); err != nil {
			t.Fatal(err)
		}
		hits := strings.Join(search(), "|")
		for _, want := range []string{canaryNarrative, "+8613987654321"} {
			if !strings.Contains(hits, want) {
				t.Errorf("planted %q in clear, the search found only %q", want, hits)
			}
		}
	})
}
