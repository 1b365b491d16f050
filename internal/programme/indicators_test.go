package programme

import (
	"context"
	"math"
	"testing"

	"github.com/sisterline/sisterline/internal/db"
	"github.com/sisterline/sisterline/internal/db/dbtest"
)

// The built-in indicators against the worked examples of
// shared/research/documentation-me-anchors.md, section (c), on both engines.
// Each case gets an organisation of its own in the same database, which
// also shows that one organisation's records never count for another.

type want struct {
	id       string
	value    float64
	has      bool
	num, den int64
}

func TestBuiltinIndicatorsFollowPublishedExamples(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ctx := context.Background()
		cases := []struct {
			name     string
			from, to string
			setup    func(org string)
			want     []want
		}{{
			// C1 (KP_PREV): X reached four times individually or in small
			// groups counts once; Y, reached only by a mass event, not at all.
			name: "C1 one person reached many times counts once, mass events not at all",
			from: "2026-10-01", to: "2026-12-31",
			setup: func(org string) {
				c := e.codes(org, 2, CodeInput{})
				x, y := c[0], c[1]
				e.contact(org, "2026-10-03", ModeIndividual, []string{x}, "condoms")
				e.contact(org, "2026-10-20", ModeSmallGroup, []string{x}, "legal_info")
				e.contact(org, "2026-11-11", ModeIndividual, []string{x})
				e.contact(org, "2026-12-31", ModeSmallGroup, []string{x}, "condoms")
				e.contact(org, "2026-11-01", ModeMass, []string{y}, "condoms")
			},
			want: []want{{id: "people_reached", value: 1, has: true}, {id: "contacts", value: 4, has: true}},
		}, {
			// C9 (GAM, ≥2 interventions in the past 3 months): S1 got condoms,
			// lubricant and an HIV test; S2 only condoms; S3 got two services
			// five months ago and only condoms inside the window.
			name: "C9 prevention coverage counts people with two services in the last three months",
			from: "2026-10-01", to: "2026-12-31",
			setup: func(org string) {
				c := e.codes(org, 3, CodeInput{})
				e.contact(org, "2026-10-05", ModeIndividual, []string{c[0]}, "condoms", "lubricant")
				e.contact(org, "2026-12-01", ModeIndividual, []string{c[0]}, "hiv_test_referral")
				e.contact(org, "2026-11-15", ModeIndividual, []string{c[1]}, "condoms")
				e.contact(org, "2026-07-20", ModeIndividual, []string{c[2]}, "condoms", "hiv_self_test")
				e.contact(org, "2026-12-20", ModeIndividual, []string{c[2]}, "condoms")
			},
			want: []want{{id: "prevention_coverage", value: 1.0 / 3, has: true, num: 1, den: 3}},
		}, {
			// The window ends on the range's last day: services on 2026-12-31
			// count; a window ending 2026-12-30 misses them.
			name: "C9 window edge: a contact on the last day of the window counts",
			from: "2026-10-01", to: "2026-12-31",
			setup: func(org string) {
				c := e.codes(org, 1, CodeInput{})
				e.contact(org, "2026-10-01", ModeIndividual, []string{c[0]}, "condoms")
				e.contact(org, "2026-12-31", ModeIndividual, []string{c[0]}, "pep_referral")
				e.contact(org, "2026-09-30", ModeIndividual, []string{c[0]}, "legal_info", "sti_referral")
			},
			want: []want{{id: "prevention_coverage", value: 1, has: true, num: 1, den: 1}, {id: "people_reached", value: 1, has: true}, {id: "contacts", value: 2, has: true}},
		}, {
			// C12 (WHO QOC.7): 10 referrals, 6 confirmed linked → 60%.
			name: "C12 referral linkage is linked over referred",
			from: "2026-11-01", to: "2026-11-30",
			setup: func(org string) {
				c := e.codes(org, 10, CodeInput{})
				for i, code := range c {
					id, err := e.svc.Refer(ctx, e.outreach(org), ReferralInput{Code: code, On: "2026-11-10", Service: "legal_info", To: "clinic"})
					if err != nil {
						t.Fatal(err)
					}
					status := OutcomeNotLinked
					if i < 6 {
						status = OutcomeLinked
					}
					if i < 8 { // two never get an outcome: still referred, not linked
						if err := e.svc.RecordOutcome(ctx, e.outreach(org), id, status, "2026-11-20"); err != nil {
							t.Fatal(err)
						}
					}
				}
			},
			want: []want{{id: "referral_linkage", value: 0.6, has: true, num: 6, den: 10}},
		}, {
			// C14 (SWIT p.169): 400 targeted, 120 unique contacted with 150
			// contacts in the month → 30%, not 37.5%.
			name: "C14 monthly reach is unique people over the estimated population",
			from: "2026-11-01", to: "2026-11-30",
			setup: func(org string) {
				e.settings(org, Settings{Population: 400})
				c := e.codes(org, 120, CodeInput{})
				for i, code := range c {
					e.contact(org, "2026-11-02", ModeIndividual, []string{code})
					if i < 30 {
						e.contact(org, "2026-11-28", ModeIndividual, []string{code})
					}
				}
			},
			want: []want{{id: "monthly_reach", value: 0.30, has: true, num: 120, den: 400}, {id: "contacts", value: 150, has: true}, {id: "people_reached", value: 120, has: true}},
		}, {
			// C15 (SWIT): 400 sex workers needing 20 condoms a month need
			// 8,000 in November; 6,000 distributed → ratio 0.75.
			name: "C15 condoms distributed against need",
			from: "2026-11-01", to: "2026-11-30",
			setup: func(org string) {
				e.settings(org, Settings{Population: 400, CondomsPerMonth: 20})
				c := e.codes(org, 1, CodeInput{})
				for range 6 {
					if _, err := e.svc.RecordContact(ctx, e.outreach(org), Contact{On: "2026-11-05", Mode: ModeMass, Condoms: 1000, Codes: c[:0], Services: []string{"condoms"}}); err != nil {
						t.Fatal(err)
					}
				}
			},
			want: []want{{id: "condoms_distributed", value: 6000, has: true, num: 6000, den: 8000}},
		}, {
			name: "people trained are unique participants",
			from: "2026-01-01", to: "2026-12-31",
			setup: func(org string) {
				c := e.codes(org, 3, CodeInput{})
				for _, on := range []string{"2026-03-01", "2026-09-01"} {
					if _, err := e.svc.RecordTraining(ctx, e.outreach(org), Training{On: on, Title: "Know your rights", Modules: []string{"legal_information"},
						Participants: []Participant{{Code: c[0]}, {Code: c[1]}, {Code: c[0]}}}); err != nil {
						t.Fatal(err)
					}
				}
				if _, err := e.svc.RecordTraining(ctx, e.outreach(org), Training{On: "2027-01-02", Title: "Next year", Participants: []Participant{{Code: c[2]}}}); err != nil {
					t.Fatal(err)
				}
			},
			want: []want{{id: "people_trained", value: 2, has: true}},
		}, {
			name: "no population set leaves monthly reach without a value",
			from: "2026-11-01", to: "2026-11-30",
			setup: func(org string) {
				e.contact(org, "2026-11-02", ModeIndividual, e.codes(org, 1, CodeInput{}))
			},
			want: []want{{id: "monthly_reach", has: false, num: 1, den: 0}},
		}}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				parent := e.t
				e.t = t
				defer func() { e.t = parent }()
				org := e.org(db.NewID()[:8])
				tc.setup(org)
				for _, w := range tc.want {
					f := e.figure(org, tc.from, tc.to, w.id)
					if f.HasValue != w.has || (w.has && math.Abs(f.Value-w.value) > 1e-9) {
						t.Errorf("%s = %v (has %v), want %v (has %v)", w.id, f.Value, f.HasValue, w.value, w.has)
					}
					if (w.num != 0 || w.den != 0) && (f.Num != w.num || f.Den != w.den) {
						t.Errorf("%s parts = %d/%d, want %d/%d", w.id, f.Num, f.Den, w.num, w.den)
					}
				}
			})
		}
	})
}

