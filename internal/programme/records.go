package programme

import (
	"cmp"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/sisterline/sisterline/internal/apperr"
	"github.com/sisterline/sisterline/internal/web"
)

// The pages that find, correct and delete records: contacts, group sessions
// and trainings. Each kind is entered on its own page, whose "latest
// saved" list links to its records; the records list finds older ones,
// month by month. A correction or deletion started from the list goes
// back to the same page of it.

// recordKind is how the pages handle one kind of record.
type recordKind struct {
	template string // its form
	page     string // where it is entered, with the "latest saved" list
	saved    string // the flash once a new one is saved
	data     func(h *HTTP, r *http.Request) pageData
	// values is a record as its form shows it, to be corrected.
	values func(RecordForm) url.Values
	// save reads the form posted and records it, or corrects record id.
	save func(h *HTTP, r *http.Request, id string) error
}

var recordKinds = map[string]recordKind{
	KindContact: {
		template: "programme/contact", page: "/programme/contacts/new", saved: "flash.programme.contact_saved",
		data: (*HTTP).contactData, values: contactValues, save: (*HTTP).saveContact,
	},
	KindGroupSession: {
		template: "programme/session", page: "/programme/sessions/new", saved: "flash.programme.session_saved",
		data: (*HTTP).sessionData, values: sessionValues, save: (*HTTP).saveSession,
	},
	KindTraining: {
		template: "programme/training", page: "/programme/trainings/new", saved: "flash.programme.training_saved",
		data: (*HTTP).trainingData, values: trainingValues, save: (*HTTP).saveTraining,
	},
}

// monthLayout is how a month is written in the records list's address and
// in its month field (an HTML month input).
const monthLayout = "2006-01"

// recordsURL is the address of a page of the records list.
func recordsURL(kind string, month Period, page int) string {
	q := url.Values{"kind": {kind}, "month": {month.From.Format(monthLayout)}}
	if page > 1 {
		q.Set("page", strconv.Itoa(page))
	}
	return "/programme/records?" + q.Encode()
}

// recordsQuery reads the records list's kind (contacts when none), month
// (this month when none) and page from its address. A month that is not
// one is a field error, with this month in its place.
func (h *HTTP) recordsQuery(q url.Values) (kind string, month Period, page int, err error) {
	kind = cmp.Or(q.Get("kind"), KindContact)
	month = Month(h.svc.Today())
	if m := q.Get("month"); m != "" {
		t, perr := time.Parse(monthLayout, m)
		if perr != nil || t.Year() < 2000 || t.Year() > 2200 {
			err = apperr.Field("month", "programme.error.month")
		} else {
			month = Month(t)
		}
	}
	page, _ = strconv.Atoi(q.Get("page")) // Records keeps it in range
	return kind, month, page, err
}

// backTo reads where a correction or deletion was started: a page of the
// records list, rebuilt from its checked kind, month and page, or the
// record's own page when raw is anything else.
func (h *HTTP) backTo(raw, kind string) string {
	u, err := url.Parse(raw)
	if err == nil && u.Scheme == "" && u.Host == "" && u.Path == "/programme/records" {
		if k, month, page, err := h.recordsQuery(u.Query()); err == nil && recordKinds[k].page != "" {
			return recordsURL(k, month, page)
		}
	}
	return recordKinds[kind].page
}

// withDone adds a flash to an address.
func withDone(to, flash string) string {
	sep := "?"
	if u, err := url.Parse(to); err == nil && u.RawQuery != "" {
		sep = "&"
	}
	return to + sep + "done=" + url.QueryEscape(flash)
}

