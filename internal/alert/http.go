package alert

import (
	"embed"
	"io/fs"

	"github.com/sisterline/sisterline/internal/apperr"
	"github.com/sisterline/sisterline/internal/web"
)

//go:embed templates locales
var files embed.FS

// Files are the capability's templates and messages.
func Files() fs.FS { return files }

// HTTP is the alert capability's pages and JSON API.
type HTTP struct {
	svc *Service
	rd  *web.Renderer
}

// NewHTTP returns the handlers over svc.
func NewHTTP(svc *Service, rd *web.Renderer) *HTTP { return &HTTP{svc: svc, rd: rd} }

func fieldErr(field, msg string) error { return apperr.Field(field, msg) }

// Routes registers the capability's routes.
func (h *HTTP) Routes(rt *web.Router) {
	mod := web.Only(web.RoleModerator, web.RoleAdmin)
	rt.Handle("GET /api/v1/alerts", web.SignedIn(), h.apiFeed)
	rt.Handle("GET /api/v1/alerts/{id}", web.SignedIn(), h.apiGet)
	rt.Handle("POST /api/v1/alerts/{id}", mod, h.apiCorrect)
	rt.Handle("POST /api/v1/alerts/{id}/withdraw", mod, h.apiWithdraw)
	rt.Handle("POST /api/v1/screen", web.SignedIn(), h.apiScreen)
	h.pageRoutes(rt, mod)
}
