package account

import "github.com/sisterline/sisterline/internal/web"

// settingsRoutes registers the settings pages (language, passphrase, second
// factor, sign out everywhere, delete account).
func (h *HTTP) settingsRoutes(rt *web.Router) {}
