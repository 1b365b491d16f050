package checkin

import (
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/sisterline/sisterline/internal/apperr"
	"github.com/sisterline/sisterline/internal/web"
)

// The check-in pages: start (two taps from home: "start", then a time),
// the running check-in with its countdown, "I'm safe", "+30 min" and "help
// now", her list and the staff's, buddies, her PIN, the admin's settings,
// and the two links messages carry (her "I'm safe" link, an outside
// buddy's link). Handlers decode the form, call the service and render;
// the rules are in service.go. Every page works without JavaScript; with it,
// countdown.js counts the time left down live and shows times in the
// phone's own time zone.

// pageRoutes registers the check-in pages.
func (h *HTTP) pageRoutes(rt *web.Router) {
	in := web.SignedIn()
	rt.Handle("GET /checkins", in, h.listPage)
	rt.Handle("GET /checkins/new", in, h.newPage)
	rt.Handle("POST /checkins/new", in, h.startPost)
	rt.Handle("GET /checkins/buddies", in, h.buddiesPage)
	rt.Handle("POST /checkins/buddies", in, h.invitePost)
	rt.Handle("POST /checkins/buddies/{user}/accept", in, h.acceptPost)
	rt.Handle("POST /checkins/buddies/{user}/remove", in, h.removePost)
	rt.Handle("GET /checkins/{id}", in, h.viewPage)
	rt.Handle("POST /checkins/{id}/safe", in, h.safePost)
	rt.Handle("POST /checkins/{id}/extend", in, h.extendPost)
	rt.Handle("POST /checkins/{id}/panic", in, h.panicPost)
	rt.Handle("POST /checkins/{id}/acknowledge", in, h.ackPost)
	rt.Handle("POST /checkins/{id}/close", web.Only(web.RoleOutreach, web.RoleModerator, web.RoleAdmin), h.closePost)
	rt.Handle("GET /settings/checkin", in, h.pinPage)
	rt.Handle("POST /settings/checkin", in, h.pinPost)
	rt.Handle("GET /admin/checkin", web.Only(web.RoleAdmin), h.adminPage)
	rt.Handle("POST /admin/checkin", web.Only(web.RoleAdmin), h.adminPost)
	// The links in messages: whoever holds the link, signed in or not. A
	// token is 52 random base32 characters; her PIN guards the safe link,
	// with tries limited per check-in.
	rt.Handle("GET /c/safe/{token}", web.Anyone(), h.safeLinkPage)
	rt.Handle("POST /c/safe/{token}", web.Anyone(), h.safeLinkPost)
	rt.Handle("GET /c/buddy/{token}", web.Anyone(), h.buddyLinkPage)
	rt.Handle("POST /c/buddy/{token}", web.Anyone(), h.buddyLinkPost)
}

// Presets are the durations offered as one-tap buttons, in minutes.
var Presets = []int{30, 60, 120}

// ExtendBy is what "extend" adds.
const ExtendBy = 30 * time.Minute

// Left is a span of time as pages say it ("38 min", "1 h 5 min"), and in
// whole seconds for the live countdown.
type Left struct {
	Text    string
	Seconds int64
}

func left(v *web.View, d time.Duration) Left {
	secs := int64(d / time.Second)
	switch {
	case d < time.Minute:
		return Left{Text: v.T("checkin.span.under_min"), Seconds: max(secs, 0)}
	case d < time.Hour:
		return Left{Text: v.T("checkin.span.min", "Count", int(d/time.Minute)), Seconds: secs}
	}
	if m := int(d % time.Hour / time.Minute); m > 0 {
		return Left{Text: v.T("checkin.span.h_min", "H", int(d/time.Hour), "M", m), Seconds: secs}
	}
	return Left{Text: v.T("checkin.span.h", "Count", int(d/time.Hour)), Seconds: secs}
}

// Moment is a time as pages show it: in UTC on the server, and in the
// phone's own time zone once countdown.js has run.
type Moment struct{ t time.Time }

// ISO is the time for a <time datetime> attribute.
func (m Moment) ISO() string { return m.t.UTC().Format(time.RFC3339) }

