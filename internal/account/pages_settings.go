package account

import (
	"encoding/base32"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"github.com/sisterline/sisterline/internal/apperr"
	"github.com/sisterline/sisterline/internal/web"
)

// settingsRoutes registers the settings pages (language, passphrase, second
// factor, sign out everywhere, delete account).
func (h *HTTP) settingsRoutes(rt *web.Router) {
	rt.Handle("GET /settings", web.SignedIn(), h.settingsPage)
	rt.Handle("POST /settings/lang", web.SignedIn(), h.settingsLang)
	rt.Handle("POST /settings/passphrase", web.SignedIn(), h.settingsPassphrase)
	rt.Handle("POST /settings/signout-everywhere", web.SignedIn(), h.settingsSignOutEverywhere)
	rt.Handle("POST /settings/delete", web.SignedIn(), h.settingsDelete)
	// The second-factor set-up must be reachable by a staff member whose
	// organisation requires it and who has none yet: her session is held at
	// this step until she sets it up. The handlers turn away sessions still
	// waiting for their code, which may only finish signing in.
	rt.Handle("GET /settings/2fa", web.SecondFactorStep(), h.twoFactorPage)
	rt.Handle("POST /settings/2fa/enable", web.SecondFactorStep(), h.twoFactorEnable)
	rt.Handle("POST /settings/2fa/disable", web.SignedIn(), h.twoFactorDisable)
}

// settingsView is what the settings page shows.
type settingsView struct {
	Lang string // her stored language, or the page's
	TOTP bool
}

func (h *HTTP) settingsData(r *http.Request) (settingsView, error) {
	p := web.PrincipalFrom(r.Context())
	u, err := h.svc.Store().UserByID(r.Context(), p.UserID)
	if err != nil {
		return settingsView{}, err
	}
	lang := u.Lang
	if !web.ValidLang(lang) {
		lang = h.rd.Catalog().Language(r, h.defLang)
	}
	return settingsView{Lang: lang, TOTP: u.TOTP}, nil
}

func (h *HTTP) settingsPage(w http.ResponseWriter, r *http.Request) error {
	data, err := h.settingsData(r)
	if err != nil {
		return err
	}
	return h.rd.Page(w, r, "account/settings", data)
}

// settingsError re-renders the settings page with err by its field.
func (h *HTTP) settingsError(w http.ResponseWriter, r *http.Request, err error) error {
	data, derr := h.settingsData(r)
	if derr != nil {
		return derr
	}
	return h.formError(w, r, "account/settings", data, err)
}

