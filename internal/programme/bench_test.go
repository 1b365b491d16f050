package programme

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/sisterline/sisterline/internal/db"
	"github.com/sisterline/sisterline/internal/db/dbtest"
	"github.com/sisterline/sisterline/internal/seal"
)

// BenchmarkIndicatorsOneYear times every built-in indicator of one
// organisation for one year over 1,000,000 contact records (1,050,000 people
// reached, 5% of them at mass events), 50,000 member codes, 20,000
// referrals and 1,000 trainings spread over 2026. The goal is under a
// second on SQLite and on PostgreSQL on the project's 2-core machine; see
// docs/PERFORMANCE.md. Run it with
//
//	SISTERLINE_TEST_POSTGRES=postgres://… go test ./internal/programme -run '^$' -bench IndicatorsOneYear -benchtime 5x -timeout 60m
//
// Loading takes a minute or two per engine and is not timed.
func BenchmarkIndicatorsOneYear(b *testing.B) {
	for _, engine := range []string{"sqlite", "postgres"} {
		b.Run(engine, func(b *testing.B) {
			var d *db.DB
			if engine == "sqlite" {
				d = dbtest.SQLite(b)
			} else {
				d = dbtest.Postgres(b)
			}
			keys, err := seal.New()
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			svc := NewService(d, keys, Sources{Safety: NewSafetyTables(d)}, nil, func() time.Time { return time.Date(2027, 1, 10, 0, 0, 0, 0, time.UTC) })
			start := time.Now()
			n := 1_000_000
			if v, err := strconv.Atoi(os.Getenv("SISTERLINE_BENCH_CONTACTS")); err == nil && v > 0 {
				n = v // a smaller run while working on the queries
			}
			orgID := loadBench(b, d, keys, n, 50_000)
			b.Logf("%s: loaded in %s", engine, time.Since(start).Round(time.Second))
			p := as(orgID, "admin")
			year, _ := ParsePeriod("2026")
			var people float64
			b.Run("org-exact", func(b *testing.B) {
				for b.Loop() {
					rep, err := svc.Figures(ctx, p, year)
					if err != nil {
						b.Fatal(err)
					}
					people = rep.Figures[0].Value
				}
			})
			b.Logf("%s: people reached in 2026 = %v", engine, people)
			// A range that cuts months reads the contacts themselves.
			custom, _ := Range("2026-01-15", "2026-12-14")
			b.Run("org-exact-custom-range", func(b *testing.B) {
				for b.Loop() {
					if _, err := svc.Figures(ctx, p, custom); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("published-suppressed", func(b *testing.B) {
				for b.Loop() {
					if _, _, _, err := svc.PublishedFigures(ctx, p, year); err != nil {
						b.Fatal(err)
					}
				}
			})
			// The records list: a month of contacts (about 83,000), its
			// first page and pages further back.
			nov, _ := ParsePeriod("202611")
			for _, page := range []int{1, 100, 1000} {
				b.Run(fmt.Sprintf("records-page-%d", page), func(b *testing.B) {
					for b.Loop() {
						rp, err := svc.Records(ctx, as(orgID, "admin"), KindContact, nov, page)
						if err != nil || len(rp.Records) != RecordsPerPage {
							b.Fatalf("page %d: %d records, %v", page, len(rp.Records), err)
						}
					}
				})
			}
		})
	}
}

// loadBench fills one organisation with records in large multi-row
// inserts, a transaction per 50,000 rows.
func loadBench(b testing.TB, d *db.DB, keys *seal.Keyring, contacts, codes int) string {
	b.Helper()
	ctx := context.Background()
	orgID := db.NewID()
	if _, err := d.ExecContext(ctx, `INSERT INTO orgs (id, slug, name, created_at) VALUES ($1, 'bench', 'bench', $2)`, orgID, db.Now()); err != nil {
		b.Fatal(err)
	}
	now := db.Now()
	rng := rand.New(rand.NewPCG(1, 2))
	chunks := func(n, size int, fn func(tx *sql.Tx, from, to int) error) {
		for from := 0; from < n; from += size {
			to := min(from+size, n)
			if err := d.InTx(ctx, func(tx *sql.Tx) error { return fn(tx, from, to) }); err != nil {
				b.Fatal(err)
			}
		}
	}
	bands, gs, sets := AgeBands(), Genders(), WorkSettings()
	attrs := make([][3]string, codes)
	chunks(codes, 50_000, func(tx *sql.Tx, from, to int) error {
		return insertRows(ctx, tx, "member_codes (id, org_id, code_idx, code_enc, age_band, gender, setting, created_on, created_at)", to-from, func(i int) []any {
			id := db.NewID()
			code := NewCode()
			a := [3]string{bands[rng.IntN(len(bands))], gs[rng.IntN(len(gs))], sets[rng.IntN(len(sets))]}
			attrs[from+i] = a
			return []any{id, orgID, keys.BlindIndex(domainCode, code+fmt.Sprint(from+i)), keys.SealString(code, codeAD(id)),
				a[0], a[1], a[2], "2026-01-01", now}
		})
	})
	var seqs []int64
	rows, err := d.QueryContext(ctx, `SELECT seq FROM member_codes WHERE org_id = $1 ORDER BY seq`, orgID)
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		var s int64
		if err := rows.Scan(&s); err != nil {
			b.Fatal(err)
		}
		seqs = append(seqs, s)
	}
	rows.Close()
	jan1 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	// The summaries the store keeps on insert, built here in memory.
	type codeYear struct {
		months   int64
		services [12]int64
	}
	years := map[int64]*codeYear{}
	days := map[string]*[2]int64{}
	type contact struct {
		id, on, mode string
		services     int64
		codes        []int64
	}
	chunks(contacts, 50_000, func(tx *sql.Tx, from, to int) error {
		batch := make([]contact, to-from)
		var reach [][]any
		for i := range batch {
			n := from + i
			c := contact{id: db.NewID(), on: jan1.AddDate(0, 0, n%365).Format(dateLayout), mode: ModeIndividual,
				services: rng.Int64N(1 << 10), codes: []int64{seqs[rng.IntN(len(seqs))]}}
			switch {
			case n%20 == 0:
				c.mode = ModeMass
			case n%10 == 1:
				c.mode = ModeSmallGroup
				if o := seqs[rng.IntN(len(seqs))]; o != c.codes[0] {
					c.codes = append(c.codes, o)
				}
			}
			batch[i] = c
			day := days[c.on]
			if day == nil {
				day = &[2]int64{}
				days[c.on] = day
			}
			month := jan1.AddDate(0, 0, n%365).Month()
			for _, s := range c.codes {
				reach = append(reach, []any{c.id, s, orgID, c.on, c.mode, c.services})
				if c.mode == ModeMass {
					continue
				}
				day[0]++
				y := years[s]
				if y == nil {
					y = &codeYear{}
					years[s] = y
				}
				y.months |= 1 << (month - 1)
				y.services[month-1] |= c.services
			}
		}
		if err := insertRows(ctx, tx, "programme_activities (id, org_id, kind, on_date, mode, services, condoms, created_at)", len(batch), func(i int) []any {
			c := batch[i]
			n := int64(rng.IntN(20))
			days[c.on][1] += n
			return []any{c.id, orgID, KindContact, c.on, c.mode, c.services, n, now}
		}); err != nil {
			return err
		}
		return insertRows(ctx, tx, "programme_reach (activity_id, code_seq, org_id, on_date, mode, services)", len(reach), func(i int) []any { return reach[i] })
	})
	var daysList []string
	for d := range days {
		daysList = append(daysList, d)
	}
	chunks(len(daysList), 1000, func(tx *sql.Tx, from, to int) error {
		return insertRows(ctx, tx, "programme_days (org_id, day, contacts, condoms)", to-from, func(i int) []any {
			d := days[daysList[from+i]]
			return []any{orgID, daysList[from+i], d[0], d[1]}
		})
	})
	var yearSeqs []int64
	for s := range years {
		yearSeqs = append(yearSeqs, s)
	}
	seqIndex := map[int64]int{}
	for i, s := range seqs {
		seqIndex[s] = i
	}
	chunks(len(yearSeqs), 50_000, func(tx *sql.Tx, from, to int) error {
		cols := "code_seq, year, org_id, age_band, gender, setting, months"
		for m := 1; m <= 12; m++ {
			cols += ", " + monthCol(m)
		}
		return insertRows(ctx, tx, "programme_code_years ("+cols+")", to-from, func(i int) []any {
			s := yearSeqs[from+i]
			y := years[s]
			a := attrs[seqIndex[s]]
			row := []any{s, 2026, orgID, a[0], a[1], a[2], y.months}
			for _, v := range y.services {
				row = append(row, v)
			}
			return row
		})
	})
	chunks(20_000, 20_000, func(tx *sql.Tx, from, to int) error {
		return insertRows(ctx, tx, "programme_referrals (id, org_id, code_seq, on_date, service, to_name, outcome, outcome_on, created_at)", to-from, func(i int) []any {
			out := []string{"", OutcomeLinked, OutcomeNotLinked}[rng.IntN(3)]
			return []any{db.NewID(), orgID, seqs[rng.IntN(len(seqs))], jan1.AddDate(0, 0, i%365).Format(dateLayout), "pep_referral", "clinic", out, "", now}
		})
	})
	chunks(1_000, 1_000, func(tx *sql.Tx, from, to int) error {
		var parts [][]any
		ids := make([]string, to-from)
		for i := range ids {
			ids[i] = db.NewID()
			seen := map[int64]bool{}
			for range 20 {
				s := seqs[rng.IntN(len(seqs))]
				if !seen[s] {
					seen[s] = true
					parts = append(parts, []any{ids[i], s, orgID, jan1.AddDate(0, 0, i%365).Format(dateLayout), nil, nil})
				}
			}
		}
		if err := insertRows(ctx, tx, "programme_activities (id, org_id, kind, on_date, title, created_at)", len(ids), func(i int) []any {
			return []any{ids[i], orgID, KindTraining, jan1.AddDate(0, 0, i%365).Format(dateLayout), "training", now}
		}); err != nil {
			return err
		}
		return insertRows(ctx, tx, "programme_participants (activity_id, code_seq, org_id, on_date, pre_score, post_score)", len(parts), func(i int) []any { return parts[i] })
	})
	if _, err := d.ExecContext(ctx, "ANALYZE"); err != nil {
		b.Fatal(err)
	}
	return orgID
}
