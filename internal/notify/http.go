package notify

import (
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"slices"
	"time"

	"github.com/sisterline/sisterline/internal/apperr"
	"github.com/sisterline/sisterline/internal/web"
)

//go:embed templates locales static
var files embed.FS

// Files are the capability's templates, messages and scripts.
func Files() fs.FS { return files }

// HTTP is the capability's pages and JSON API.
type HTTP struct {
	svc *Service
	rd  *web.Renderer
}

// NewHTTP returns the handlers over svc.
func NewHTTP(svc *Service, rd *web.Renderer) *HTTP { return &HTTP{svc: svc, rd: rd} }

// Routes registers the capability's routes.
func (h *HTTP) Routes(rt *web.Router) {
	admin := web.Only(web.RoleAdmin)

	rt.Handle("POST /api/v1/notifications/test", web.SignedIn(), h.apiTest)
	rt.Handle("GET /api/v1/notifications/push-key", web.SignedIn(), h.apiPushKey)
	rt.Handle("POST /api/v1/push-subscriptions", web.SignedIn(), h.apiSubscribe)
	rt.Handle("GET /api/v1/notifications/status", admin, h.apiStatus)

	rt.Handle("GET /settings/notifications", web.SignedIn(), h.settingsPage)
	rt.Handle("POST /settings/notifications/phone", web.SignedIn(), h.addPhone)
	rt.Handle("POST /settings/notifications/email", web.SignedIn(), h.addEmail)
	rt.Handle("POST /settings/notifications/{id}/kinds", web.SignedIn(), h.setKinds)
	rt.Handle("POST /settings/notifications/{id}/delete", web.SignedIn(), h.removeAddress)
	rt.Handle("POST /settings/notifications/test", web.SignedIn(), h.sendTest)

	rt.Handle("GET /admin/notifications", admin, h.adminPage)
	rt.Handle("POST /admin/notifications/oncall", admin, h.addOnCall)
	rt.Handle("POST /admin/notifications/oncall/{user}/delete", admin, h.removeOnCall)
	rt.Handle("POST /admin/notifications/texts", admin, h.setTexts)

	// Web push needs a script to subscribe and a service worker to show
	// the notification; the worker does nothing else (no fetch handler, no
	// cache), so nothing of a page is ever kept on the phone.
	rt.HandleRaw("GET /push.js", script("static/push.js"))
	rt.HandleRaw("GET /push-sw.js", script("static/push-sw.js"))
}

func script(name string) http.Handler {
	body, err := fs.ReadFile(files, name)
	if err != nil {
		panic("notify: missing " + name)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		_, _ = w.Write(body)
	})
}

// HomeBanner is the admin home page's warning about deliveries given up; it
// is empty when there are none.
func (h *HTTP) HomeBanner(r *http.Request, v *web.View) (template.HTML, error) {
	p := web.PrincipalFrom(r.Context())
	n, err := h.svc.FailedRecently(r.Context(), p.OrgID)
	if err != nil || n == 0 {
		return "", err
	}
	return h.rd.Fragment("notify/home_failed", v, map[string]any{"Count": n})
}

// The JSON API.

func (h *HTTP) apiTest(w http.ResponseWriter, r *http.Request) error {
	res, err := h.svc.SendTest(r.Context(), web.PrincipalFrom(r.Context()))
	if err != nil {
		return err
	}
	web.JSON(w, http.StatusAccepted, res)
	return nil
}

func (h *HTTP) apiPushKey(w http.ResponseWriter, r *http.Request) error {
	web.JSON(w, http.StatusOK, map[string]string{"key": h.svc.VAPIDPublicKey()})
	return nil
}

func (h *HTTP) apiSubscribe(w http.ResponseWriter, r *http.Request) error {
	var in Subscription
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	raw, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("notify: encode subscription: %w", err)
	}
	a, err := h.svc.AddAddress(r.Context(), web.PrincipalFrom(r.Context()), ChannelPush, string(raw), nil)
	if ae, ok := apperr.As(err); ok && ae.Fields["subscription"] == "notify.error.address_taken" {
		// This browser subscribed before: nothing to add.
		web.JSON(w, http.StatusOK, map[string]any{"existing": true})
		return nil
	}
	if err != nil {
		return err
	}
	web.JSON(w, http.StatusCreated, map[string]any{"id": a.ID, "kinds": a.Groups})
	return nil
}

