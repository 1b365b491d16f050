package account

import "github.com/sisterline/sisterline/internal/web"

// adminRoutes registers the organisation admin pages (users, invites, audit
// log, settings) and the network admin pages (organisations).
func (h *HTTP) adminRoutes(rt *web.Router, admin, staff web.Access) {}
