package checkin

import (
	"net/http"
	"time"

	"github.com/sisterline/sisterline/internal/apperr"
	"github.com/sisterline/sisterline/internal/web"
)

type eventJSON struct {
	At   string `json:"at"`
	Kind string `json:"kind"`
}

type buddyJSON struct {
	Handle       string `json:"handle,omitempty"`
	Outside      bool   `json:"outside,omitempty"`
	Alerted      bool   `json:"alerted"`
	Acknowledged bool   `json:"acknowledged"`
}

type checkinJSON struct {
	ID      string      `json:"id"`
	Status  string      `json:"status"`
	DueAt   string      `json:"due_at"`
	Note    string      `json:"note,omitempty"`
	Events  []eventJSON `json:"events"`
	Buddies []buddyJSON `json:"buddies"`
}

func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func (h *HTTP) toJSON(r *http.Request, c Checkin) checkinJSON {
	out := checkinJSON{ID: c.ID, Status: c.Status, DueAt: rfc3339(c.DueAt), Note: c.Note, Events: []eventJSON{}, Buddies: []buddyJSON{}}
	for _, e := range c.Events {
		out.Events = append(out.Events, eventJSON{At: rfc3339(e.At), Kind: e.Kind})
	}
	for _, b := range c.Buddies {
		bj := buddyJSON{Alerted: b.AlertedAt != nil, Acknowledged: b.AckedAt != nil, Outside: b.UserID == ""}
		if b.UserID != "" {
			bj.Handle, _ = h.svc.users.HandleOf(r.Context(), b.UserID)
		}
		out.Buddies = append(out.Buddies, bj)
	}
	return out
}

// parseDue reads a duration like "45m" or "1h30m"; a bare number is minutes.
func parseDue(s string) (time.Duration, error) {
	if d, err := time.ParseDuration(s); err == nil {
		return d, nil
	}
	var mins int
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0, apperr.Field("due_in", "checkin.error.due_in")
		}
		mins = mins*10 + int(r-'0')
		if mins > 100000 {
			return 0, apperr.Field("due_in", "checkin.error.due_in")
		}
	}
	if s == "" {
		return 0, apperr.Field("due_in", "error.required")
	}
	return time.Duration(mins) * time.Minute, nil
}

func (h *HTTP) apiStart(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		DueIn   string    `json:"due_in"`
		Buddies []BuddyIn `json:"buddies"`
		Note    string    `json:"note"`
	}
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	due, err := parseDue(in.DueIn)
	if err != nil {
		return err
	}
	c, err := h.svc.Start(r.Context(), web.PrincipalFrom(r.Context()), Start{DueIn: due, Buddies: in.Buddies, Note: in.Note})
	if err != nil {
		return err
	}
	web.JSON(w, http.StatusCreated, map[string]string{"id": c.ID, "status": c.Status, "due_at": rfc3339(c.DueAt)})
	return nil
}

func (h *HTTP) apiGet(w http.ResponseWriter, r *http.Request) error {
	c, err := h.svc.Get(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	web.JSON(w, http.StatusOK, h.toJSON(r, c))
	return nil
}

// pinBody is an optional {"pin": "..."} body.
func pinBody(r *http.Request) (string, error) {
	var in struct {
		PIN string `json:"pin"`
	}
	if r.ContentLength == 0 {
		return "", nil
	}
	if err := web.DecodeJSON(r, &in); err != nil {
		return "", err
	}
	return in.PIN, nil
}

func (h *HTTP) apiSafe(w http.ResponseWriter, r *http.Request) error {
	pin, err := pinBody(r)
	if err != nil {
		return err
	}
	c, err := h.svc.Safe(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"), pin)
	if err != nil {
		return err
	}
	web.JSON(w, http.StatusOK, map[string]string{"id": c.ID, "status": c.Status})
	return nil
}

func (h *HTTP) apiPanic(w http.ResponseWriter, r *http.Request) error {
	c, err := h.svc.Panic(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	web.JSON(w, http.StatusOK, map[string]string{"id": c.ID, "status": c.Status})
	return nil
}

func (h *HTTP) apiExtend(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		By string `json:"by"`
	}
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	by, err := parseDue(in.By)
	if err != nil {
		return err
	}
	c, err := h.svc.Extend(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"), by)
	if err != nil {
		return err
	}
	web.JSON(w, http.StatusOK, map[string]string{"id": c.ID, "status": c.Status, "due_at": rfc3339(c.DueAt)})
	return nil
}

func (h *HTTP) apiAck(w http.ResponseWriter, r *http.Request) error {
	if err := h.svc.Acknowledge(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