func (h *HTTP) apiStatus(w http.ResponseWriter, r *http.Request) error {
	rep, err := h.svc.DeliveryReport(r.Context(), web.PrincipalFrom(r.Context()))
	if err != nil {
		return err
	}
	type channel struct {
		Channel  ChannelName `json:"channel"`
		Sent     int         `json:"sent"`
		Waiting  int         `json:"waiting"`
		Retrying int         `json:"retrying"`
		Failed   int         `json:"failed"`
	}
	type failure struct {
		ID        string      `json:"id"`
		Kind      Kind        `json:"kind"`
		Channel   ChannelName `json:"channel"`
		Attempts  int         `json:"attempts"`
		Error     string      `json:"error"`
		CreatedAt time.Time   `json:"created_at"`
		FailedAt  time.Time   `json:"failed_at"`
	}
	out := struct {
		Since    time.Time `json:"since"`
		Channels []channel `json:"channels"`
		Failures []failure `json:"failures"`
	}{Since: rep.Since, Channels: []channel{}, Failures: []failure{}}
	for _, c := range rep.Channels {
		out.Channels = append(out.Channels, channel(c))
	}
	for _, f := range rep.Failures {
		out.Failures = append(out.Failures, failure{f.MessageID, f.Kind, f.Channel, f.Attempts, f.LastError, f.CreatedAt, f.FailedAt})
	}
	web.JSON(w, http.StatusOK, out)
	return nil
}

// The settings page.

// addressView is one address as the settings page lists it.
type addressView struct {
	ID      string
	Channel ChannelName
	Display string
	Groups  []Group
	Added   time.Time
}

// Has reports whether the address receives group g.
func (a addressView) Has(g Group) bool { return slices.Contains(a.Groups, g) }

type settingsData struct {
	Addresses []addressView
	Groups    []Group
	SMS       bool
	Email     bool
	Push      bool
	PushKey   string
}

func (h *HTTP) settingsData(r *http.Request) (settingsData, error) {
	p := web.PrincipalFrom(r.Context())
	addrs, err := h.svc.Addresses(r.Context(), p)
	if err != nil {
		return settingsData{}, err
	}
	d := settingsData{
		Groups: GroupsFor(p.Role),
		SMS:    h.svc.Enabled(ChannelSMS), Email: h.svc.Enabled(ChannelEmail), Push: h.svc.Enabled(ChannelPush),
		PushKey: h.svc.VAPIDPublicKey(),
	}
	for _, a := range addrs {
		d.Addresses = append(d.Addresses, addressView{ID: a.ID, Channel: a.Channel, Display: a.Display(), Groups: a.Groups, Added: a.CreatedAt})
	}
	return d, nil
}

func (h *HTTP) settingsPage(w http.ResponseWriter, r *http.Request) error {
	d, err := h.settingsData(r)
	if err != nil {
		return err
	}
	return h.rd.Page(w, r, "notify/settings", d)
}

// formError re-renders page with the error's message by its field and what
// was typed, or passes an error that is not about the form on.
func (h *HTTP) formError(w http.ResponseWriter, r *http.Request, page string, data any, err error) error {
	ae, ok := apperr.As(err)
	if !ok || ae.Code == apperr.Internal || ae.Code == apperr.NotFound {
		return err
	}
	v := h.rd.NewView(r, data).WithForm(r.PostForm, ae.Fields)
	v.Errors = []string{v.T(ae.Message)}
	return h.rd.Render(w, web.Status(ae.Code), page, v)
}

func (h *HTTP) settingsError(w http.ResponseWriter, r *http.Request, err error) error {
	d, derr := h.settingsData(r)
	if derr != nil {
		return derr
	}
	return h.formError(w, r, "notify/settings", d, err)
}

func (h *HTTP) addPhone(w http.ResponseWriter, r *http.Request) error {
	return h.addAddress(w, r, ChannelSMS, "phone")
}

