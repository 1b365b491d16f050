package web

// NavItem is an entry of the menu, shown to whoever its access rule allows.
type NavItem struct {
	Path   string
	Label  string // message id
	Access Access
}

// AddNav appends items to the menu, in order.
func (rd *Renderer) AddNav(items ...NavItem) { rd.nav = append(rd.nav, items...) }

// Nav returns the menu entries the viewer may use.
func (v *View) Nav() []NavItem {
	if v.Principal == nil || v.Principal.SecondFactorPending || v.Principal.SecondFactorRequired {
		return nil
	}
	var out []NavItem
	for _, it := range v.nav {
		if it.Access.Allows(v.Principal) {
			out = append(out, it)
		}
	}
	return out
}
