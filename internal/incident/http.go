package incident

import (
	"context"
	"embed"
	"io/fs"

	"github.com/sisterline/sisterline/internal/web"
)

//go:embed templates locales
var files embed.FS

// Files are the capability's templates and messages.
func Files() fs.FS { return files }

// AlertView renders an alert for the API (the alert capability provides it).
type AlertView interface {
	AlertJSON(ctx context.Context, p *web.Principal, id string) (any, error)
}

// HTTP is the incident capability's pages and JSON API.
type HTTP struct {
	svc    *Service
	rd     *web.Renderer
	alerts AlertView
	helper Helper
	staff  Staff
}

// NewHTTP returns the handlers over svc.
func NewHTTP(svc *Service, rd *web.Renderer, alerts AlertView) *HTTP {
	return &HTTP{svc: svc, rd: rd, alerts: alerts}
}

// Routes registers the capability's routes.
func (h *HTTP) Routes(rt *web.Router) {
	mod := web.Only(web.RoleModerator, web.RoleAdmin)
	rt.Handle("POST /api/v1/reports", web.SignedIn(), h.apiCreate)
	rt.Handle("GET /api/v1/reports", mod, h.apiQueue)
	rt.Handle("GET /api/v1/reports/mine", web.SignedIn(), h.apiMine)
	rt.Handle("GET /api/v1/reports/{id}", mod, h.apiGet)
	rt.Handle("POST /api/v1/reports/{id}/publish", mod, h.apiPublish)
	rt.Handle("POST /api/v1/reports/{id}/decline", mod, h.apiDecline)
	rt.Handle("POST /api/v1/reports/{id}/request-info", mod, h.apiRequestInfo)
	rt.Handle("POST /api/v1/reports/{id}/messages", web.SignedIn(), h.apiAddMessage)
	rt.Handle("POST /api/v1/reports/{id}/withdraw", web.SignedIn(), h.apiWithdraw)
	h.pageRoutes(rt, mod)
}
