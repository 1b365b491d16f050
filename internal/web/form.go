package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/sisterline/sisterline/internal/apperr"
)

// ParseForm reads a posted form, with a clear "invalid" error when it cannot.
func ParseForm(r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return apperr.New(apperr.Invalid, "error.invalid_form")
	}
	return nil
}

// UserError returns the coded error a form shows beside its fields, or nil
// when err goes to the frame instead (internal, not found).
func UserError(err error) *apperr.Error {
	ae, ok := apperr.As(err)
	if !ok || ae.Code == apperr.Internal || ae.Code == apperr.NotFound {
		return nil
	}
	return ae
}

// RenderForm renders page name with data and what was typed (values), and,
// when ae is set, its message at the top and its field messages beside the
// fields, with its status; otherwise status 200. Passphrases are never
// echoed back (see View.WithForm).
func (rd *Renderer) RenderForm(w http.ResponseWriter, r *http.Request, name string, data any, values url.Values, ae *apperr.Error) error {
	v := rd.NewView(r, data)
	status := http.StatusOK
	var fields map[string]string
	if ae != nil {
		status, fields = Status(ae.Code), ae.Fields
		v.Errors = []string{rd.catalog.Translate(v.Lang, ae.Message, ae.Data)}
	}
	v.WithForm(values, fields)
	return rd.Render(w, status, name, v)
}

// IdentifierRow is one row of a form's list of identifiers (a kind select
// and a value field, named kind_I and value_I), as the report form, the
// publish form and the alert correction form show them.
type IdentifierRow struct {
	I     int // index in the form
	N     int // number people read (I + 1)
	Kind  string
	Value string
}

// IdentifierRows reads a form's identifier rows, empty ones included, up to
// max rows.
func IdentifierRows(f url.Values, max int) []IdentifierRow {
	var rows []IdentifierRow
	for i := range max {
		k, kok := f[kindField(i)]
		v, vok := f[valueField(i)]
		if !kok && !vok {
			break
		}
		row := IdentifierRow{I: i, N: i + 1}
		if len(k) > 0 {
			row.Kind = k[0]
		}
		if len(v) > 0 {
			row.Value = v[0]
		}
		rows = append(rows, row)
	}
	return rows
}

// PadIdentifierRows adds empty rows (of kind, when set) until there are n,
// and never more than max.
func PadIdentifierRows(rows []IdentifierRow, n, max int, kind string) []IdentifierRow {
	n = min(n, max)
	for i := len(rows); i < n; i++ {
		rows = append(rows, IdentifierRow{I: i, N: i + 1, Kind: kind})
	}
	return rows
}

// SetIdentifierRow puts row i into form values, for a form filled from what
// is stored.
func SetIdentifierRow(v url.Values, i int, kind, value string) {
	v.Set(kindField(i), kind)
	v.Set(valueField(i), value)
}

func kindField(i int) string  { return "kind_" + strconv.Itoa(i) }
func valueField(i int) string { return "value_" + strconv.Itoa(i) }
