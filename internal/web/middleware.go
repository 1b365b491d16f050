package web

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sisterline/sisterline/internal/apperr"
)

// FrameOptions configure the middleware around the router.
type FrameOptions struct {
	Log    *slog.Logger
	Auth   Authenticator
	Errors *Errors
	// TLS turns on HSTS.
	TLS bool
	// MaxBody is the largest request body accepted.
	MaxBody int64
	// Addresses keys client addresses for the per-address rate limit.
	Addresses *Addresses
	// PerAddress limits requests of one address (nil: no limit).
	PerAddress *Limiter
	Metrics    *Metrics
}

// CSP allows only our own scripts, styles and images: no inline script, no
// third party, no framing.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; " +
	"connect-src 'self'; manifest-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// Frame wraps h in the middleware every request passes, outermost first:
// recovery, logging and metrics, security headers, body limit, per-address
// rate limit, cross-origin protection, then the principal.
func Frame(h http.Handler, o FrameOptions) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o.Errors.Write(w, r, apperr.New(apperr.Forbidden, "error.cross_origin"))
	}))
	inner := authenticate(h, o)
	inner = cop.Handler(inner)
	inner = limitAddress(inner, o)
	inner = limitBody(inner, o.MaxBody, o.Errors)
	inner = securityHeaders(inner, o.TLS)
	return logRequests(inner, o)
}

func securityHeaders(h http.Handler, tls bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", CSP)
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Cross-Origin-Opener-Policy", "same-origin")
		hd.Set("Cross-Origin-Resource-Policy", "same-origin")
		hd.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()")
		if tls {
			hd.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		// Nothing left on the phone: no page is cached. Static files, which
		// hold nothing personal, override this with their own header.
		hd.Set("Cache-Control", "no-store")
		h.ServeHTTP(w, r)
	})
}

func limitBody(h http.Handler, max int64, errs *Errors) http.Handler {
	if max <= 0 {
		max = 1 << 20
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > max {
			// Answered like any refused request: a JSON error from the API,
			// a page in her language elsewhere.
			errs.Write(w, r, apperr.New(apperr.Invalid, "error.too_large"))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, max)
		h.ServeHTTP(w, r)
	})
}

func limitAddress(h http.Handler, o FrameOptions) http.Handler {
	if o.PerAddress == nil || o.Addresses == nil {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/static/") && !o.PerAddress.Allow(o.Addresses.Key(r)) {
			o.Errors.Write(w, r, apperr.New(apperr.RateLimited, "error.rate_limited"))
			return
		}
		h.ServeHTTP(w, r)
	})
}

func authenticate(h http.Handler, o FrameOptions) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if o.Auth == nil || strings.HasPrefix(r.URL.Path, "/static/") || r.URL.Path == "/healthz" {
			h.ServeHTTP(w, r)
			return
		}
		p, err := o.Auth.Authenticate(r.Context(), r)
		if err != nil {
			o.Errors.Write(w, r, fmt.Errorf("authenticate: %w", err))
			return
		}
		if p != nil {
			r = r.WithContext(WithPrincipal(r.Context(), p))
		}
		h.ServeHTTP(w, r)
	})
}

type recorder struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (rw *recorder) WriteHeader(code int) {
	if rw.status == 0 {
		rw.status = code
	}
	rw.ResponseWriter.WriteHeader(code)
}

func (rw *recorder) Write(b []byte) (int, error) {
	if rw.status == 0 {
		rw.status = http.StatusOK
	}
	n, err := rw.ResponseWriter.Write(b)
	rw.bytes += n
	return n, err
}

func (rw *recorder) Unwrap() http.ResponseWriter { return rw.ResponseWriter }

// logRequests logs each request with an allow-list of fields: method, route
// pattern (not the path, not the query), status, size and duration. Never
// the client address, user agent, handle or any form content.
func logRequests(h http.Handler, o FrameOptions) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &recorder{ResponseWriter: w}
		info := &requestInfo{}
		r = r.WithContext(context.WithValue(r.Context(), requestInfoKey{}, info))
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				o.Log.Error("panic", "route", r.Pattern, "panic", fmt.Sprint(p))
				if rec.status == 0 {
					o.Errors.Write(rec, r, fmt.Errorf("panic: %v", p))
				}
			}
			route := info.route
			if route == "" {
				route = "unmatched"
			}
			d := time.Since(start)
			if !strings.HasPrefix(route, "GET /static/") {
				o.Log.Info("request", "method", r.Method, "route", route, "status", rec.status, "bytes", rec.bytes, "ms", d.Milliseconds())
			}
			if o.Metrics != nil {
				o.Metrics.observe(route, rec.status, d)
			}
		}()
		h.ServeHTTP(rec, r)
	})
}

// Metrics are the frame's Prometheus metrics. Labels hold route patterns and
// status codes only: nothing personal.
type Metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// NewMetrics registers the frame's metrics on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "sisterline_http_requests_total", Help: "HTTP requests by route and status."}, []string{"route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "sisterline_http_request_seconds", Help: "HTTP request duration by route.", Buckets: prometheus.DefBuckets}, []string{"route"}),
	}
	reg.MustRegister(m.requests, m.duration)
	return m
}

func (m *Metrics) observe(route string, status int, d time.Duration) {
	m.requests.WithLabelValues(route, strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(route).Observe(d.Seconds())
}

// requestInfo carries what the inner handler learns (the matched route) out
// to the logging middleware, which sees a different *http.Request.
type requestInfo struct{ route string }

type requestInfoKey struct{}

func setRoute(r *http.Request, pattern string) {
	if info, ok := r.Context().Value(requestInfoKey{}).(*requestInfo); ok {
		info.route = pattern
	}
}
