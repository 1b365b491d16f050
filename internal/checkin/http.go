package checkin

import (
	"embed"
	"io/fs"

	"github.com/sisterline/sisterline/internal/web"
)

//go:embed templates locales
var files embed.FS

// Files are the capability's templates and messages.
func Files() fs.FS { return files }

// HTTP is the check-in capability's pages and JSON API.
type HTTP struct {
	svc *Service
	rd  *web.Renderer
}

// NewHTTP returns the handlers over svc.
func NewHTTP(svc *Service, rd *web.Renderer) *HTTP { return &HTTP{svc: svc, rd: rd} }

// Routes registers the capability's routes.
func (h *HTTP) Routes(rt *web.Router) {
	rt.Handle("POST /api/v1/checkins", web.SignedIn(), h.apiStart)
	rt.Handle("GET /api/v1/checkins/{id}", web.SignedIn(), h.apiGet)
	rt.Handle("POST /api/v1/checkins/{id}/safe", web.SignedIn(), h.apiSafe)
	rt.Handle("POST /api/v1/checkins/{id}/panic", web.SignedIn(), h.apiPanic)
	rt.Handle("POST /api/v1/checkins/{id}/extend", web.SignedIn(), h.apiExtend)
	rt.Handle("POST /api/v1/checkins/{id}/acknowledge", web.SignedIn(), h.apiAck)
	h.pageRoutes(rt)
}
