package programme

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

func TestDHIS2DocumentValidatesAndLeavesOutSuppressed(t *testing.T) {
	m := DHIS2Mapping{OrgUnit: "ImspTQPwCqd", Elements: map[string]DHIS2Element{
		"people_reached":                    {DataElement: "fbfJHSPpUQD", CategoryOptionCombo: "HllvX50cXC0"},
		"contacts":                          {DataElement: "cYeuwXTCPkU"},
		"referral_linkage:numerator":        {DataElement: "pikOziyCXbM"},
		"people_reached/gender/female":      {DataElement: "fbfJHSPpUQD", CategoryOptionCombo: "rQLFnNXXIL0"},
		"people_reached/gender/transgender": {DataElement: "fbfJHSPpUQD", CategoryOptionCombo: "qa0VqgYlgtN"},
	}}
	if err := m.Check(); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"2026", "2026Q4", "202611"} {
		p, _ := ParsePeriod(id)
		figs := []Figure{
			{ID: "people_reached", Def: defs[0], Value: 42, HasValue: true},
			{ID: "contacts", Def: defs[1], Suppressed: true},
			{ID: "referral_linkage", Def: defs[4], Value: 0.6, HasValue: true, Num: 6, Den: 10, HasParts: true},
		}
		bds := []Breakdown{{Dim: "gender", Rows: []BreakdownRow{{Key: "female", N: 40}, {Key: "transgender", N: 2, Suppressed: true}}}}
		doc := DHIS2(m, p, figs, bds)
		raw, _ := json.Marshal(doc)
		if err := ValidateDataValueSet(raw); err != nil {
			t.Fatalf("%s: %v\n%s", id, err, raw)
		}
		if len(doc.DataValues) != 3 {
			t.Errorf("%s: %d values, want people reached, linked referrals, female (no suppressed ones): %s", id, len(doc.DataValues), raw)
		}
		for _, v := range doc.DataValues {
			if v.Period != id {
				t.Errorf("value period %q, want %q", v.Period, id)
			}
		}
	}
	for _, bad := range []string{
		`{"dataValues": [{"dataElement": "fbfJHSPpUQD", "period": "2026-11", "orgUnit": "ImspTQPwCqd", "value": "1"}]}`,
		`{"dataValues": [{"dataElement": "fbfJHSPpUQD", "period": "202611", "orgUnit": "ImspTQPwCqd", "value": 1}]}`,
		`{"dataValues": [{"dataElement": "people", "period": "202611", "orgUnit": "ImspTQPwCqd", "value": "1"}]}`,
		`{"dataValues": [{"dataElement": "fbfJHSPpUQD", "period": "202611", "orgUnit": "ImspTQPwCqd", "value": "1", "memberCode": "K7M4XP2"}]}`,
		`{"period": "2026Q5", "dataValues": []}`,
		`{"dataValues": {}}`,
	} {
		if err := ValidateDataValueSet([]byte(bad)); err == nil {
			t.Errorf("accepted %s", bad)
		}
	}
	if err := (DHIS2Mapping{OrgUnit: "ImspTQPwCqd", Elements: map[string]DHIS2Element{"member_codes": {DataElement: "fbfJHSPpUQD"}}}).Check(); err == nil {
		t.Error("a mapping of something that is not a figure was accepted")
	}
}

func TestSpreadsheetCellsAreNeverFormulas(t *testing.T) {
	rows := []ExportRow{{Indicator: "custom_x", Name: "=HYPERLINK(\"http://x\")", Value: "-5", Note: "@SUM(A1)", Category: "+1+2"}}
	var buf bytes.Buffer
	id := func(s string) string { return s }
	if err := WriteCSV(&buf, "-title", rows, id); err != nil {
		t.Fatal(err)
	}
	recs, err := func() ([][]string, error) {
		r := csv.NewReader(&buf)
		r.FieldsPerRecord = -1
		return r.ReadAll()
	}()
	if err != nil {
		t.Fatal(err)
	}
	for _, rec := range recs {
		for _, c := range rec {
			if c != "" && strings.ContainsRune("=+@", rune(c[0])) || strings.HasPrefix(c, "-t") {
				t.Errorf("cell %q would be read as a formula", c)
			}
		}
	}
	if recs[2][4] != "-5" {
		t.Errorf("a negative number was changed: %q", recs[2][4])
	}
	var x bytes.Buffer
	if err := WriteXLSX(&x, "t", rows, id); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&x)
	if err != nil {
		t.Fatal(err)
	}
	formula, _ := f.GetCellFormula("Sheet1", "B3")
	if formula != "" {
		t.Errorf("XLSX cell B3 holds a formula %q", formula)
	}
	if v, _ := f.GetCellValue("Sheet1", "B3"); v != "=HYPERLINK(\"http://x\")" {
		t.Errorf("XLSX B3 = %q, want the text as typed", v)
	}
}

func TestChartIsSVGWithATitle(t *testing.T) {
	svg, err := Chart{Title: "People <reached>", Bars: []Bar{{Label: "10", Value: 3}, {Label: "11", Value: 7, Target: 5, HasTarget: true}}}.SVG()
	if err != nil {
		t.Fatal(err)
	}
	s := string(svg)
	for _, want := range []string{"<svg", "<title>People &lt;reached&gt;</title>", `role="img"`, ">7<"} {
		if !strings.Contains(s, want) {
			t.Errorf("chart lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "style=") || strings.Contains(s, "<script") {
		t.Error("chart has inline style or script")
	}
}
