package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestRunMeasuresEveryRequestAgainstTheBaseline runs the whole harness on
// the app in this process, briefly: every request kind must answer as
// expected (the run stops otherwise) and appear in the table with its ratio
// to healthz.
func TestRunMeasuresEveryRequestAgainstTheBaseline(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the app with real passphrase hashing")
	}
	var out, log bytes.Buffer
	err := run(context.Background(), []string{"-inprocess", "-rate", "20", "-duration", "300ms", "-warmup", "0", "-ramp-start", "20", "-ramp-max", "40", "-ramp-step", "200ms"}, &out, &log)
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	table := out.String()
	for _, want := range []string{"`GET /healthz`", "`GET /static/", "`GET /signin`", "`GET /` signed in", "`POST /api/v1/screen`", "`POST /api/v1/reports`", "Highest rate held"} {
		if !strings.Contains(table, want) {
			t.Errorf("no %q in\n%s", want, table)
		}
	}
	for _, line := range strings.Split(table, "\n") {
		if strings.HasPrefix(line, "| `") && !strings.Contains(line, "| 100.0% |") {
			t.Errorf("a request did not always answer as expected: %s", line)
		}
	}
	if strings.Contains(table, "error:") {
		t.Errorf("errors in the table:\n%s", table)
	}
}

func TestOptionsRefuseUnboundedRuns(t *testing.T) {
	for _, args := range [][]string{{"-rate", "0"}, {"-rate", "1000000"}, {"-duration", "2h"}, {"-rounds", "100"}, {"-ramp-max", "50", "-ramp-start", "100"}} {
		var out, log bytes.Buffer
		if err := run(context.Background(), args, &out, &log); err == nil || !strings.Contains(err.Error(), "want") {
			t.Errorf("%v: got %v, want a refusal before anything starts", args, err)
		}
	}
}

func TestOnlyAlwaysKeepsTheBaselineOnce(t *testing.T) {
	all := []scenario{{name: "healthz"}, {name: "home"}, {name: "report"}}
	for only, want := range map[string]string{
		"home":         "healthz home",
		"home,healthz": "home healthz",
		"report, home": "healthz report home",
	} {
		got, err := selectScenarios(all, only)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, sc := range got {
			names = append(names, sc.name)
		}
		if strings.Join(names, " ") != want {
			t.Errorf("-only %q: ran %v, want %s", only, names, want)
		}
	}
	if _, err := selectScenarios(all, "nope"); err == nil {
		t.Error("an unknown request name was accepted")
	}
}