func (h *HTTP) settingsLang(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	lang := r.PostForm.Get("lang")
	if err := h.svc.SetLanguage(r.Context(), web.PrincipalFrom(r.Context()), lang); err != nil {
		return h.settingsError(w, r, err)
	}
	// Keep the signed-out pages in her language too (a session cookie, gone
	// when the browser closes), as the footer switch does.
	http.SetCookie(w, &http.Cookie{Name: web.LangCookie, Value: lang, Path: "/", Secure: true, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	web.Redirect(w, r, "/settings?done=flash.account_lang_saved")
	return nil
}

func (h *HTTP) settingsPassphrase(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	f := r.PostForm
	if f.Get("new_passphrase") != f.Get("new_passphrase2") {
		return h.settingsError(w, r, apperr.Field("new_passphrase2", "account.error.passphrase_mismatch"))
	}
	if err := h.svc.ChangePassphrase(r.Context(), web.PrincipalFrom(r.Context()), f.Get("old_passphrase"), f.Get("new_passphrase")); err != nil {
		return h.settingsError(w, r, err)
	}
	web.Redirect(w, r, "/settings?done=flash.account_passphrase_changed")
	return nil
}

func (h *HTTP) settingsSignOutEverywhere(w http.ResponseWriter, r *http.Request) error {
	if err := h.svc.SignOutEverywhere(r.Context(), web.PrincipalFrom(r.Context())); err != nil {
		return err
	}
	h.clearSessionCookie(w)
	web.Redirect(w, r, "/signin?done=flash.account_signed_out_everywhere")
	return nil
}

func (h *HTTP) settingsDelete(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	if err := h.svc.DeleteAccount(r.Context(), web.PrincipalFrom(r.Context()), r.PostForm.Get("passphrase")); err != nil {
		return h.settingsError(w, r, err)
	}
	h.clearSessionCookie(w)
	web.Redirect(w, r, "/signin?done=flash.account_deleted")
	return nil
}

// twoFactorView is what the second-factor page shows.
type twoFactorView struct {
	On bool
	// Required: her organisation requires a second factor and she has none,
	// so she was sent here.
	Required bool
	// OrgRequires: her organisation requires it of her role.
	OrgRequires bool
	Secret      string
	Grouped     string        // the secret in groups of four, for typing
	URL         template.URL  // otpauth: link for authenticator apps
	QR          template.HTML // the key's otpauth URL as an inline SVG QR code
}

// twoFactorData builds the page. secret is a key to show again (after a
// wrong code, so the entry she made in her app still works); "" makes a
// new one.
func (h *HTTP) twoFactorData(r *http.Request, secret string) (twoFactorView, error) {
	p := web.PrincipalFrom(r.Context())
	u, err := h.svc.Store().UserByID(r.Context(), p.UserID)
	if err != nil {
		return twoFactorView{}, err
	}
	org, err := h.svc.Org(r.Context(), p)
	if err != nil {
		return twoFactorView{}, err
	}
	v := twoFactorView{On: u.TOTP, Required: p.SecondFactorRequired, OrgRequires: org.Require2FAStaff && p.Role.IsStaff()}
	if v.On {
		return v, nil
	}
	if secret == "" {
		if secret, _, err = h.svc.NewTOTPKey(p); err != nil {
			return twoFactorView{}, err
		}
	}
	v.Secret, v.Grouped = secret, groupFours(secret)
	// The URL is built here from our own issuer, her handle and a base32
	// key, never from what a client sent.
	v.URL = template.URL(h.totpURL(p.Handle, secret)) // #nosec G203 -- otpauth URL built by us
	if v.QR, err = qrSVG(h.totpURL(p.Handle, secret)); err != nil {
		return twoFactorView{}, err
	}
	return v, nil
}

// totpURL is the otpauth: URL of a key, in the form authenticator apps read
// (Google's Key Uri Format), with the same defaults the service checks codes
// with: SHA-1, 6 digits, 30 seconds.
func (h *HTTP) totpURL(handle, secret string) string {
	issuer := h.svc.opt.SiteName
	q := url.Values{}
	q.Set("secret", secret)
	q.Set("issuer", issuer)
	q.Set("algorithm", "SHA1")
	q.Set("digits", "6")
	q.Set("period", "30")
	u := url.URL{Scheme: "otpauth", Host: "totp", Path: "/" + issuer + ":" + handle, RawQuery: q.Encode()}
	return u.String()
}

// validSecret reports whether s is a base32 TOTP key of a sane length.
func validSecret(s string) bool {
	if len(s) < 16 || len(s) > 64 {
		return false
	}
	_, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(s)
	return err == nil
}

func cleanSecret(s string) string {
	return strings.ToUpper(strings.Join(strings.Fields(s), ""))
}

func groupFours(s string) string {
	var b strings.Builder
	for i, r := range s {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// waitingForCode sends a session that has given its passphrase but not yet
// its code back to the code page: such a session must not set up or change
// the second factor it has not passed.
func waitingForCode(w http.ResponseWriter, r *http.Request) bool {
	if web.PrincipalFrom(r.Context()).SecondFactorPending {
		web.Redirect(w, r, "/signin/code")
		return true
	}
	return false
}

func (h *HTTP) twoFactorPage(w http.ResponseWriter, r *http.Request) error {
	if waitingForCode(w, r) {
		return nil
	}
	data, err := h.twoFactorData(r, "")
	if err != nil {
		return err
	}
	return h.rd.Page(w, r, "account/settings_2fa", data)
}

func (h *HTTP) twoFactorEnable(w http.ResponseWriter, r *http.Request) error {
	if waitingForCode(w, r) {
		return nil
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	p := web.PrincipalFrom(r.Context())
	u, err := h.svc.Store().UserByID(r.Context(), p.UserID)
	if err != nil {
		return err
	}
	if u.TOTP {
		// Already on: setting a new key needs turning the old one off first,
		// which asks for her passphrase.
		web.Redirect(w, r, "/settings/2fa")
		return nil
	}
	secret := cleanSecret(r.PostForm.Get("secret"))
	if !validSecret(secret) {
		// Not a key we made: show a fresh one.
		secret = ""
		err = apperr.Field("code", "account.error.code_wrong")
	} else {
		err = h.svc.EnableTOTP(r.Context(), p, secret, r.PostForm.Get("code"))
	}
	if err != nil {
		data, derr := h.twoFactorData(r, secret)
		if derr != nil {
			return derr
		}
		return h.formError(w, r, "account/settings_2fa", data, err)
	}
	web.Redirect(w, r, "/settings?done=flash.account_2fa_on")
	return nil
}

func (h *HTTP) twoFactorDisable(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	if err := h.svc.DisableTOTP(r.Context(), web.PrincipalFrom(r.Context()), r.PostForm.Get("passphrase")); err != nil {
		data, derr := h.twoFactorData(r, "")
		if derr != nil {
			return derr
		}
		return h.formError(w, r, "account/settings_2fa", data, err)
	}
	// Back to the set-up page: if her organisation requires a second
	// factor, that is where she must go next anyway.
	web.Redirect(w, r, "/settings/2fa?done=flash.account_2fa_off")
	return nil
}
