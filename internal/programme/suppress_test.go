package programme

import (
	"context"
	"fmt"
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/sisterline/sisterline/internal/db"
	"github.com/sisterline/sisterline/internal/db/dbtest"
)

// determinedExact returns the columns fixed by rows·x = b, in exact
// arithmetic: after reduction to row echelon form, a column is fixed when it
// is a pivot whose row has no entry in a free column.
func determinedExact(rows [][]*big.Rat, n int) []int {
	var pivots []int
	r := 0
	for c := 0; c < n && r < len(rows); c++ {
		p := -1
		for i := r; i < len(rows); i++ {
			if rows[i][c].Sign() != 0 {
				p = i
				break
			}
		}
		if p < 0 {
			continue
		}
		rows[r], rows[p] = rows[p], rows[r]
		inv := new(big.Rat).Inv(rows[r][c])
		for j := range rows[r] {
			rows[r][j].Mul(rows[r][j], inv)
		}
		for i := range rows {
			if i == r || rows[i][c].Sign() == 0 {
				continue
			}
			f := new(big.Rat).Set(rows[i][c])
			for j := range rows[i] {
				rows[i][j].Sub(rows[i][j], new(big.Rat).Mul(f, rows[r][j]))
			}
		}
		pivots = append(pivots, c)
		r++
	}
	isPivot := map[int]bool{}
	for _, c := range pivots {
		isPivot[c] = true
	}
	var out []int
	for i, c := range pivots {
		alone := true
		for j := 0; j < n; j++ {
			if !isPivot[j] && rows[i][j].Sign() != 0 {
				alone = false
			}
		}
		if alone {
			out = append(out, c)
		}
	}
	return out
}

// derivable lists the hidden cells of pub that its published cells and sums
// determine, in exact arithmetic (Suppress works in floating point): x_k is
// determined exactly when e_k lies in the row space of the sums restricted
// to the hidden cells. Groups of hidden cells tied by sums are independent,
// so each is tested on its own.
func derivable(pub *Publication) []string {
	var out []string
	for _, g := range pub.hiddenGroups() {
		col := map[string]int{}
		for i, k := range g.cells {
			col[k] = i
		}
		var rows [][]*big.Rat
		for _, si := range g.sums {
			row := make([]*big.Rat, len(g.cells))
			for i := range row {
				row[i] = new(big.Rat)
			}
			for _, t := range pub.sums[si] {
				if i, ok := col[t.key]; ok {
					row[i].Add(row[i], big.NewRat(int64(t.coef), 1))
				}
			}
			rows = append(rows, row)
		}
		for _, i := range determinedExact(rows, len(g.cells)) {
			out = append(out, g.cells[i])
		}
	}
	return out
}

// checkPublication fails t when a published cell is below its threshold or
// a hidden one can be worked back.
func checkPublication(t *testing.T, pub *Publication) {
	t.Helper()
	for _, k := range pub.keys {
		c := pub.cells[k]
		if !c.suppressed && c.value < c.min {
			t.Errorf("%s = %d published below the threshold %d", k, c.value, c.min)
		}
	}
	if d := derivable(pub); len(d) > 0 {
		t.Errorf("hidden cells can be worked back from the published ones: %v", d)
	}
}

func TestOneSmallCategoryHidesASecondOne(t *testing.T) {
	pub := NewPublication()
	for k, v := range map[string]int64{"a": 3, "b": 40, "c": 20, "total": 63} {
		pub.Set(k, v, TierCategory, 5)
	}
	pub.cells["total"].tier = TierHeadline
	pub.Sum("total", "a", "b", "c")
	pub.Suppress()
	if !pub.Suppressed("a") || !pub.Suppressed("c") || pub.Suppressed("b") || pub.Suppressed("total") {
		t.Errorf("hidden: a=%v b=%v c=%v total=%v; want a and the smallest other, c", pub.Suppressed("a"), pub.Suppressed("b"), pub.Suppressed("c"), pub.Suppressed("total"))
	}
	checkPublication(t, pub)
}

func TestHiddenFiveYearBandCannotBeWorkedBackFromItsGroup(t *testing.T) {
	// 15-19 = 2 is hidden; 20-24 must go too, or <25 − 20-24 gives it; and
	// if <25 is hidden, the 25+ side or "unknown" must hide to match.
	pub := NewPublication()
	b := Breakdown{Dim: "age", Rows: []BreakdownRow{{Key: AgeUnder25, N: 30}, {Key: "15-19", N: 2, Sub: true}, {Key: "20-24", N: 28, Sub: true},
		{Key: Age25Plus, N: 70}, {Key: "25-29", N: 40, Sub: true}, {Key: "30-34", N: 30, Sub: true}, {Key: Unknown, N: 9}}}
	pub.Set("people_reached", 109, TierHeadline, 5)
	addBreakdown(pub, func(k string) string { return k }, b, TierCategory, 5)
	pub.Suppress()
	if !pub.Suppressed(breakdownKey("age", "20-24")) {
		t.Error("20-24 published beside a hidden 15-19 and a published <25")
	}
	checkPublication(t, pub)
}

