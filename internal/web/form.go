package web

import (
	"net/http"
	"net/url"

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
