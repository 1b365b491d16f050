package programme

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/sisterline/sisterline/internal/apperr"
	"github.com/sisterline/sisterline/internal/db"
	"github.com/sisterline/sisterline/internal/db/dbtest"
)

// TestSummariesAgreeWithTheContacts checks the fast path (the code-year and
// day summaries kept on insert, and worked out again when a contact is
// deleted or corrected) against the contacts themselves, for every month,
// quarter and the year of random records of which a third are then deleted
// and a third corrected, on both engines.
func TestSummariesAgreeWithTheContacts(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ctx := context.Background()
		rng := rand.New(rand.NewPCG(9, 9))
		bands := append(AgeBands(), "")
		codes := make([]string, 25)
		for i := range codes {
			codes[i] = e.codes(e.orgA, 1, CodeInput{AgeBand: bands[rng.IntN(len(bands))], Gender: []string{"female", "", "transgender"}[rng.IntN(3)]})[0]
		}
		svcs := []string{"condoms", "lubricant", "hiv_self_test", "legal_info", "pep_referral", "other"}
		random := func() Contact {
			var reached []string
			for range 1 + rng.IntN(3) {
				reached = append(reached, codes[rng.IntN(len(codes))])
			}
			var given []string
			for _, s := range svcs {
				if rng.IntN(4) == 0 {
					given = append(given, s)
				}
			}
			on := fmt.Sprintf("2026-%02d-%02d", 1+rng.IntN(12), 1+rng.IntN(28))
			return Contact{On: on, Mode: Modes()[rng.IntN(3)], Codes: reached, Services: given, Condoms: int64(rng.IntN(5))}
		}
		var ids []string
		for range 150 {
			id, err := e.svc.RecordContact(ctx, e.outreach(e.orgA), random())
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
		for _, id := range ids {
			switch rng.IntN(3) {
			case 0:
				if kind, err := e.svc.DeleteRecord(ctx, e.outreach(e.orgA), id); err != nil || kind != KindContact {
					t.Fatalf("delete %s: %q, %v", id, kind, err)
				}
			case 1:
				if _, err := e.svc.SaveContact(ctx, e.outreach(e.orgA), id, random()); err != nil {
					t.Fatalf("correct %s: %v", id, err)
				}
			}
		}
		st, _ := e.svc.store.Settings(ctx, e.orgA)
		var periods []Period
		for m := 1; m <= 12; m++ {
			p, _ := ParsePeriod(fmt.Sprintf("2026%02d", m))
			periods = append(periods, p)
		}
		for q := 1; q <= 4; q++ {
			p, _ := ParsePeriod(fmt.Sprintf("2026Q%d", q))
			periods = append(periods, p)
		}
		year, _ := ParsePeriod("2026")
		periods = append(periods, year)
		for _, p := range periods {
			if _, _, _, ok := monthSpan(p); !ok {
				t.Fatalf("%s is not whole months", p.ID)
			}
			fast, err := e.svc.collect(ctx, e.orgA, p, st, nil)
			if err != nil {
				t.Fatal(err)
			}
			from, to := p.FromDay(), p.ToDay()
			s := e.svc.store
			reached, _ := s.peopleReached(ctx, e.orgA, from, to)
			contacts, _ := s.personContacts(ctx, e.orgA, from, to)
			w := lastThreeMonths(p)
			covDen, covNum, _ := s.coverage(ctx, e.orgA, w.FromDay(), w.ToDay(), serviceBits(st))
			m := monthOfEnd(p)
			month, _ := s.peopleReached(ctx, e.orgA, m.FromDay(), m.ToDay())
			attrs, _ := s.reachedByAttrs(ctx, e.orgA, from, to)
			condoms, _ := s.scalar(ctx, "condoms", `SELECT coalesce(sum(condoms), 0) FROM programme_activities WHERE org_id = $1 AND on_date >= $2 AND on_date <= $3`, e.orgA, from, to)
			got := []int64{fast.reached, fast.contacts, fast.covReached, fast.covCovered, fast.monthReached, fast.condoms}
			want := []int64{reached, contacts, covDen, covNum, month, condoms}
			if !slices.Equal(got, want) {
				t.Errorf("%s: summaries give reached, contacts, coverage, month, condoms = %v; contacts give %v", p.ID, got, want)
			}
			if b1, b2 := breakdowns(fast), breakdowns(raw{attrs: attrs}); fmt.Sprint(b1) != fmt.Sprint(b2) {
				t.Errorf("%s: breakdowns differ:\n%v\n%v", p.ID, b1, b2)
			}
		}
	})
}

