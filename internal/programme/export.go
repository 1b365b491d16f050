package programme

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/sisterline/sisterline/internal/apperr"
)

// Exports carry only what may leave the organisation: the suppressed
// figures of a calendar period, never a code, a national identifier or a
// record. A suppressed figure is written as an empty cell with the word
// "suppressed", never as a number.

// DHIS2Mapping maps an organisation's figures to DHIS2 data elements.
type DHIS2Mapping struct {
	// OrgUnit is the organisation's DHIS2 organisation unit.
	OrgUnit string `json:"org_unit"`
	// DataSet is the data set the values belong to (optional).
	DataSet string `json:"data_set,omitempty"`
	// Elements maps a figure to a data element and category option combo.
	// Keys: an indicator id ("people_reached"), a ratio's parts
	// ("referral_linkage:numerator", "referral_linkage:denominator"), or a
	// disaggregation ("people_reached/age/15-19", "people_reached/gender/female").
	Elements map[string]DHIS2Element `json:"elements"`
}

// DHIS2Element is where one figure goes in DHIS2.
type DHIS2Element struct {
	DataElement         string `json:"data_element"`
	CategoryOptionCombo string `json:"category_option_combo,omitempty"`
}

// Empty reports whether nothing is mapped.
func (m DHIS2Mapping) Empty() bool { return m.OrgUnit == "" && m.DataSet == "" && len(m.Elements) == 0 }

