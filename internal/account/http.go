package account

import (
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/sisterline/sisterline/internal/apperr"
	"github.com/sisterline/sisterline/internal/web"
)

//go:embed templates locales
var files embed.FS

// Files are the capability's templates and messages.
func Files() fs.FS { return files }

// HTTP is the account capability's pages and JSON API.
type HTTP struct {
	svc     *Service
	rd      *web.Renderer
	addrs   *web.Addresses
	limit   *web.Limiter // registration attempts per address
	defLang string
	blocks  []HomeSection
}

// HomeSection is a block another capability adds to the signed-in home page
// (screening, check-in, report), shown to whoever Access allows.
type HomeSection struct {
	Access web.Access
	// Render returns the block, usually through web.Renderer.Fragment.
	Render func(r *http.Request, v *web.View) (template.HTML, error)
}

var errRateLimited = apperr.New(apperr.RateLimited, "error.rate_limited")

// NewHTTP returns the handlers over svc.
func NewHTTP(svc *Service, rd *web.Renderer, addrs *web.Addresses, defLang string) *HTTP {
	return &HTTP{svc: svc, rd: rd, addrs: addrs, limit: web.NewLimiter(time.Minute, 10), defLang: defLang}
}

func (h *HTTP) addrLimit(r *http.Request) bool { return h.limit.Allow(h.addrs.Key(r)) }

// Routes registers the capability's routes.
func (h *HTTP) Routes(rt *web.Router) {
	staff := web.Only(web.RoleOutreach, web.RoleModerator, web.RoleAdmin)
	admin := web.Only(web.RoleAdmin)

	rt.Handle("POST /api/v1/session", web.Anyone(), h.apiSignIn)
	rt.Handle("DELETE /api/v1/session", web.SecondFactorStep(), h.apiSignOut)
	rt.Handle("POST /api/v1/session/second-factor", web.SecondFactorStep(), h.apiSecondFactor)
	rt.Handle("GET /api/v1/me", web.SignedIn(), h.apiMe)
	rt.Handle("POST /api/v1/orgs", web.NetworkAdmin(), h.apiCreateOrg)
	// Moderators do not invite (the service refuses them): the rule says so.
	rt.Handle("POST /api/v1/invites", web.Only(web.RoleOutreach, web.RoleAdmin), h.apiCreateInvite)
	rt.Handle("POST /api/v1/register", web.Anyone(), h.apiRegister)

	rt.Handle("GET /{$}", web.Anyone(), h.home)
	rt.Handle("GET /signin", web.Anyone(), h.signinPage)
	rt.Handle("POST /signin", web.Anyone(), h.signin)
	rt.Handle("GET /signin/code", web.SecondFactorStep(), h.codePage)
	rt.Handle("POST /signin/code", web.SecondFactorStep(), h.code)
	rt.Handle("POST /signout", web.Anyone(), h.signout)
	rt.Handle("POST /exit", web.Anyone(), h.signout)
	rt.Handle("GET /register", web.Anyone(), h.registerPage)
	rt.Handle("POST /register", web.Anyone(), h.register)
	rt.Handle("POST /lang", web.Anyone(), h.setLang)

	h.settingsRoutes(rt)
	h.adminRoutes(rt, admin, staff)
}

// AddHome adds a block to the signed-in home page.
func (h *HTTP) AddHome(s HomeSection) { h.blocks = append(h.blocks, s) }

func (h *HTTP) setSessionCookie(w http.ResponseWriter, token string) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: token, Path: "/", Secure: true, HttpOnly: true, SameSite: http.SameSiteStrictMode})
}

func (h *HTTP) clearSessionCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1, Secure: true, HttpOnly: true, SameSite: http.SameSiteStrictMode})
}

// formError re-renders page name with the error's message and what was
// typed, or passes a non-form error on to the frame.
func (h *HTTP) formError(w http.ResponseWriter, r *http.Request, name string, data any, err error) error {
	ae := web.UserError(err)
	if ae == nil {
		return err
	}
	return h.rd.RenderForm(w, r, name, data, r.PostForm, ae)
}

// safeNext keeps a post-sign-in redirect on this site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.Contains(next, `\`) {
		return "/"
	}
	return next
}

func (h *HTTP) home(w http.ResponseWriter, r *http.Request) error {
	p := web.PrincipalFrom(r.Context())
	if p == nil {
		return h.rd.Page(w, r, "account/welcome", nil)
	}
	if p.SecondFactorPending {
		web.Redirect(w, r, "/signin/code")
		return nil
	}
	if p.SecondFactorRequired {
		web.Redirect(w, r, "/settings/2fa")
		return nil
	}
	v := h.rd.NewView(r, nil)
	var blocks []template.HTML
	for _, s := range h.blocks {
		if !s.Access.Allows(p) {
			continue
		}
		b, err := s.Render(r, v)
		if err != nil {
			return err
		}
		blocks = append(blocks, b)
	}
	v.Data = map[string]any{"Blocks": blocks}
	return h.rd.Render(w, http.StatusOK, "account/home", v)
}