func TestReferralLinkedInALaterRangeCountsWhereItWasMade(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ctx := context.Background()
		code := e.codes(e.orgA, 1, CodeInput{})[0]
		id, err := e.svc.Refer(ctx, e.outreach(e.orgA), ReferralInput{Code: code, On: "2026-10-30", Service: "pep_referral", To: "clinic"})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.svc.RecordOutcome(ctx, e.outreach(e.orgA), id, OutcomeLinked, "2026-11-03"); err != nil {
			t.Fatal(err)
		}
		oct := e.figure(e.orgA, "2026-10-01", "2026-10-31", "referral_linkage")
		if !oct.HasValue || oct.Num != 1 || oct.Den != 1 {
			t.Errorf("October linkage = %d/%d, want 1/1 (linked later, made in October)", oct.Num, oct.Den)
		}
		nov := e.figure(e.orgA, "2026-11-01", "2026-11-30", "referral_linkage")
		if nov.HasValue || nov.Den != 0 {
			t.Errorf("November linkage = %d/%d, want no referrals made", nov.Num, nov.Den)
		}
		// An outcome cannot come before the referral.
		if err := e.svc.RecordOutcome(ctx, e.outreach(e.orgA), id, OutcomeLinked, "2026-10-01"); err == nil {
			t.Error("outcome before the referral was accepted")
		}
		// Another organisation cannot see or touch it.
		if err := e.svc.RecordOutcome(ctx, e.outreach(e.orgB), id, OutcomeNotLinked, "2026-11-04"); err == nil {
			t.Error("another organisation recorded an outcome")
		}
	})
}