// dhis2UID is DHIS2's identifier: a letter and ten letters or digits.
var dhis2UID = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]{10}$`)

// Check validates a mapping: DHIS2 ids and known figure keys.
func (m DHIS2Mapping) Check() error {
	if m.Empty() {
		return nil
	}
	bad := apperr.Field("dhis2", "programme.error.dhis2")
	if !dhis2UID.MatchString(m.OrgUnit) || (m.DataSet != "" && !dhis2UID.MatchString(m.DataSet)) {
		return bad
	}
	for k, e := range m.Elements {
		if !mappable(k) || !dhis2UID.MatchString(e.DataElement) || (e.CategoryOptionCombo != "" && !dhis2UID.MatchString(e.CategoryOptionCombo)) {
			return bad
		}
	}
	return nil
}

// mappable reports whether a key names a figure that can be exported.
func mappable(k string) bool {
	id, part, _ := strings.Cut(k, ":")
	if part != "" && part != "numerator" && part != "denominator" {
		return false
	}
	if d, ok := DefOf(id); ok {
		return part == "" || d.Unit == UnitRatio || d.ID == "condoms_distributed"
	}
	if rest, ok := strings.CutPrefix(k, "people_reached/"); ok {
		dim, cat, _ := strings.Cut(rest, "/")
		for _, b := range breakdowns(raw{}) {
			if b.Dim != dim {
				continue
			}
			for _, r := range b.Rows {
				if r.Key == cat {
					return true
				}
			}
		}
	}
	return false
}

// ParseDHIS2Mapping reads a mapping typed as JSON.
func ParseDHIS2Mapping(s string) (DHIS2Mapping, error) {
	var m DHIS2Mapping
	if strings.TrimSpace(s) == "" {
		return m, nil
	}
	dec := json.NewDecoder(strings.NewReader(s))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return m, apperr.Field("dhis2", "programme.error.dhis2_json")
	}
	return m, m.Check()
}

// DataValueSet is a DHIS2 dataValueSets document.
type DataValueSet struct {
	DataSet    string      `json:"dataSet,omitempty"`
	Period     string      `json:"period"`
	OrgUnit    string      `json:"orgUnit"`
	DataValues []DataValue `json:"dataValues"`
}

// DataValue is one value of a dataValueSets document.
type DataValue struct {
	DataElement         string `json:"dataElement"`
	Period              string `json:"period"`
	OrgUnit             string `json:"orgUnit"`
	CategoryOptionCombo string `json:"categoryOptionCombo,omitempty"`
	Value               string `json:"value"`
	Comment             string `json:"comment,omitempty"`
}

// DHIS2 builds the dataValueSets document of a period from published
// figures. Suppressed and unmapped figures are left out.
func DHIS2(m DHIS2Mapping, period Period, figs []Figure, bds []Breakdown) DataValueSet {
	set := DataValueSet{DataSet: m.DataSet, Period: period.ID, OrgUnit: m.OrgUnit, DataValues: []DataValue{}}
	add := func(key, value string) {
		e, ok := m.Elements[key]
		if !ok {
			return
		}
		set.DataValues = append(set.DataValues, DataValue{DataElement: e.DataElement, Period: period.ID, OrgUnit: m.OrgUnit, CategoryOptionCombo: e.CategoryOptionCombo, Value: value})
	}
	for _, f := range figs {
		if f.Suppressed || !f.HasValue {
			continue
		}
		add(f.ID, formatValue(f))
		if f.HasParts {
			add(f.ID+":numerator", strconv.FormatInt(f.Num, 10))
			add(f.ID+":denominator", strconv.FormatInt(f.Den, 10))
		}
	}
	for _, b := range bds {
		for _, r := range b.Rows {
			if !r.Suppressed {
				add(breakdownKey(b.Dim, r.Key), strconv.FormatInt(r.N, 10))
			}
		}
	}
	return set
}

// formatValue writes a figure's value: counts as integers, ratios with
// four decimals, hours with one.
func formatValue(f Figure) string {
	switch f.Def.Unit {
	case UnitRatio:
		return strconv.FormatFloat(f.Value, 'f', 4, 64)
	case UnitHours:
		return strconv.FormatFloat(f.Value, 'f', 1, 64)
	}
	return strconv.FormatInt(int64(f.Value), 10)
}

// dhis2Period matches DHIS2's period formats: yearly 2026, quarterly 2026Q4,
// monthly 202611.
var dhis2Period = regexp.MustCompile(`^(\d{4}|\d{4}Q[1-4]|\d{4}(0[1-9]|1[0-2]))$`)

// ValidateDataValueSet checks a dataValueSets document against the shape
// DHIS2 imports: each value with a data element, period and org unit id,
// an optional category option combo, and its value as a string.
func ValidateDataValueSet(raw []byte) error {
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(raw, &doc); err != nil {
		return fmt.Errorf("dhis2: not a JSON object: %w", err)
	}
	var values []map[string]json.RawMessage
	dv, ok := doc["dataValues"]
	if !ok {
		return fmt.Errorf("dhis2: dataValues missing")
	}
	if err := json.Unmarshal(dv, &values); err != nil {
		return fmt.Errorf("dhis2: dataValues is not an array of objects: %w", err)
	}
	str := func(obj map[string]json.RawMessage, k string, required bool) (string, error) {
		v, ok := obj[k]
		if !ok {
			if required {
				return "", fmt.Errorf("dhis2: %s missing", k)
			}
			return "", nil
		}
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return "", fmt.Errorf("dhis2: %s is not a string", k)
		}
		return s, nil
	}
	if p, err := str(doc, "period", false); err != nil || (p != "" && !dhis2Period.MatchString(p)) {
		return fmt.Errorf("dhis2: bad document period %q", p)
	}
	allowed := map[string]bool{"dataElement": true, "period": true, "orgUnit": true, "categoryOptionCombo": true, "attributeOptionCombo": true, "value": true, "comment": true}
	for i, v := range values {
		for k := range v {
			if !allowed[k] {
				return fmt.Errorf("dhis2: value %d: unknown field %s", i, k)
			}
		}
		for _, k := range []string{"dataElement", "orgUnit"} {
			s, err := str(v, k, true)
			if err != nil {
				return fmt.Errorf("value %d: %w", i, err)
			}
			if !dhis2UID.MatchString(s) {
				return fmt.Errorf("dhis2: value %d: %s %q is not a DHIS2 id", i, k, s)
			}
		}
		if s, err := str(v, "categoryOptionCombo", false); err != nil || (s != "" && !dhis2UID.MatchString(s)) {
			return fmt.Errorf("dhis2: value %d: bad categoryOptionCombo", i)
		}
		p, err := str(v, "period", true)
		if err != nil || !dhis2Period.MatchString(p) {
			return fmt.Errorf("dhis2: value %d: bad period %q", i, p)
		}
		val, err := str(v, "value", true)
		if err != nil {
			return fmt.Errorf("value %d: %w", i, err)
		}
		if _, err := strconv.ParseFloat(val, 64); err != nil {
			return fmt.Errorf("dhis2: value %d: value %q is not a number", i, val)
		}
	}
	return nil
}

// ExportRow is one line of a CSV or XLSX export.
type ExportRow struct {
	Indicator, Name, Source, Category, Value, Numerator, Denominator, Note string
}

// Labeler names indicators and categories in the reader's language.
type Labeler func(id string) string

// ExportRows lays published figures out as rows: first each indicator,
// then each disaggregation category.
func ExportRows(figs []Figure, bds []Breakdown, t Labeler) []ExportRow {
	var rows []ExportRow
	for _, f := range figs {
		name := f.Name
		if !f.Custom {
			name = t(f.Name)
		}
		r := ExportRow{Indicator: f.ID, Name: name, Source: f.Def.Source}
		switch {
		case f.Suppressed:
			r.Note = t("programme.export.suppressed")
		case !f.HasValue:
			r.Note = t("programme.export.no_value")
		default:
			r.Value = formatValue(f)
			if f.HasParts {
				r.Numerator, r.Denominator = strconv.FormatInt(f.Num, 10), strconv.FormatInt(f.Den, 10)
			}
		}
		rows = append(rows, r)
	}
	for _, b := range bds {
		for _, c := range b.Rows {
			r := ExportRow{Indicator: breakdownKey(b.Dim, c.Key), Name: t("programme.ind.people_reached") + " — " + t("programme.dim."+b.Dim), Category: t("programme.cat." + c.Key)}
			if c.Suppressed {
				r.Note = t("programme.export.suppressed")
			} else {
				r.Value = strconv.FormatInt(c.N, 10)
			}
			rows = append(rows, r)
		}
	}
	return rows
}

// exportHeader is the first row of both exports.
func exportHeader(t Labeler) []string {
	return []string{"indicator", t("programme.export.name"), t("programme.export.source"), t("programme.export.category"),
		t("programme.export.value"), t("programme.export.numerator"), t("programme.export.denominator"), t("programme.export.note")}
}

func (r ExportRow) cells() []string {
	return []string{r.Indicator, r.Name, r.Source, r.Category, r.Value, r.Numerator, r.Denominator, r.Note}
}

// safeCell keeps a spreadsheet from reading a cell as a formula: a cell
// that starts with = + - @ (or a tab or carriage return) gets a leading
// apostrophe. Numbers are written as they are.
func safeCell(s string) string {
	if s == "" {
		return s
	}
	if _, err := strconv.ParseFloat(s, 64); err == nil {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

// WriteCSV writes the rows as CSV, with a title line naming the period.
func WriteCSV(w io.Writer, title string, rows []ExportRow, t Labeler) error {
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{safeCell(title)}); err != nil {
		return fmt.Errorf("programme: csv: %w", err)
	}
	if err := cw.Write(exportHeader(t)); err != nil {
		return fmt.Errorf("programme: csv: %w", err)
	}
	for _, r := range rows {
		cells := r.cells()
		for i := range cells {
			cells[i] = safeCell(cells[i])
		}
		if err := cw.Write(cells); err != nil {
			return fmt.Errorf("programme: csv: %w", err)
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteXLSX writes the rows as an XLSX workbook: numbers as numbers,
// text as text (so nothing is read as a formula).
func WriteXLSX(w io.Writer, title string, rows []ExportRow, t Labeler) error {
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "Sheet1"
	set := func(col, row int, v string, numeric bool) error {
		cell, err := excelize.CoordinatesToCellName(col, row)
		if err != nil {
			return err
		}
		if numeric && v != "" {
			if n, err := strconv.ParseFloat(v, 64); err == nil {
				return f.SetCellValue(sheet, cell, n)
			}
		}
		return f.SetCellStr(sheet, cell, v)
	}
	if err := set(1, 1, title, false); err != nil {
		return fmt.Errorf("programme: xlsx: %w", err)
	}
	for i, h := range exportHeader(t) {
		if err := set(i+1, 2, h, false); err != nil {
			return fmt.Errorf("programme: xlsx: %w", err)
		}
	}
	for j, r := range rows {
		for i, v := range r.cells() {
			if err := set(i+1, j+3, v, i >= 4 && i <= 6); err != nil {
				return fmt.Errorf("programme: xlsx: %w", err)
			}
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return fmt.Errorf("programme: xlsx: %w", err)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// jsonIndent returns an encoder that writes indented JSON, for the mapping
// shown in the settings form.
func jsonIndent(w io.Writer) *json.Encoder {
	e := json.NewEncoder(w)
	e.SetIndent("", "  ")
	return e
}
