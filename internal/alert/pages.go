package alert

import "github.com/sisterline/sisterline/internal/web"

// pageRoutes registers the alert feed, alert pages, correction and
// withdrawal, and the screening page.
func (h *HTTP) pageRoutes(rt *web.Router, mod web.Access) {}