// Text is the time as written without JavaScript.
func (m Moment) Text() string { return m.t.UTC().Format("2006-01-02 15:04 UTC") }

// ago says how long ago t was, as a page says it.
func ago(v *web.View, now, t time.Time) string {
	return left(v, now.Sub(t)).Text
}

// Home is the home-page block for every signed-in user: a sister who needs
// her (she was alerted as a buddy), then her running check-in with the time
// left and "I'm safe", or the big "Start a check-in" button.
func (h *HTTP) Home(r *http.Request, v *web.View) (template.HTML, error) {
	ctx := r.Context()
	p := web.PrincipalFrom(ctx)
	calls, err := h.svc.Calls(ctx, p)
	if err != nil {
		return "", err
	}
	data := map[string]any{}
	var callViews []map[string]string
	for _, c := range calls {
		handle, err := h.svc.users.HandleOf(ctx, c.OwnerID)
		if err != nil {
			return "", err
		}
		callViews = append(callViews, map[string]string{"ID": c.ID, "Handle": handle})
	}
	data["Calls"] = callViews
	cur, err := h.svc.Current(ctx, p)
	if err != nil {
		return "", err
	}
	if cur != nil {
		hasPIN, _, err := h.svc.HasPIN(ctx, p)
		if err != nil {
			return "", err
		}
		now := h.svc.clock()
		data["Current"] = cur
		data["Left"] = left(v, cur.DueAt.Sub(now))
		data["Overdue"] = !cur.DueAt.After(now)
		data["HasPIN"] = hasPIN
	}
	return h.rd.Fragment("checkin/home", v, data)
}

// StalledWarning is the admins' home-page warning that no check-in
// scheduler has run for a while: deadlines pass and nobody is told.
func (h *HTTP) StalledWarning(r *http.Request, v *web.View, lastBeat time.Time) (template.HTML, error) {
	data := map[string]any{"Never": lastBeat.IsZero()}
	if !lastBeat.IsZero() {
		data["Ago"] = ago(v, h.svc.clock(), lastBeat)
	}
	return h.rd.Fragment("checkin/home_stalled", v, data)
}

// Start.

type buddyChoice struct {
	Handle string
}

func (h *HTTP) startData(r *http.Request) (map[string]any, error) {
	ctx := r.Context()
	p := web.PrincipalFrom(ctx)
	links, err := h.svc.Buddies(ctx, p)
	if err != nil {
		return nil, err
	}
	var choices []buddyChoice
	for _, l := range links {
		if l.Status == "accepted" && !l.Incoming && l.Handle != "" {
			choices = append(choices, buddyChoice{Handle: l.Handle})
		}
	}
	hasPIN, _, err := h.svc.HasPIN(ctx, p)
	if err != nil {
		return nil, err
	}
	return map[string]any{"Buddies": choices, "Presets": Presets, "HasPIN": hasPIN, "MaxNote": MaxNote}, nil
}

func (h *HTTP) newPage(w http.ResponseWriter, r *http.Request) error {
	p := web.PrincipalFrom(r.Context())
	if cur, err := h.svc.Current(r.Context(), p); err != nil {
		return err
	} else if cur != nil && r.URL.Query().Get("another") == "" {
		// One running check-in is what she needs to see, not a second form.
		web.Redirect(w, r, "/checkins/"+cur.ID)
		return nil
	}
	data, err := h.startData(r)
	if err != nil {
		return err
	}
	return h.rd.RenderForm(w, r, "checkin/new", data, nil, nil)
}

// startInput reads the start form: a preset button ("minutes" = 30, 60,
// 120) or "custom" with the minutes typed; the buddies ticked from her list
// and one phone number or e-mail address typed; her note.
func startInput(f url.Values) (Start, error) {
	var in Start
	mins := f.Get("minutes")
	if mins == "custom" || mins == "" {
		mins = strings.TrimSpace(f.Get("custom"))
		if mins == "" {
			return in, apperr.Field("custom", "checkin.error.custom_required")
		}
	}
	n, err := strconv.Atoi(mins)
	if err != nil || n < 1 || n > int(MaxDue/time.Minute) {
		return in, apperr.Field("custom", "checkin.error.due_in")
	}
	in.DueIn = time.Duration(n) * time.Minute
	for _, handle := range f["buddy"] {
		if handle = strings.TrimSpace(handle); handle != "" {
			in.Buddies = append(in.Buddies, BuddyIn{Handle: handle})
		}
	}
	if other := strings.TrimSpace(f.Get("other")); other != "" {
		if strings.Contains(other, "@") {
			in.Buddies = append(in.Buddies, BuddyIn{Email: other})
		} else {
			in.Buddies = append(in.Buddies, BuddyIn{Phone: other})
		}
	}
	in.Note = f.Get("note")
	return in, nil
}