// TestNoPublishedFigureIsSmallOrDerivable is the property: for random
// tables of small counts — organisations × categories with every margin,
// nested groups, ratios split into their parts, months adding up to
// quarters — nothing published is below the threshold and no hidden count
// can be worked back exactly from what is published.
func TestNoPublishedFigureIsSmallOrDerivable(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	for trial := range 300 {
		pub := NewPublication()
		threshold := 3 + rng.IntN(4)
		rows, cols := 1+rng.IntN(4), 2+rng.IntN(5)
		val := func() int64 {
			if rng.IntN(3) == 0 {
				return int64(rng.IntN(threshold)) // small: must hide
			}
			return int64(rng.IntN(60))
		}
		cell := func(i, j int) string { return fmt.Sprintf("x%d_%d", i, j) }
		var grand int64
		colSum := make([]int64, cols)
		for i := range rows {
			var rs int64
			for j := range cols {
				v := val()
				pub.Set(cell(i, j), v, TierCategory, threshold)
				rs += v
				colSum[j] += v
			}
			pub.Set(fmt.Sprintf("row%d", i), rs, TierHeadline, threshold)
			grand += rs
		}
		for j := range cols {
			pub.Set(fmt.Sprintf("col%d", j), colSum[j], TierNetwork, threshold)
		}
		pub.Set("total", grand, TierNetwork, threshold)
		for i := range rows {
			var parts []string
			for j := range cols {
				parts = append(parts, cell(i, j))
			}
			pub.Sum(fmt.Sprintf("row%d", i), parts...)
		}
		var colKeys, rowKeys []string
		for j := range cols {
			var parts []string
			for i := range rows {
				parts = append(parts, cell(i, j))
			}
			pub.Sum(fmt.Sprintf("col%d", j), parts...)
			colKeys = append(colKeys, fmt.Sprintf("col%d", j))
		}
		for i := range rows {
			rowKeys = append(rowKeys, fmt.Sprintf("row%d", i))
		}
		pub.Sum("total", colKeys...)
		pub.Sum("total", rowKeys...)
		// A nested group of the first two columns in each row (like <25 over
		// its five-year bands).
		if rng.IntN(2) == 0 {
			for i := range rows {
				g := fmt.Sprintf("group%d", i)
				pub.Set(g, pub.cells[cell(i, 0)].value+pub.cells[cell(i, 1)].value, TierCategory, threshold)
				pub.Sum(g, cell(i, 0), cell(i, 1))
			}
		}
		pub.Suppress()
		t.Run(fmt.Sprint(trial), func(t *testing.T) { checkPublication(t, pub) })
		if t.Failed() {
			return
		}
	}
}

// TestPublishedFiguresOfRandomNetworksLeakNothing runs the property through
// the real queries: random records in three organisations, then every
// publication of a quarter is checked, and what the network view and the
// exports show is read back for small counts and codes.
func TestPublishedFiguresOfRandomNetworksLeakNothing(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ctx := context.Background()
		rng := rand.New(rand.NewPCG(3, 5))
		orgs := []string{e.orgA, e.orgB, e.org("org-c")}
		var allCodes []string
		bands, gs := AgeBands(), Genders()
		services := []string{"condoms", "lubricant", "hiv_self_test", "legal_info", "pep_referral"}
		for oi, org := range orgs {
			n := []int{40, 6, 2}[oi] // a big, a small and a tiny organisation
			var codes []string
			for range n {
				c := e.codes(org, 1, CodeInput{AgeBand: bands[rng.IntN(len(bands))], Gender: gs[rng.IntN(len(gs))]})[0]
				codes = append(codes, c)
			}
			allCodes = append(allCodes, codes...)
			for range n * 3 {
				day := fmt.Sprintf("2026-%02d-%02d", 10+rng.IntN(3), 1+rng.IntN(28))
				var svc []string
				for _, s := range services {
					if rng.IntN(3) == 0 {
						svc = append(svc, s)
					}
				}
				e.contact(org, day, []string{ModeIndividual, ModeSmallGroup}[rng.IntN(2)], []string{codes[rng.IntN(len(codes))]}, svc...)
			}
			for i := range n / 2 {
				id, err := e.svc.Refer(ctx, e.outreach(org), ReferralInput{Code: codes[i], On: "2026-11-03", Service: "pep_referral"})
				if err != nil {
					t.Fatal(err)
				}
				if i%3 != 0 {
					if err := e.svc.RecordOutcome(ctx, e.outreach(org), id, OutcomeLinked, "2026-11-09"); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
		for _, id := range []string{"2026Q4", "202611", "2026"} {
			p, _ := ParsePeriod(id)
			pb, err := e.svc.publish(ctx, p)
			if err != nil {
				t.Fatal(err)
			}
			checkPublication(t, pb.pub)
			threshold := float64(DefaultThreshold)
			check := func(where string, figs []Figure, bds []Breakdown) {
				for _, f := range figs {
					if f.Suppressed || !f.HasValue {
						continue
					}
					if f.Def.Unit == UnitPeople || f.Def.Unit == UnitCount || f.Def.Unit == UnitQuantity {
						if f.Value < threshold {
							t.Errorf("%s %s: %s = %v published", id, where, f.ID, f.Value)
						}
					}
					if f.HasParts && f.Def.Unit == UnitRatio && (f.Num < int64(threshold) || f.Den < int64(threshold)) {
						t.Errorf("%s %s: %s = %d/%d published", id, where, f.ID, f.Num, f.Den)
					}
				}
				for _, b := range bds {
					for _, r := range b.Rows {
						if !r.Suppressed && r.N < int64(threshold) {
							t.Errorf("%s %s: %s/%s = %d published", id, where, b.Dim, r.Key, r.N)
						}
					}
				}
			}
			nf, nb := pb.Network()
			check("network", nf, nb)
			for _, o := range orgs {
				f, b, _ := pb.Org(o)
				check("org", f, b)
				var sb strings.Builder
				if err := WriteCSV(&sb, id, ExportRows(f, b, func(s string) string { return s }), func(s string) string { return s }); err != nil {
					t.Fatal(err)
				}
				for _, c := range allCodes {
					if strings.Contains(sb.String(), c) || strings.Contains(sb.String(), FormatCode(c)) {
						t.Fatalf("export contains a member code")
					}
				}
			}
		}
	})
}
