// Package stats holds what one measured attack yields and turns it into the
// figures docs/PERFORMANCE.md prints: medians over rounds, ratios to a
// baseline from the same run, and whether a ramp step held its rate.
package stats

import (
	"fmt"
	"slices"
	"time"
)

// Sample is one attack at a fixed rate.
type Sample struct {
	Rate     int // requests a second asked for
	Requests int // sent
	OK       int // answered with the expected status
	// Elapsed runs from the first request sent to the last answer.
	Elapsed            time.Duration
	P50, P90, P99, Max time.Duration
	// CPU is the server's CPU time (user + system) over the attack;
	// LoadCPU the load generator's (the harness process).
	CPU, LoadCPU time.Duration
	// DBCPU is PostgreSQL's CPU time over the attack (all its processes on
	// this machine), when the server uses it.
	DBCPU time.Duration
	// Errors are a few of the distinct errors, when some requests failed.
	Errors []string
}

// Throughput is expected answers a second.
func (s Sample) Throughput() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.OK) / s.Elapsed.Seconds()
}

// CPUPerRequest is the server's CPU time divided by the requests sent.
func (s Sample) CPUPerRequest() time.Duration {
	if s.Requests == 0 {
		return 0
	}
	return s.CPU / time.Duration(s.Requests)
}

// DBCPUPerRequest is PostgreSQL's CPU time divided by the requests sent.
func (s Sample) DBCPUPerRequest() time.Duration {
	if s.Requests == 0 {
		return 0
	}
	return s.DBCPU / time.Duration(s.Requests)
}

// LoadCPUPerRequest is the load generator's CPU time divided by the
// requests sent.
func (s Sample) LoadCPUPerRequest() time.Duration {
	if s.Requests == 0 {
		return 0
	}
	return s.LoadCPU / time.Duration(s.Requests)
}

// Holds says whether the server kept up with the rate: at least 99.9% of
// requests answered as expected, expected answers at 95% of the rate or
// more, and a 99th percentile at most p99.
func (s Sample) Holds(p99 time.Duration) bool {
	return s.Requests > 0 &&
		s.OK*1000 >= s.Requests*999 &&
		s.Throughput() >= 0.95*float64(s.Rate) &&
		s.P99 <= p99
}

// Median returns, field by field, the median of the samples (the mean of the
// middle two for an even count); the errors are the first sample's that has
// any.
func Median(ss []Sample) Sample {
	if len(ss) == 0 {
		return Sample{}
	}
	m := Sample{Rate: ss[0].Rate}
	m.Requests = medianOf(ss, func(s Sample) int { return s.Requests })
	m.OK = medianOf(ss, func(s Sample) int { return s.OK })
	m.Elapsed = medianOf(ss, func(s Sample) time.Duration { return s.Elapsed })
	m.P50 = medianOf(ss, func(s Sample) time.Duration { return s.P50 })
	m.P90 = medianOf(ss, func(s Sample) time.Duration { return s.P90 })
	m.P99 = medianOf(ss, func(s Sample) time.Duration { return s.P99 })
	m.Max = medianOf(ss, func(s Sample) time.Duration { return s.Max })
	m.CPU = medianOf(ss, func(s Sample) time.Duration { return s.CPU })
	m.LoadCPU = medianOf(ss, func(s Sample) time.Duration { return s.LoadCPU })
	m.DBCPU = medianOf(ss, func(s Sample) time.Duration { return s.DBCPU })
	for _, s := range ss {
		if len(s.Errors) > 0 {
			m.Errors = s.Errors
			break
		}
	}
	return m
}

func medianOf[T int | time.Duration](ss []Sample, f func(Sample) T) T {
	vs := make([]T, len(ss))
	for i, s := range ss {
		vs[i] = f(s)
	}
	return MedianValue(vs)
}

// MedianValue is the median of vs (the mean of the middle two for an even
// count), or zero for none.
func MedianValue[T int | int64 | time.Duration](vs []T) T {
	if len(vs) == 0 {
		return 0
	}
	vs = slices.Clone(vs)
	slices.Sort(vs)
	n := len(vs)
	if n%2 == 1 {
		return vs[n/2]
	}
	return (vs[n/2-1] + vs[n/2]) / 2
}

// Ratio prints a / b as "1.23×", or "–" when b is zero.
func Ratio(a, b time.Duration) string {
	if b <= 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f×", float64(a)/float64(b))
}

// Percent prints part of whole as a percentage with one decimal, rounded
// down so that 999 of 1000 never shows as 100%.
func Percent(part, whole int) string {
	if whole == 0 {
		return "–"
	}
	tenths := part * 1000 / whole
	return fmt.Sprintf("%d.%d%%", tenths/10, tenths%10)
}

// Dur prints a duration with three significant figures in µs, ms or s.
func Dur(d time.Duration) string {
	switch {
	case d <= 0:
		return "0"
	case d < time.Millisecond:
		return sig3(float64(d)/float64(time.Microsecond)) + " µs"
	case d < time.Second:
		return sig3(float64(d)/float64(time.Millisecond)) + " ms"
	default:
		return sig3(d.Seconds()) + " s"
	}
}

func sig3(v float64) string {
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.2f", v)
	}
}

// Cores prints CPU time spent over an interval as cores kept busy: "0.73".
func Cores(cpu, over time.Duration) string {
	if over <= 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f", cpu.Seconds()/over.Seconds())
}