// TestDeletingAContactWhileAnotherIsSavedKeepsTheSummaries: on PostgreSQL,
// a contact of the same code and year saved while another is deleted must
// stay in the code's year row. The deletion locks the row before it reads
// the contacts left, so it either sees the new one or lets it OR its month
// in afterwards. (SQLite has one writer: the two cannot overlap.)
func TestDeletingAContactWhileAnotherIsSavedKeepsTheSummaries(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		if d.Dialect != db.Postgres {
			t.Skip("one writer")
		}
		e := newEnv(t, d)
		ctx := context.Background()
		code := e.codes(e.orgA, 1, CodeInput{})[0]
		old, err := e.svc.RecordContact(ctx, e.outreach(e.orgA), Contact{On: "2026-03-10", Mode: ModeIndividual, Codes: []string{code}})
		if err != nil {
			t.Fatal(err)
		}
		seqs, err := e.svc.store.codeSeqs(ctx, d, e.orgA, []string{code})
		if err != nil {
			t.Fatal(err)
		}
		// A contact in May is being saved: its reach row and its OR into
		// the year row are written, not yet committed. Meanwhile the March
		// contact is deleted; it waits for the row.
		err = whileHeld(t, d, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, `INSERT INTO programme_activities (id, org_id, kind, on_date, mode, created_at) VALUES ('may', $1, 'contact', '2026-05-02', 'individual', now())`, e.orgA); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO programme_reach (activity_id, code_seq, org_id, on_date, mode, services) VALUES ('may', $1, $2, '2026-05-02', 'individual', 0)`, seqs[code], e.orgA); err != nil {
				return err
			}
			return summarise(ctx, tx, e.orgA, "2026-05-02", ModeIndividual, 0, 0, []int64{seqs[code]})
		}, func() error {
			_, err := e.svc.DeleteRecord(ctx, e.outreach(e.orgA), old)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		var months int64
		if err := d.QueryRowContext(ctx, `SELECT months FROM programme_code_years WHERE code_seq = $1 AND year = 2026`, seqs[code]).Scan(&months); err != nil {
			t.Fatal(err)
		}
		if months != 1<<4 {
			t.Fatalf("months = %b, want May only (%b)", months, 1<<4)
		}
	})
}

// TestTwoHandsOnOneRecordCountItOnce: on PostgreSQL, two staff who delete
// or correct the same contact at the same moment both read it; the second
// waits for the row while the first commits. It must then find the record
// gone (not found) rather than take it out of the summaries a second time.
func TestTwoHandsOnOneRecordCountItOnce(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		if d.Dialect != db.Postgres {
			t.Skip("one writer")
		}
		e := newEnv(t, d)
		ctx := context.Background()
		codes := e.codes(e.orgA, 2, CodeInput{})
		for _, second := range []string{"delete", "correct"} {
			t.Run(second, func(t *testing.T) {
				id, err := e.svc.RecordContact(ctx, e.outreach(e.orgA), Contact{On: "2026-04-10", Mode: ModeIndividual, Codes: codes, Condoms: 3})
				if err != nil {
					t.Fatal(err)
				}
				err = whileHeld(t, d, func(tx *sql.Tx) error {
					_, _, err := e.svc.store.removeActivity(ctx, tx, e.orgA, id)
					return err
				}, func() error {
					if second == "delete" {
						_, err := e.svc.DeleteRecord(ctx, e.outreach(e.orgA), id)
						return err
					}
					_, err := e.svc.SaveContact(ctx, e.outreach(e.orgA), id, Contact{On: "2026-04-10", Mode: ModeIndividual, Codes: codes[:1]})
					return err
				})
				if !errors.Is(err, apperr.ErrNotFound) {
					t.Fatalf("the second hand: %v, want not found", err)
				}
				var contacts, condoms int64
				if err := d.QueryRowContext(ctx, `SELECT contacts, condoms FROM programme_days WHERE org_id = $1 AND day = '2026-04-10'`, e.orgA).Scan(&contacts, &condoms); err != nil {
					t.Fatal(err)
				}
				if contacts != 0 || condoms != 0 {
					t.Errorf("the day counts %d contacts and %d condoms, want none", contacts, condoms)
				}
			})
		}
	})
}

// whileHeld runs hold in a transaction, then other while that transaction
// is still open (for 200 ms, so that other waits for its locks), commits,
// and returns other's error.
func whileHeld(t *testing.T, d *db.DB, hold func(tx *sql.Tx) error, other func() error) error {
	t.Helper()
	tx, err := d.BeginTx(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback() //nolint:errcheck // committed below
	if err := hold(tx); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- other() }()
	time.Sleep(200 * time.Millisecond)
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	return <-done
}
