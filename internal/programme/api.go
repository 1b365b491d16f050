package programme

import (
	"bytes"
	"encoding/json"
	"net/http"

	"github.com/sisterline/sisterline/internal/apperr"
	"github.com/sisterline/sisterline/internal/web"
)

func (h *HTTP) apiIssueCode(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		AgeBand    string `json:"age_band"`
		Gender     string `json:"gender"`
		Setting    string `json:"setting"`
		NationalID string `json:"national_id"`
	}
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	c, err := h.svc.IssueCode(r.Context(), web.PrincipalFrom(r.Context()), CodeInput{AgeBand: in.AgeBand, Gender: in.Gender, Setting: in.Setting, NationalID: in.NationalID})
	if err != nil {
		return err
	}
	web.JSON(w, http.StatusCreated, map[string]any{"code": FormatCode(c.Code)})
	return nil
}

// participantsJSON reads training participants given as codes or as
// objects with scores.
type participantsJSON []Participant

func (p *participantsJSON) UnmarshalJSON(b []byte) error {
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	for _, m := range raw {
		m = bytes.TrimSpace(m)
		if len(m) > 0 && m[0] == '"' {
			var code string
			if err := json.Unmarshal(m, &code); err != nil {
				return err
			}
			*p = append(*p, Participant{Code: code})
			continue
		}
		var o struct {
			Code      string `json:"code"`
			PreScore  *int   `json:"pre_score"`
			PostScore *int   `json:"post_score"`
		}
		dec := json.NewDecoder(bytes.NewReader(m))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&o); err != nil {
			return err
		}
		*p = append(*p, Participant{Code: o.Code, PreScore: o.PreScore, PostScore: o.PostScore})
	}
	return nil
}

func (h *HTTP) apiActivity(w http.ResponseWriter, r *http.Request) error {
	return h.apiPutActivity(w, r, "")
}

// apiCorrectActivity replaces a record with the one sent, of the same kind.
func (h *HTTP) apiCorrectActivity(w http.ResponseWriter, r *http.Request) error {
	return h.apiPutActivity(w, r, r.PathValue("id"))
}

// apiPutActivity records the record sent (id "") or corrects record id.
func (h *HTTP) apiPutActivity(w http.ResponseWriter, r *http.Request, id string) error {
	var in struct {
		Kind         string           `json:"kind"`
		On           string           `json:"on"`
		Mode         string           `json:"mode"`
		MemberCodes  []string         `json:"member_codes"`
		Services     []string         `json:"services"`
		Condoms      int64            `json:"condoms"`
		Topic        string           `json:"topic"`
		Attendance   int64            `json:"attendance"`
		Title        string           `json:"title"`
		Modules      []string         `json:"modules"`
		Participants participantsJSON `json:"participants"`
	}
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	ctx, p := r.Context(), web.PrincipalFrom(r.Context())
	var err error
	switch in.Kind {
	case KindContact:
		id, err = h.svc.SaveContact(ctx, p, id, Contact{On: in.On, Mode: in.Mode, Codes: in.MemberCodes, Services: in.Services, Condoms: in.Condoms})
	case KindGroupSession:
		id, err = h.svc.SaveSession(ctx, p, id, Session{On: in.On, Topic: in.Topic, Attendance: in.Attendance})
	case KindTraining:
		id, err = h.svc.SaveTraining(ctx, p, id, Training{On: in.On, Title: in.Title, Modules: in.Modules, Participants: in.Participants, Attendance: in.Attendance})
	default:
		err = apperr.Field("kind", "programme.error.kind")
	}
	if err != nil {
		return err
	}
	status := http.StatusOK
	if r.Method == http.MethodPost {
		status = http.StatusCreated
	}
	web.JSON(w, status, map[string]any{"id": id})
	return nil
}

// activityJSON is a record as the API lists it: what the figures count,
// never who (a contact's people are a number).
type activityJSON struct {
	ID         string   `json:"id"`
	Kind       string   `json:"kind"`
	On         string   `json:"on"`
	Mode       string   `json:"mode,omitempty"`
	Services   []string `json:"services,omitempty"`
	Condoms    int64    `json:"condoms,omitempty"`
	Topic      string   `json:"topic,omitempty"`
	Title      string   `json:"title,omitempty"`
	Modules    []string `json:"modules,omitempty"`
	Attendance int64    `json:"attendance,omitempty"`
	People     int64    `json:"people"`
}

