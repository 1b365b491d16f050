package checkin

import "github.com/sisterline/sisterline/internal/web"

// pageRoutes registers the check-in pages: start, the running check-in,
// buddies, PIN, the links in messages, and staff views.
func (h *HTTP) pageRoutes(rt *web.Router) {}
