package stats

import (
	"testing"
	"time"
)

func TestMedianTakesEachFieldOnItsOwn(t *testing.T) {
	ss := []Sample{
		{Rate: 100, Requests: 1000, OK: 1000, P50: 3 * time.Millisecond, P99: 9 * time.Millisecond, CPU: 5 * time.Second},
		{Rate: 100, Requests: 1000, OK: 990, P50: 1 * time.Millisecond, P99: 30 * time.Millisecond, CPU: 4 * time.Second, Errors: []string{"503"}},
		{Rate: 100, Requests: 1000, OK: 999, P50: 2 * time.Millisecond, P99: 10 * time.Millisecond, CPU: 6 * time.Second},
	}
	m := Median(ss)
	if m.P50 != 2*time.Millisecond || m.P99 != 10*time.Millisecond || m.OK != 999 || m.CPU != 5*time.Second {
		t.Fatalf("median %+v", m)
	}
	if len(m.Errors) != 1 {
		t.Fatalf("errors of a failed round lost: %v", m.Errors)
	}
	if got := MedianValue([]int{4, 1, 3, 2}); got != 2 {
		t.Fatalf("median of an even count %d, want 2 (mean of 2 and 3, truncated)", got)
	}
}

func TestHoldsNeedsAnswersThroughputAndTail(t *testing.T) {
	good := Sample{Rate: 100, Requests: 1000, OK: 1000, Elapsed: 10 * time.Second, P99: 20 * time.Millisecond}
	if !good.Holds(100 * time.Millisecond) {
		t.Fatal("a step that kept up did not hold")
	}
	for name, s := range map[string]Sample{
		"errors":   {Rate: 100, Requests: 1000, OK: 998, Elapsed: 10 * time.Second, P99: 20 * time.Millisecond},
		"behind":   {Rate: 100, Requests: 1000, OK: 1000, Elapsed: 11 * time.Second, P99: 20 * time.Millisecond},
		"slow p99": {Rate: 100, Requests: 1000, OK: 1000, Elapsed: 10 * time.Second, P99: 101 * time.Millisecond},
		"nothing":  {Rate: 100},
	} {
		if s.Holds(100 * time.Millisecond) {
			t.Errorf("%s: held", name)
		}
	}
}

func TestPercentNeverRoundsAFailureUpToAHundred(t *testing.T) {
	if got := Percent(9999, 10000); got != "99.9%" {
		t.Fatalf("got %s", got)
	}
	if got := Percent(1000, 1000); got != "100.0%" {
		t.Fatalf("got %s", got)
	}
}

func TestFormatting(t *testing.T) {
	for d, want := range map[time.Duration]string{
		713 * time.Microsecond:   "713 µs",
		1470 * time.Microsecond:  "1.47 ms",
		21300 * time.Microsecond: "21.3 ms",
		2 * time.Second:          "2.00 s",
	} {
		if got := Dur(d); got != want {
			t.Errorf("Dur(%s) = %s, want %s", d, got, want)
		}
	}
	if got := Ratio(3*time.Millisecond, 2*time.Millisecond); got != "1.50×" {
		t.Errorf("ratio %s", got)
	}
	if got := Ratio(time.Millisecond, 0); got != "–" {
		t.Errorf("ratio to zero %s", got)
	}
	if got := Cores(1500*time.Millisecond, 2*time.Second); got != "0.75" {
		t.Errorf("cores %s", got)
	}
	if got := (Sample{Requests: 4, CPU: 2 * time.Millisecond}).CPUPerRequest(); got != 500*time.Microsecond {
		t.Errorf("cpu per request %s", got)
	}
}
