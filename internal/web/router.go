package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"

	"github.com/sisterline/sisterline/internal/apperr"
)

// HandlerFunc is a handler that returns its error to the frame, which
// answers it in one place.
type HandlerFunc func(w http.ResponseWriter, r *http.Request) error

// Route is one registered pattern and its access rule.
type Route struct {
	Pattern string
	Access  Access
}

// Router is the one ServeMux of the program. Every route declares who may
// call it; the list of routes is kept for the authorization tests.
type Router struct {
	mux    *http.ServeMux
	routes []Route
	errors *Errors
}

// NewRouter returns a router that answers errors with errs.
func NewRouter(errs *Errors) *Router {
	return &Router{mux: http.NewServeMux(), errors: errs}
}

// Handle registers h on pattern ("POST /api/v1/reports") under access.
func (rt *Router) Handle(pattern string, access Access, h HandlerFunc) {
	if access.name == "" {
		panic(fmt.Sprintf("web: route %q has no access rule", pattern))
	}
	rt.routes = append(rt.routes, Route{Pattern: pattern, Access: access})
	rt.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		setRoute(r, pattern)
		p := PrincipalFrom(r.Context())
		if !access.Allows(p) {
			rt.deny(w, r, p)
			return
		}
		if err := h(w, r); err != nil {
			rt.errors.Write(w, r, err)
		}
	})
}

// HandleRaw registers a plain http.Handler (static files, health) that any
// client may call.
func (rt *Router) HandleRaw(pattern string, h http.Handler) {
	rt.routes = append(rt.routes, Route{Pattern: pattern, Access: Anyone()})
	rt.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		setRoute(r, pattern)
		h.ServeHTTP(w, r)
	})
}

// Routes returns every registered route.
func (rt *Router) Routes() []Route { return slices.Clone(rt.routes) }

// Errors returns the error writer.
func (rt *Router) Errors() *Errors { return rt.errors }

func (rt *Router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if _, pattern := rt.mux.Handler(r); pattern == "" {
		// Unknown path or method: the frame's own 404, in the user's language.
		rt.errors.Write(w, r, apperr.ErrNotFound)
		return
	}
	rt.mux.ServeHTTP(w, r)
}

// deny answers a request its rule does not allow. Signed out: 401 from the
// API, the sign-in page otherwise. Half signed in: on to the second factor.
// Signed in with the wrong role: 404, so ids cannot be probed.
func (rt *Router) deny(w http.ResponseWriter, r *http.Request, p *Principal) {
	switch {
	case p == nil && IsAPI(r):
		rt.errors.Write(w, r, apperr.New(apperr.Unauthenticated, "error.unauthenticated"))
	case p == nil:
		next := ""
		if r.Method == http.MethodGet {
			next = "?next=" + url.QueryEscape(r.URL.Path)
		}
		Redirect(w, r, "/signin"+next)
	case (p.SecondFactorPending || p.SecondFactorRequired) && IsAPI(r):
		rt.errors.Write(w, r, apperr.New(apperr.Unauthenticated, "error.second_factor"))
	case p.SecondFactorPending:
		Redirect(w, r, "/signin/code")
	case p.SecondFactorRequired:
		Redirect(w, r, "/settings/2fa")
	default:
		rt.errors.Write(w, r, apperr.ErrNotFound)
	}
}

// Authenticator finds the principal of a request (from its session cookie or
// bearer token); nil when signed out.
type Authenticator interface {
	Authenticate(ctx context.Context, r *http.Request) (*Principal, error)
}