func TestContactOnTheLastDayOfTheRangeCountsAndTheNextDayDoesNot(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		c := e.codes(e.orgA, 2, CodeInput{})
		e.contact(e.orgA, "2026-11-30", ModeIndividual, c[:1])
		e.contact(e.orgA, "2026-12-01", ModeIndividual, c[1:])
		if f := e.figure(e.orgA, "2026-11-01", "2026-11-30", "people_reached"); f.Value != 1 {
			t.Errorf("November people reached = %v, want 1", f.Value)
		}
		if f := e.figure(e.orgA, "2026-11-01", "2026-12-01", "people_reached"); f.Value != 2 {
			t.Errorf("Nov 1 – Dec 1 people reached = %v, want 2", f.Value)
		}
		if f := e.figure(e.orgB, "2026-11-01", "2026-12-01", "people_reached"); f.Value != 0 {
			t.Errorf("another organisation sees %v people reached, want 0", f.Value)
		}
	})
}

func TestDisaggregationSplitsPeopleReachedByAgeGenderAndSetting(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		young := e.codes(e.orgA, 2, CodeInput{AgeBand: "20-24", Gender: "female", Setting: "street"})
		older := e.codes(e.orgA, 3, CodeInput{AgeBand: "35-39", Gender: "transgender", Setting: "venue"})
		blank := e.codes(e.orgA, 1, CodeInput{})
		for _, c := range [][]string{young, older, blank, young} {
			e.contact(e.orgA, "2026-11-02", ModeSmallGroup, c)
		}
		p, _ := Range("2026-11-01", "2026-11-30")
		rep, err := e.svc.Figures(context.Background(), e.admin(e.orgA), p)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int64{}
		for _, b := range rep.Breakdowns {
			if b.Total != 6 {
				t.Errorf("%s total = %d, want 6", b.Dim, b.Total)
			}
			var sum int64
			for _, r := range b.Rows {
				got[b.Dim+"/"+r.Key] = r.N
				if !r.Sub {
					sum += r.N
				}
			}
			if sum != b.Total {
				t.Errorf("%s top-level rows sum to %d, want %d", b.Dim, sum, b.Total)
			}
		}
		for k, v := range map[string]int64{"age/lt25": 2, "age/20-24": 2, "age/25plus": 3, "age/35-39": 3, "age/unknown": 1,
			"gender/female": 2, "gender/transgender": 3, "gender/unknown": 1, "setting/street": 2, "setting/venue": 3, "setting/unknown": 1} {
			if got[k] != v {
				t.Errorf("%s = %d, want %d", k, got[k], v)
			}
		}
	})
}

