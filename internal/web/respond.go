package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/sisterline/sisterline/internal/apperr"
)

// Status returns the HTTP status of an error code.
func Status(code apperr.Code) int {
	switch code {
	case apperr.Invalid:
		return http.StatusUnprocessableEntity
	case apperr.Unauthenticated:
		return http.StatusUnauthorized
	case apperr.Forbidden:
		return http.StatusForbidden
	case apperr.NotFound:
		return http.StatusNotFound
	case apperr.Conflict:
		return http.StatusConflict
	case apperr.RateLimited:
		return http.StatusTooManyRequests
	default:
		return http.StatusInternalServerError
	}
}

// IsAPI reports whether a request is to the JSON API.
func IsAPI(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") }

// Errors turns a handler's error into the answer: a JSON error under /api/,
// a status page elsewhere. Only coded errors reach the user; anything else is
// logged (with its context, never request content) and shown as "internal".
type Errors struct {
	Log      *slog.Logger
	Renderer *Renderer
}

// Write answers r with err.
func (e *Errors) Write(w http.ResponseWriter, r *http.Request, err error) {
	ae, ok := apperr.As(err)
	if !ok {
		e.Log.Error("request failed", "route", r.Pattern, "err", err)
		ae = apperr.New(apperr.Internal, "error.internal")
	} else if ae.Code == apperr.Internal {
		e.Log.Error("request failed", "route", r.Pattern, "err", err)
	}
	if ae.Code == apperr.RateLimited {
		w.Header().Set("Retry-After", "60")
	}
	status := Status(ae.Code)
	lang := e.Renderer.catalog.Language(r, e.Renderer.defLang)
	if IsAPI(r) {
		msg := e.Renderer.catalog.Translate(lang, ae.Message, ae.Data)
		body := map[string]any{"code": ae.Code, "message": msg}
		if len(ae.Fields) > 0 {
			fields := map[string]string{}
			for f, id := range ae.Fields {
				fields[f] = e.Renderer.catalog.Translate(lang, id, nil)
			}
			body["fields"] = fields
		}
		JSON(w, status, map[string]any{"error": body})
		return
	}
	v := e.Renderer.NewView(r, nil)
	v.Errors = []string{v.T(ae.Message)}
	v.Data = map[string]any{"Status": status}
	if rerr := e.Renderer.Render(w, status, "frame/error", v); rerr != nil {
		e.Log.Error("render error page", "err", rerr)
		http.Error(w, http.StatusText(status), status)
	}
}

// JSON writes v as a JSON answer.
func JSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	_ = enc.Encode(v)
}

// DecodeJSON reads a JSON request body into v, refusing unknown fields, a
// body that is not JSON, and trailing data, with a clear "invalid" error.
func DecodeJSON(r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/json" {
			return apperr.New(apperr.Invalid, "error.json_content_type")
		}
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return &apperr.Error{Code: apperr.Invalid, Message: "error.too_large", Err: err}
		}
		return &apperr.Error{Code: apperr.Invalid, Message: "error.json", Err: fmt.Errorf("decode: %w", err)}
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return apperr.New(apperr.Invalid, "error.json")
	}
	return nil
}

// FlashCookie carries the confirmation a redirect leads to ("Saved.") to
// the next page, which shows it and ends the cookie. In the address it would
// stay in the phone's history ("done=flash.checkin_safe"), show again on
// every reload, and be anyone's to send in a link.
const FlashCookie = "__Host-flash"

// Redirect answers a form post with 303 See Other, so a reload does not post
// again. A confirmation given in to as done=flash.… goes in FlashCookie, and
// out of the address.
func Redirect(w http.ResponseWriter, r *http.Request, to string) {
	if u, err := url.Parse(to); err == nil {
		if q := u.Query(); strings.HasPrefix(q.Get("done"), "flash.") {
			http.SetCookie(w, flashCookie(q.Get("done"), 60))
			q.Del("done")
			u.RawQuery = q.Encode()
			to = u.String()
		}
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// flashCookie is FlashCookie holding id for maxAge seconds (-1: ended).
func flashCookie(id string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: FlashCookie, Value: id, Path: "/", MaxAge: maxAge, Secure: true, HttpOnly: true, SameSite: http.SameSiteStrictMode}
}