func (h *HTTP) startPost(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	in, err := startInput(r.PostForm)
	var c Checkin
	if err == nil {
		c, err = h.svc.Start(r.Context(), web.PrincipalFrom(r.Context()), in)
	}
	if ae := web.UserError(err); ae != nil {
		// The service names the buddies field; on the page it is the typed
		// one (a ticked sister is on her list already).
		if m, ok := ae.Fields["buddies"]; ok {
			ae.Fields["other"] = m
		}
		if m, ok := ae.Fields["due_in"]; ok {
			ae.Fields["custom"] = m
		}
		data, derr := h.startData(r)
		if derr != nil {
			return derr
		}
		return h.rd.RenderForm(w, r, "checkin/new", data, r.PostForm, ae)
	}
	if err != nil {
		return err
	}
	web.Redirect(w, r, "/checkins/"+c.ID+"?done=flash.checkin_started")
	return nil
}

// The check-in page.

type buddyView struct {
	Name    string
	Outside bool
	Alerted bool
	Acked   bool
	Me      bool
}

type eventView struct {
	At   Moment
	Kind string
}

// viewData is what the check-in page shows its viewer: the owner, an
// alerted buddy or staff of her organisation.
func (h *HTTP) viewData(r *http.Request, v *web.View, id string) (map[string]any, error) {
	ctx := r.Context()
	p := web.PrincipalFrom(ctx)
	c, err := h.svc.Get(ctx, p, id)
	if err != nil {
		return nil, err
	}
	owner := c.OwnerID == p.UserID
	now := h.svc.clock()
	data := map[string]any{"C": c, "Owner": owner, "Due": Moment{c.DueAt}}
	handle, err := h.svc.users.HandleOf(ctx, c.OwnerID)
	if err != nil {
		return nil, err
	}
	data["Handle"] = handle
	var buddies []buddyView
	var mine *buddyView
	for _, b := range c.Buddies {
		bv := buddyView{Outside: b.UserID == "", Alerted: b.AlertedAt != nil, Acked: b.AckedAt != nil, Me: b.UserID == p.UserID}
		switch {
		case b.UserID != "":
			if bv.Name, err = h.svc.users.HandleOf(ctx, b.UserID); err != nil {
				return nil, err
			}
		case owner && b.Phone != "":
			bv.Name = maskMiddle(b.Phone, 3, 4)
		case owner:
			bv.Name = maskEmail(b.Email)
		}
		buddies = append(buddies, bv)
		if bv.Me {
			cp := bv
			mine = &cp
		}
	}
	data["Buddies"] = buddies
	data["MyBuddy"] = mine
	var events []eventView
	for _, e := range c.Events {
		events = append(events, eventView{At: Moment{e.At}, Kind: e.Kind})
	}
	data["Events"] = events
	data["Staff"] = !owner && c.OrgID == p.OrgID && p.Role.IsStaff()
	if owner {
		hasPIN, _, err := h.svc.HasPIN(ctx, p)
		if err != nil {
			return nil, err
		}
		data["HasPIN"] = hasPIN
		data["Left"] = left(v, c.DueAt.Sub(now))
		data["Overdue"] = !c.DueAt.After(now)
		data["CanExtend"] = c.Status == StatusActive || c.Status == StatusOverdue
		data["CanPanic"] = c.Open() && !hasEvent(c, EventStaffAlerted)
		if c.NextAt != nil && c.NextStep != stepRemind {
			data["NextIn"] = left(v, c.NextAt.Sub(now))
			data["NextStep"] = c.NextStep
		}
	}
	data["CanClose"] = data["Staff"] == true && c.EndedAt == nil && c.Status == StatusEscalated
	return data, nil
}