// apiActivities lists the organisation's records of a kind in a month, a
// page at a time, as the records page does.
func (h *HTTP) apiActivities(w http.ResponseWriter, r *http.Request) error {
	kind, month, page, err := h.recordsQuery(r.URL.Query())
	if err != nil {
		return err
	}
	p := web.PrincipalFrom(r.Context())
	rp, err := h.svc.Records(r.Context(), p, kind, month, page)
	if err != nil {
		return err
	}
	svcs, err := h.svc.Services(r.Context(), p)
	if err != nil {
		return err
	}
	out := make([]activityJSON, len(rp.Records))
	for i, a := range rp.Records {
		j := activityJSON{ID: a.ID, Kind: a.Kind, On: a.On, People: a.People}
		switch a.Kind {
		case KindContact:
			j.Mode, j.Services, j.Condoms = a.Mode, serviceKeys(svcs, a.Services), a.Condoms
		case KindGroupSession:
			j.Topic, j.Attendance = a.Title, a.Attendance
		case KindTraining:
			j.Title, j.Modules, j.Attendance = a.Title, a.Modules, a.Attendance
		}
		out[i] = j
	}
	web.JSON(w, http.StatusOK, map[string]any{"kind": kind, "month": month.From.Format(monthLayout), "page": rp.Page, "more": rp.More, "activities": out})
	return nil
}

// apiDeleteActivity deletes a record entered by mistake.
func (h *HTTP) apiDeleteActivity(w http.ResponseWriter, r *http.Request) error {
	if _, err := h.svc.DeleteRecord(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *HTTP) apiRefer(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		MemberCode string `json:"member_code"`
		On         string `json:"on"`
		Service    string `json:"service"`
		To         string `json:"to"`
	}
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	id, err := h.svc.Refer(r.Context(), web.PrincipalFrom(r.Context()), ReferralInput{Code: in.MemberCode, On: in.On, Service: in.Service, To: in.To})
	if err != nil {
		return err
	}
	web.JSON(w, http.StatusCreated, map[string]any{"id": id})
	return nil
}

func (h *HTTP) apiOutcome(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Status string `json:"status"`
		On     string `json:"on"`
	}
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	id := r.PathValue("id")
	if err := h.svc.RecordOutcome(r.Context(), web.PrincipalFrom(r.Context()), id, in.Status, in.On); err != nil {
		return err
	}
	web.JSON(w, http.StatusOK, map[string]any{"id": id, "status": in.Status, "on": in.On})
	return nil
}

// figureJSON is an indicator as the API shows it. Value is null when the
// figure is suppressed or has no value.
type figureJSON struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Source      string   `json:"source,omitempty"`
	Unit        string   `json:"unit"`
	Value       *float64 `json:"value"`
	Numerator   *int64   `json:"numerator,omitempty"`
	Denominator *int64   `json:"denominator,omitempty"`
	Suppressed  bool     `json:"suppressed"`
}

func (h *HTTP) figuresJSON(r *http.Request, figs []Figure) []figureJSON {
	v := h.rd.NewView(r, nil)
	out := make([]figureJSON, 0, len(figs))
	for _, f := range figs {
		j := figureJSON{ID: f.ID, Name: f.Name, Source: f.Def.Source, Unit: f.Def.Unit, Suppressed: f.Suppressed}
		if !f.Custom {
			j.Name = v.T(f.Name)
		}
		if f.HasValue && !f.Suppressed {
			val := f.Value
			j.Value = &val
		}
		if f.HasParts && !f.Suppressed {
			n, d := f.Num, f.Den
			j.Numerator, j.Denominator = &n, &d
		}
		out = append(out, j)
	}
	return out
}

func (h *HTTP) apiIndicators(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	p := web.PrincipalFrom(r.Context())
	per, err := Range(q.Get("from"), q.Get("to"))
	if err != nil {
		return err
	}
	var figs []Figure
	switch q.Get("scope") {
	case "network":
		rep, err := h.svc.Network(r.Context(), p, per)
		if err != nil {
			return err
		}
		figs = rep.Figures
	case "", "org":
		rep, err := h.svc.Figures(r.Context(), p, per)
		if err != nil {
			return err
		}
		figs = rep.Figures
	default:
		return apperr.Field("scope", "programme.error.scope")
	}
	web.JSON(w, http.StatusOK, map[string]any{"from": per.FromDay(), "to": per.ToDay(), "period": per.ID, "indicators": h.figuresJSON(r, figs)})
	return nil
}

func (h *HTTP) apiDHIS2(w http.ResponseWriter, r *http.Request) error {
	per, err := ParsePeriod(r.URL.Query().Get("period"))
	if err != nil {
		return err
	}
	figs, bds, st, err := h.svc.PublishedFigures(r.Context(), web.PrincipalFrom(r.Context()), per)
	if err != nil {
		return err
	}
	if st.DHIS2.OrgUnit == "" {
		return apperr.New(apperr.Invalid, "programme.error.dhis2_unset")
	}
	w.Header().Set("Content-Disposition", `attachment; filename="dataValueSets-`+per.ID+`.json"`)
	web.JSON(w, http.StatusOK, DHIS2(st.DHIS2, per, figs, bds))
	return nil
}
