package incident

import "github.com/sisterline/sisterline/internal/web"

// pageRoutes registers the report form, her reports, the moderation queue,
// the review page and the cases.
func (h *HTTP) pageRoutes(rt *web.Router, mod web.Access) {}