func (h *HTTP) addEmail(w http.ResponseWriter, r *http.Request) error {
	return h.addAddress(w, r, ChannelEmail, "email")
}

func (h *HTTP) addAddress(w http.ResponseWriter, r *http.Request, ch ChannelName, field string) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	_, err := h.svc.AddAddress(r.Context(), web.PrincipalFrom(r.Context()), ch, r.PostForm.Get(field), nil)
	if err != nil {
		return h.settingsError(w, r, err)
	}
	web.Redirect(w, r, "/settings/notifications?done=flash.notify_added")
	return nil
}

func (h *HTTP) setKinds(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	if err := h.svc.SetGroups(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"), parseGroups(r.PostForm["kind"])); err != nil {
		return err
	}
	web.Redirect(w, r, "/settings/notifications?done=flash.notify_saved")
	return nil
}

func (h *HTTP) removeAddress(w http.ResponseWriter, r *http.Request) error {
	if err := h.svc.RemoveAddress(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id")); err != nil {
		return err
	}
	web.Redirect(w, r, "/settings/notifications?done=flash.notify_removed")
	return nil
}

func (h *HTTP) sendTest(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	res, err := h.svc.SendTest(r.Context(), web.PrincipalFrom(r.Context()))
	if err != nil {
		return h.settingsError(w, r, err)
	}
	done := "flash.notify_test_none"
	if slices.ContainsFunc(res.Channels, func(c ChannelName) bool { return c != ChannelWebhook }) {
		done = "flash.notify_test_sent"
	}
	next := "/settings/notifications"
	if r.PostForm.Get("from") == "admin" {
		next = "/admin/notifications"
	}
	web.Redirect(w, r, next+"?done="+done)
	return nil
}

// The admin page.

type channelInfo struct {
	Status
	Enabled bool
}

type adminData struct {
	Report    Report
	OnCall    OnCallPage
	FullTexts bool
	Channels  []channelInfo
}

func (h *HTTP) adminData(r *http.Request) (adminData, error) {
	p := web.PrincipalFrom(r.Context())
	var d adminData
	var err error
	if d.Report, err = h.svc.DeliveryReport(r.Context(), p); err != nil {
		return d, err
	}
	if d.OnCall, err = h.svc.OnCallList(r.Context(), p); err != nil {
		return d, err
	}
	if d.FullTexts, err = h.svc.FullTexts(r.Context(), p.OrgID); err != nil {
		return d, err
	}
	for _, ch := range Channels() {
		ci := channelInfo{Status: Status{Channel: ch}, Enabled: h.svc.Enabled(ch)}
		for _, st := range d.Report.Channels {
			if st.Channel == ch {
				ci.Status = st
			}
		}
		d.Channels = append(d.Channels, ci)
	}
	return d, nil
}

func (h *HTTP) adminPage(w http.ResponseWriter, r *http.Request) error {
	d, err := h.adminData(r)
	if err != nil {
		return err
	}
	return h.rd.Page(w, r, "notify/admin", d)
}

func (h *HTTP) addOnCall(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	if err := h.svc.AddOnCall(r.Context(), web.PrincipalFrom(r.Context()), r.PostForm.Get("user")); err != nil {
		if d, derr := h.adminData(r); derr == nil {
			return h.formError(w, r, "notify/admin", d, err)
		}
		return err
	}
	web.Redirect(w, r, "/admin/notifications?done=flash.notify_saved")
	return nil
}

func (h *HTTP) removeOnCall(w http.ResponseWriter, r *http.Request) error {
	if err := h.svc.RemoveOnCall(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("user")); err != nil {
		return err
	}
	web.Redirect(w, r, "/admin/notifications?done=flash.notify_saved")
	return nil
}

func (h *HTTP) setTexts(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	if err := h.svc.SetFullTexts(r.Context(), web.PrincipalFrom(r.Context()), r.PostForm.Get("full") == "1"); err != nil {
		return err
	}
	web.Redirect(w, r, "/admin/notifications?done=flash.notify_saved")
	return nil
}