func TestCustomIndicatorsCountUniquePeopleAndRatios(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ctx := context.Background()
		c := e.codes(e.orgA, 4, CodeInput{})
		e.contact(e.orgA, "2026-11-02", ModeIndividual, c[:2], "hiv_self_test")
		e.contact(e.orgA, "2026-11-03", ModeIndividual, c[:1], "hiv_self_test", "condoms")
		e.contact(e.orgA, "2026-11-04", ModeSmallGroup, c, "condoms")
		kits, err := e.svc.AddCustom(ctx, e.admin(e.orgA), Custom{Name: "Self-test kits to", Kind: "unique", Record: KindContact, Service: "hiv_self_test"})
		if err != nil {
			t.Fatal(err)
		}
		share, err := e.svc.AddCustom(ctx, e.admin(e.orgA), Custom{Name: "Share with a kit", Kind: "ratio", Numerator: kits, Denominator: "people_reached"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.AddCustom(ctx, e.admin(e.orgA), Custom{Name: "Bad", Kind: "unique", Record: KindGroupSession}); err == nil {
			t.Error("unique people over group sessions (which have no codes) was accepted")
		}
		if f := e.figure(e.orgA, "2026-11-01", "2026-11-30", kits); f.Value != 2 {
			t.Errorf("unique people with a kit = %v, want 2", f.Value)
		}
		if f := e.figure(e.orgA, "2026-11-01", "2026-11-30", share); f.Num != 2 || f.Den != 4 || f.Value != 0.5 {
			t.Errorf("share = %d/%d = %v, want 2/4", f.Num, f.Den, f.Value)
		}
	})
}

func TestStatusFollowsShareOfPeriodElapsed(t *testing.T) {
	// C22 (Kashana) with "budget spent" read as "period elapsed": 65%
	// elapsed; progress 70 / 60 / 50 % → on track / needs attention / behind.
	for _, c := range []struct {
		done float64
		want string
	}{{0.70, StatusOnTrack}, {0.65, StatusOnTrack}, {0.60, StatusAttention}, {0.56, StatusAttention}, {0.50, StatusBehind}} {
		if got := Status(c.done, 0.65, false); got != c.want {
			t.Errorf("progress %.2f at 65%% elapsed = %s, want %s", c.done, got, c.want)
		}
	}
	// A ratio is held against the whole target whatever the day.
	if got := Status(0.95, 0.10, true); got != StatusAttention {
		t.Errorf("ratio at 95%% of target = %s, want attention", got)
	}
}

func TestPeriodHelpers(t *testing.T) {
	p, err := ParsePeriod("2026Q4")
	if err != nil || p.FromDay() != "2026-10-01" || p.ToDay() != "2026-12-31" {
		t.Fatalf("2026Q4 = %v %v", p, err)
	}
	if w := lastThreeMonths(Period{From: p.From, To: p.To}); w.FromDay() != "2026-10-01" {
		t.Errorf("three months to Dec 31 start %s, want 2026-10-01", w.FromDay())
	}
	nov15, _ := Range("2026-11-01", "2026-11-15")
	if w := lastThreeMonths(nov15); w.FromDay() != "2026-08-16" {
		t.Errorf("three months to Nov 15 start %s, want 2026-08-16", w.FromDay())
	}
	if m, _ := ParsePeriod("202611"); m.Months() != 1 {
		t.Errorf("November is %v months", m.Months())
	}
	if y, _ := ParsePeriod("2026"); math.Abs(y.Months()-12) > 1e-9 {
		t.Errorf("2026 is %v months", y.Months())
	}
	for _, bad := range []string{"2026Q5", "202613", "26", "2026-11", "abcd"} {
		if _, err := ParsePeriod(bad); err == nil {
			t.Errorf("ParsePeriod(%q) accepted", bad)
		}
	}
	if r, _ := Range("2026-10-01", "2026-12-31"); r.ID != "2026Q4" {
		t.Errorf("Oct–Dec range id = %q, want 2026Q4", r.ID)
	}
}