// recordsPage lists the organisation's records of a kind in a month, each
// with links to correct and delete it.
func (h *HTTP) recordsPage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	kind, month, page, qerr := h.recordsQuery(q)
	rp, err := h.svc.Records(r.Context(), web.PrincipalFrom(r.Context()), kind, month, page)
	if err != nil {
		return err
	}
	v := h.rd.NewView(r, nil)
	status := http.StatusOK
	if ae, ok := apperr.As(qerr); ok {
		v = v.WithForm(q, ae.Fields)
		status = web.Status(ae.Code)
	}
	kinds := make([]map[string]any, len(ActivityKinds()))
	for i, k := range ActivityKinds() {
		kinds[i] = map[string]any{"Kind": k, "URL": recordsURL(k, month, 1), "Current": k == kind}
	}
	d := map[string]any{
		"List": rp, "Kinds": kinds, "Month": month.From.Format(monthLayout), "Max": Month(h.svc.Today()).From.Format(monthLayout),
		"Here": recordsURL(kind, month, rp.Page), "Entry": recordKinds[kind].page,
	}
	if rp.Page > 1 {
		d["Newer"] = recordsURL(kind, month, rp.Page-1)
	}
	if rp.More {
		d["Older"] = recordsURL(kind, month, rp.Page+1)
	}
	v.Data = d
	return h.rd.Render(w, status, "programme/records", v)
}

// saveRecord saves the record form posted: a new record when id is "",
// else a correction of record id. A problem shows the form again, with
// everything typed.
func (h *HTTP) saveRecord(w http.ResponseWriter, r *http.Request, kind, id string) error {
	if err := h.parseForm(r); err != nil {
		return err
	}
	k := recordKinds[kind]
	back := h.backTo(r.PostForm.Get("back"), kind)
	if err := k.save(h, r, id); err != nil {
		return h.formError(w, r, k.template, editing(k.data(h, r), id, back), err)
	}
	if id == "" {
		web.Redirect(w, r, withDone(k.page, k.saved))
		return nil
	}
	web.Redirect(w, r, withDone(back, "flash.programme.record_corrected"))
	return nil
}

// editing adds to a record form's data the id of the record it corrects,
// if any, and where to go back to: the form then posts to the record, says
// it corrects it, and leaves out the "latest saved" list.
func editing(data pageData, id, back string) pageData {
	if id == "" {
		return data
	}
	return func(v *web.View) (any, error) {
		d, err := data(v)
		if m, ok := d.(map[string]any); ok {
			m["Edit"] = id
			m["BackTo"] = back
			delete(m, "Recent")
		}
		return d, err
	}
}

// recordEditPage opens a record in its form, filled in, to correct a wrong
// detail without deleting it.
func (h *HTTP) recordEditPage(w http.ResponseWriter, r *http.Request) error {
	rf, err := h.svc.RecordForm(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	k := recordKinds[rf.Kind]
	v := h.rd.NewView(r, nil).WithForm(k.values(rf), nil)
	if v.Data, err = editing(k.data(h, r), rf.ID, h.backTo(r.URL.Query().Get("back"), rf.Kind))(v); err != nil {
		return err
	}
	return h.rd.Render(w, http.StatusOK, k.template, v)
}

// recordEdit saves the corrected record.
func (h *HTTP) recordEdit(w http.ResponseWriter, r *http.Request) error {
	a, err := h.svc.Record(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	return h.saveRecord(w, r, a.Kind, a.ID)
}

// recordDeletePage asks whether to delete a record (a tap on a small
// screen is easily a wrong one).
func (h *HTTP) recordDeletePage(w http.ResponseWriter, r *http.Request) error {
	a, err := h.svc.Record(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	return h.page(w, r, "programme/delete", func(*web.View) (any, error) {
		return map[string]any{"Record": a, "Back": h.backTo(r.URL.Query().Get("back"), a.Kind)}, nil
	})
}

// recordDelete deletes the record and goes back to where it was found.
func (h *HTTP) recordDelete(w http.ResponseWriter, r *http.Request) error {
	if err := h.parseForm(r); err != nil {
		return err
	}
	kind, err := h.svc.DeleteRecord(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	web.Redirect(w, r, withDone(h.backTo(r.PostForm.Get("back"), kind), "flash.programme.record_deleted"))
	return nil
}