func (h *HTTP) viewPage(w http.ResponseWriter, r *http.Request) error {
	return h.viewWith(w, r, nil)
}

// viewWith renders the check-in page, with the error of a failed form.
func (h *HTTP) viewWith(w http.ResponseWriter, r *http.Request, ae *apperr.Error) error {
	v := h.rd.NewView(r, nil)
	data, err := h.viewData(r, v, r.PathValue("id"))
	if err != nil {
		return err
	}
	v.Data = data
	status := http.StatusOK
	var fields map[string]string
	if ae != nil {
		status, fields = web.Status(ae.Code), ae.Fields
		v.Errors = []string{v.T(ae.Message)}
	}
	v.WithForm(nil, fields)
	return h.rd.Render(w, status, "checkin/checkin", v)
}

// after answers a change to a check-in: back to its page with a flash, or
// the page again with the error.
func (h *HTTP) after(w http.ResponseWriter, r *http.Request, err error, flash string) error {
	if ae := web.UserError(err); ae != nil {
		return h.viewWith(w, r, ae)
	}
	if err != nil {
		return err
	}
	web.Redirect(w, r, "/checkins/"+r.PathValue("id")+"?done="+flash)
	return nil
}

func (h *HTTP) safePost(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	_, err := h.svc.Safe(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"), r.PostForm.Get("pin"))
	return h.after(w, r, err, "flash.checkin_safe")
}

func (h *HTTP) extendPost(w http.ResponseWriter, r *http.Request) error {
	_, err := h.svc.Extend(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"), ExtendBy)
	return h.after(w, r, err, "flash.checkin_extended")
}

func (h *HTTP) panicPost(w http.ResponseWriter, r *http.Request) error {
	_, err := h.svc.Panic(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"))
	return h.after(w, r, err, "flash.checkin_panic")
}

func (h *HTTP) ackPost(w http.ResponseWriter, r *http.Request) error {
	err := h.svc.Acknowledge(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"))
	return h.after(w, r, err, "flash.checkin_acknowledged")
}

func (h *HTTP) closePost(w http.ResponseWriter, r *http.Request) error {
	err := h.svc.Close(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"))
	return h.after(w, r, err, "flash.checkin_closed")
}

// Lists.

type listItem struct {
	C       Checkin
	Handle  string
	Acked   int
	Due     Moment
	Created Moment
}

func (h *HTTP) listPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p := web.PrincipalFrom(ctx)
	mine, err := h.svc.Mine(ctx, p)
	if err != nil {
		return err
	}
	var mineItems []listItem
	for _, c := range mine {
		mineItems = append(mineItems, listItem{C: c, Due: Moment{c.DueAt}, Created: Moment{c.CreatedAt}})
	}
	data := map[string]any{"Mine": mineItems}
	withHandles := func(list []Checkin) ([]listItem, error) {
		out := make([]listItem, 0, len(list))
		for _, c := range list {
			handle, err := h.svc.users.HandleOf(ctx, c.OwnerID)
			if err != nil {
				return nil, err
			}
			item := listItem{C: c, Handle: handle, Due: Moment{c.DueAt}, Created: Moment{c.CreatedAt}}
			for _, b := range c.Buddies {
				if b.AckedAt != nil {
					item.Acked++
				}
			}
			out = append(out, item)
		}
		return out, nil
	}
	called, err := h.svc.ForBuddy(ctx, p)
	if err != nil {
		return err
	}
	if data["Called"], err = withHandles(called); err != nil {
		return err
	}
	if p.Role.IsStaff() {
		esc, err := h.svc.Escalated(ctx, p)
		if err != nil {
			return err
		}
		if data["Escalated"], err = withHandles(esc); err != nil {
			return err
		}
	}
	return h.rd.RenderForm(w, r, "checkin/list", data, nil, nil)
}

// Buddies.

func (h *HTTP) buddiesData(r *http.Request) (map[string]any, error) {
	links, err := h.svc.Buddies(r.Context(), web.PrincipalFrom(r.Context()))
	if err != nil {
		return nil, err
	}
	var accepted, incoming, outgoing []Link
	for _, l := range links {
		switch {
		case l.Handle == "":
			// a sister who deleted her account
		case l.Incoming:
			incoming = append(incoming, l)
		case l.Status == "accepted":
			accepted = append(accepted, l)
		default:
			outgoing = append(outgoing, l)
		}
	}
	return map[string]any{"Accepted": accepted, "Incoming": incoming, "Outgoing": outgoing}, nil
}

func (h *HTTP) buddiesPage(w http.ResponseWriter, r *http.Request) error {
	data, err := h.buddiesData(r)
	if err != nil {
		return err
	}
	return h.rd.RenderForm(w, r, "checkin/buddies", data, nil, nil)
}

func (h *HTTP) invitePost(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	err := h.svc.InviteBuddy(r.Context(), web.PrincipalFrom(r.Context()), r.PostForm.Get("handle"))
	if ae := web.UserError(err); ae != nil {
		data, derr := h.buddiesData(r)
		if derr != nil {
			return derr
		}
		return h.rd.RenderForm(w, r, "checkin/buddies", data, r.PostForm, ae)
	}
	if err != nil {
		return err
	}
	web.Redirect(w, r, "/checkins/buddies?done=flash.checkin_buddy_invited")
	return nil
}

func (h *HTTP) acceptPost(w http.ResponseWriter, r *http.Request) error {
	if err := h.svc.AcceptBuddy(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("user")); err != nil {
		return err
	}
	web.Redirect(w, r, "/checkins/buddies?done=flash.checkin_buddy_accepted")
	return nil
}

func (h *HTTP) removePost(w http.ResponseWriter, r *http.Request) error {
	if err := h.svc.RemoveBuddy(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("user")); err != nil {
		return err
	}
	web.Redirect(w, r, "/checkins/buddies?done=flash.checkin_buddy_removed")
	return nil
}

// Her PIN.

func (h *HTTP) pinData(r *http.Request) (map[string]any, error) {
	ctx := r.Context()
	p := web.PrincipalFrom(ctx)
	pin, duress, err := h.svc.HasPIN(ctx, p)
	if err != nil {
		return nil, err
	}
	set, err := h.svc.OrgSettings(ctx, p)
	if err != nil {
		return nil, err
	}
	return map[string]any{"HasPIN": pin, "HasDuress": duress, "DuressEnabled": set.DuressEnabled}, nil
}

func (h *HTTP) pinPage(w http.ResponseWriter, r *http.Request) error {
	data, err := h.pinData(r)
	if err != nil {
		return err
	}
	return h.rd.RenderForm(w, r, "checkin/settings", data, nil, nil)
}

func (h *HTTP) pinPost(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	ctx := r.Context()
	p := web.PrincipalFrom(ctx)
	data, err := h.pinData(r)
	if err != nil {
		return err
	}
	f := r.PostForm
	if f.Get("action") == "clear" {
		if err := h.svc.SetPIN(ctx, p, "", ""); err != nil {
			return err
		}
		web.Redirect(w, r, "/settings/checkin?done=flash.checkin_pin_removed")
		return nil
	}
	pin, duress := strings.TrimSpace(f.Get("pin")), ""
	if data["DuressEnabled"] == true {
		duress = strings.TrimSpace(f.Get("duress"))
	}
	switch {
	case pin == "":
		err = apperr.Field("pin", "error.required")
	case pin != strings.TrimSpace(f.Get("pin2")):
		err = apperr.Field("pin2", "checkin.error.pin_mismatch")
	default:
		err = h.svc.SetPIN(ctx, p, pin, duress)
	}
	if ae := web.UserError(err); ae != nil {
		// PINs are never written back into the page.
		return h.rd.RenderForm(w, r, "checkin/settings", data, nil, ae)
	}
	if err != nil {
		return err
	}
	web.Redirect(w, r, "/settings/checkin?done=flash.checkin_pin_saved")
	return nil
}

// The admin's settings.

func (h *HTTP) adminData(r *http.Request) (map[string]any, error) {
	ctx := r.Context()
	p := web.PrincipalFrom(ctx)
	set, err := h.svc.OrgSettings(ctx, p)
	if err != nil {
		return nil, err
	}
	started, safe, escalated, err := h.svc.Counts(ctx, p)
	if err != nil {
		return nil, err
	}
	beat, err := h.svc.Heartbeat(ctx)
	if err != nil {
		return nil, err
	}
	data := map[string]any{
		"GraceMinutes": int(set.Grace / time.Minute), "Duress": set.DuressEnabled,
		"Started": started, "Safe": safe, "Escalated": escalated,
		"BeatNever": beat.IsZero(),
	}
	if !beat.IsZero() {
		data["BeatAt"] = Moment{beat}
	}
	return data, nil
}

func (h *HTTP) adminPage(w http.ResponseWriter, r *http.Request) error {
	data, err := h.adminData(r)
	if err != nil {
		return err
	}
	return h.rd.RenderForm(w, r, "checkin/admin", data, nil, nil)
}

func (h *HTTP) adminPost(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	ctx := r.Context()
	f := r.PostForm
	mins, err := strconv.Atoi(strings.TrimSpace(f.Get("grace")))
	if err != nil {
		err = apperr.Field("grace", "checkin.error.grace")
	} else {
		err = h.svc.SetOrgSettings(ctx, web.PrincipalFrom(ctx), OrgSettings{Grace: time.Duration(mins) * time.Minute, DuressEnabled: f.Get("duress") == "on"})
	}
	if ae := web.UserError(err); ae != nil {
		data, derr := h.adminData(r)
		if derr != nil {
			return derr
		}
		return h.rd.RenderForm(w, r, "checkin/admin", data, f, ae)
	}
	if err != nil {
		return err
	}
	web.Redirect(w, r, "/admin/checkin?done=flash.checkin_settings_saved")
	return nil
}

// The links in messages.

func (h *HTTP) safeLinkPage(w http.ResponseWriter, r *http.Request) error {
	return h.safeLinkWith(w, r, nil)
}

func (h *HTTP) safeLinkWith(w http.ResponseWriter, r *http.Request, ae *apperr.Error) error {
	info, err := h.svc.CheckinByLink(r.Context(), r.PathValue("token"))
	if err != nil {
		return err
	}
	return h.rd.RenderForm(w, r, "checkin/link_safe", info, nil, ae)
}

func (h *HTTP) safeLinkPost(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	token := r.PathValue("token")
	_, err := h.svc.SafeByLink(r.Context(), token, r.PostForm.Get("pin"))
	if ae := web.UserError(err); ae != nil {
		return h.safeLinkWith(w, r, ae)
	}
	if err != nil {
		return err
	}
	web.Redirect(w, r, SafeLinkPath(token)+"?done=flash.checkin_safe")
	return nil
}

func (h *HTTP) buddyLinkPage(w http.ResponseWriter, r *http.Request) error {
	bl, err := h.svc.BuddyView(r.Context(), r.PathValue("token"))
	if err != nil {
		return err
	}
	return h.rd.RenderForm(w, r, "checkin/link_buddy", bl, nil, nil)
}

func (h *HTTP) buddyLinkPost(w http.ResponseWriter, r *http.Request) error {
	token := r.PathValue("token")
	if err := h.svc.AcknowledgeByLink(r.Context(), token); err != nil {
		return err
	}
	web.Redirect(w, r, BuddyLinkPath(token)+"?done=flash.checkin_acknowledged")
	return nil
}

// maskMiddle hides the middle of s, so a glance over her shoulder does not
// read her buddy's number.
func maskMiddle(s string, head, tail int) string {
	n := utf8.RuneCountInString(s)
	if n <= head+tail {
		return strings.Repeat("•", n)
	}
	rs := []rune(s)
	return string(rs[:head]) + strings.Repeat("•", n-head-tail) + string(rs[n-tail:])
}

func maskEmail(s string) string {
	local, domain, ok := strings.Cut(s, "@")
	if !ok {
		return maskMiddle(s, 1, 1)
	}
	return maskMiddle(local, 1, 1) + "@" + domain
}