func (h *HTTP) signinPage(w http.ResponseWriter, r *http.Request) error {
	if p := web.PrincipalFrom(r.Context()); p != nil && !p.SecondFactorPending {
		web.Redirect(w, r, "/")
		return nil
	}
	v := h.rd.NewView(r, map[string]string{"Next": safeNext(r.URL.Query().Get("next"))})
	return h.rd.Render(w, http.StatusOK, "account/signin", v)
}

func (h *HTTP) signin(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return apperr.New(apperr.Invalid, "error.invalid_form")
	}
	next := safeNext(r.PostForm.Get("next"))
	in := SignIn{Handle: r.PostForm.Get("handle"), Passphrase: r.PostForm.Get("passphrase"), AddressKey: h.addrs.Key(r)}
	if c, err := r.Cookie(DeviceCookie); err == nil {
		in.Device = c.Value
	}
	sess, err := h.svc.SignIn(r.Context(), in)
	if err != nil {
		return h.formError(w, r, "account/signin", map[string]string{"Next": next}, err)
	}
	h.setSessionCookie(w, sess.Token)
	http.SetCookie(w, &http.Cookie{Name: DeviceCookie, Value: sess.Device, Path: "/", MaxAge: 180 * 24 * 3600, Secure: true, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	if sess.SecondFactor {
		web.Redirect(w, r, "/signin/code?next="+urlQueryEscape(next))
		return nil
	}
	web.Redirect(w, r, next)
	return nil
}

func (h *HTTP) codePage(w http.ResponseWriter, r *http.Request) error {
	p := web.PrincipalFrom(r.Context())
	if !p.SecondFactorPending {
		web.Redirect(w, r, "/")
		return nil
	}
	return h.rd.Page(w, r, "account/code", map[string]string{"Next": safeNext(r.URL.Query().Get("next"))})
}

func (h *HTTP) code(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return apperr.New(apperr.Invalid, "error.invalid_form")
	}
	next := safeNext(r.PostForm.Get("next"))
	if err := h.svc.VerifySecondFactor(r.Context(), web.PrincipalFrom(r.Context()), r.PostForm.Get("code")); err != nil {
		return h.formError(w, r, "account/code", map[string]string{"Next": next}, err)
	}
	web.Redirect(w, r, next)
	return nil
}

func (h *HTTP) signout(w http.ResponseWriter, r *http.Request) error {
	if p := web.PrincipalFrom(r.Context()); p != nil {
		if err := h.svc.SignOut(r.Context(), p); err != nil {
			return err
		}
	}
	h.clearSessionCookie(w)
	if r.URL.Path == "/exit" {
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	web.Redirect(w, r, "/signin?done=flash.signed_out")
	return nil
}

func (h *HTTP) registerPage(w http.ResponseWriter, r *http.Request) error {
	v := h.rd.NewView(r, nil)
	if c := r.URL.Query().Get("code"); c != "" {
		v.WithForm(map[string][]string{"invite": {c}}, nil)
	}
	return h.rd.Render(w, http.StatusOK, "account/register", v)
}

func (h *HTTP) register(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return apperr.New(apperr.Invalid, "error.invalid_form")
	}
	if !h.addrLimit(r) {
		return h.formError(w, r, "account/register", nil, errRateLimited)
	}
	lang := h.rd.Catalog().Language(r, h.defLang)
	f := r.PostForm
	if f.Get("passphrase") != f.Get("passphrase2") {
		return h.formError(w, r, "account/register", nil, apperr.Field("passphrase2", "account.error.passphrase_mismatch"))
	}
	u, err := h.svc.Register(r.Context(), f.Get("invite"), f.Get("handle"), f.Get("passphrase"), lang)
	if err != nil {
		if ae, ok := apperr.As(err); ok && ae.Fields["code"] != "" {
			// The form calls the field "invite": "code" is never echoed back.
			ae.Fields["invite"] = ae.Fields["code"]
		}
		return h.formError(w, r, "account/register", nil, err)
	}
	sess, err := h.svc.SignIn(r.Context(), SignIn{Handle: u.Handle, Passphrase: f.Get("passphrase")})
	if err != nil {
		return err
	}
	h.setSessionCookie(w, sess.Token)
	web.Redirect(w, r, "/?done=flash.welcome")
	return nil
}

func (h *HTTP) setLang(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return apperr.New(apperr.Invalid, "error.invalid_form")
	}
	lang := r.PostForm.Get("lang")
	if !web.ValidLang(lang) {
		return apperr.Field("lang", "account.error.lang")
	}
	if p := web.PrincipalFrom(r.Context()); p != nil && !p.SecondFactorPending {
		if err := h.svc.SetLanguage(r.Context(), p, lang); err != nil {
			return err
		}
	}
	// A session cookie (no Max-Age): the choice is gone when the browser closes.
	http.SetCookie(w, &http.Cookie{Name: web.LangCookie, Value: lang, Path: "/", Secure: true, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	web.Redirect(w, r, safeNext(r.PostForm.Get("next")))
	return nil
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }
