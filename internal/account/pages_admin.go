package account

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/sisterline/sisterline/internal/apperr"
	"github.com/sisterline/sisterline/internal/web"
)

// adminRoutes registers the organisation admin pages (users, invites, audit
// log, settings) and the network admin pages (organisations).
//
// Invites are open to admins and outreach workers only (outreach invite
// members), not to every staff role: moderators do not bring people in.
func (h *HTTP) adminRoutes(rt *web.Router, admin, _ web.Access) {
	inviters := web.Only(web.RoleOutreach, web.RoleAdmin)

	rt.Handle("GET /admin/users", admin, h.usersPage)
	rt.Handle("POST /admin/users/{id}/role", admin, h.userRole)
	rt.Handle("GET /admin/users/{id}/remove", admin, h.userRemovePage)
	rt.Handle("POST /admin/users/{id}/remove", admin, h.userRemove)
	rt.Handle("POST /admin/org/2fa", admin, h.orgTwoFactor)
	rt.Handle("GET /admin/invites", inviters, h.invitesPage)
	rt.Handle("POST /admin/invites", inviters, h.inviteCreate)
	rt.Handle("POST /admin/invites/{id}/revoke", inviters, h.inviteRevoke)
	rt.Handle("GET /admin/audit", admin, h.auditPage)
	rt.Handle("GET /network/orgs", web.NetworkAdmin(), h.orgsPage)
	rt.Handle("POST /network/orgs", web.NetworkAdmin(), h.orgCreate)
}

// roleChoice is a role with its translated name, for selects and tables.
type roleChoice struct {
	Value, Label string
}

func (h *HTTP) roleLabel(lang string, role web.Role) string {
	return h.rd.Catalog().Translate(lang, "account.role."+string(role), nil)
}

func (h *HTTP) roleChoices(lang string) []roleChoice {
	var out []roleChoice
	for _, r := range web.Roles() {
		out = append(out, roleChoice{Value: string(r), Label: h.roleLabel(lang, r)})
	}
	return out
}

// Users.

type userRowView struct {
	User
	RoleLabel string
	Self      bool
}

type usersView struct {
	Org   Org
	Users []userRowView
	Roles []roleChoice
}

func (h *HTTP) usersData(r *http.Request) (usersView, error) {
	p := web.PrincipalFrom(r.Context())
	lang := h.rd.Catalog().Language(r, h.defLang)
	org, err := h.svc.Org(r.Context(), p)
	if err != nil {
		return usersView{}, err
	}
	users, err := h.svc.Users(r.Context(), p)
	if err != nil {
		return usersView{}, err
	}
	v := usersView{Org: org, Roles: h.roleChoices(lang)}
	for _, u := range users {
		v.Users = append(v.Users, userRowView{User: u, RoleLabel: h.roleLabel(lang, u.Role), Self: u.ID == p.UserID})
	}
	return v, nil
}

func (h *HTTP) usersPage(w http.ResponseWriter, r *http.Request) error {
	data, err := h.usersData(r)
	if err != nil {
		return err
	}
	return h.rd.Page(w, r, "account/admin_users", data)
}

func (h *HTTP) usersError(w http.ResponseWriter, r *http.Request, err error) error {
	data, derr := h.usersData(r)
	if derr != nil {
		return derr
	}
	return h.formError(w, r, "account/admin_users", data, err)
}

func (h *HTTP) userRole(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	p := web.PrincipalFrom(r.Context())
	id := r.PathValue("id")
	if err := h.svc.SetRole(r.Context(), p, id, web.Role(r.PostForm.Get("role"))); err != nil {
		return h.usersError(w, r, err)
	}
	if id == p.UserID {
		// Her own sessions ended with the change: sign in again with the new role.
		h.clearSessionCookie(w)
		web.Redirect(w, r, "/signin?done=flash.account_role_changed")
		return nil
	}
	web.Redirect(w, r, "/admin/users?done=flash.account_role_changed")
	return nil
}

// orgUser finds a user of the admin's own organisation, or not found: ids of
// other organisations answer exactly like ids that do not exist.
func (h *HTTP) orgUser(r *http.Request, id string) (User, error) {
	users, err := h.svc.Users(r.Context(), web.PrincipalFrom(r.Context()))
	if err != nil {
		return User{}, err
	}
	for _, u := range users {
		if u.ID == id {
			return u, nil
		}
	}
	return User{}, apperr.ErrNotFound
}

func (h *HTTP) userRemovePage(w http.ResponseWriter, r *http.Request) error {
	u, err := h.orgUser(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	if u.ID == web.PrincipalFrom(r.Context()).UserID {
		// Leaving is done from settings, with her passphrase.
		web.Redirect(w, r, "/settings")
		return nil
	}
	return h.rd.Page(w, r, "account/admin_user_remove", u)
}

func (h *HTTP) userRemove(w http.ResponseWriter, r *http.Request) error {
	p := web.PrincipalFrom(r.Context())
	id := r.PathValue("id")
	if id == p.UserID {
		web.Redirect(w, r, "/settings")
		return nil
	}
	if err := h.svc.RemoveUser(r.Context(), p, id); err != nil {
		return h.usersError(w, r, err)
	}
	web.Redirect(w, r, "/admin/users?done=flash.account_user_removed")
	return nil
}

func (h *HTTP) orgTwoFactor(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	on := r.PostForm.Get("require") == "1"
	if err := h.svc.SetRequire2FA(r.Context(), web.PrincipalFrom(r.Context()), on); err != nil {
		return err
	}
	web.Redirect(w, r, "/admin/users?done=flash.account_org_2fa_saved")
	return nil
}

// Invites.

type inviteRowView struct {
	Invite
	RoleLabel string
	Status    string
}

// newInviteView is a code just made, shown once.
type newInviteView struct {
	Code      string
	ExpiresAt time.Time
	Link      string
	RoleLabel string
	OrgSlug   string
}

type invitesView struct {
	// ChooseRole: admins and network admins pick the role; outreach workers
	// invite members only and see no choice.
	ChooseRole bool
	Roles      []roleChoice
	// Orgs is offered to network admins, who may invite to any organisation.
	Orgs    []Org
	OrgSlug string
	Invites []inviteRowView
	New     *newInviteView
}

func (h *HTTP) invitesData(r *http.Request) (invitesView, error) {
	p := web.PrincipalFrom(r.Context())
	lang := h.rd.Catalog().Language(r, h.defLang)
	v := invitesView{ChooseRole: p.Role == web.RoleAdmin || p.NetworkAdmin, Roles: h.roleChoices(lang), OrgSlug: p.OrgSlug}
	if p.NetworkAdmin {
		orgs, _, err := h.svc.Orgs(r.Context(), p)
		if err != nil {
			return invitesView{}, err
		}
		v.Orgs = orgs
	}
	invs, err := h.svc.Invites(r.Context(), p)
	if err != nil {
		return invitesView{}, err
	}
	now := h.svc.clock()
	for _, i := range invs {
		v.Invites = append(v.Invites, inviteRowView{Invite: i, RoleLabel: h.roleLabel(lang, i.Role), Status: i.Status(now)})
	}
	return v, nil
}

func (h *HTTP) invitesPage(w http.ResponseWriter, r *http.Request) error {
	data, err := h.invitesData(r)
	if err != nil {
		return err
	}
	return h.rd.Page(w, r, "account/admin_invites", data)
}

// inviteCreate makes a code and shows it on the page it answers with, not
// after a redirect: the code must never be in a URL, where history keeps it.
func (h *HTTP) inviteCreate(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	p := web.PrincipalFrom(r.Context())
	role := web.Role(r.PostForm.Get("role"))
	code, inv, err := h.svc.CreateInvite(r.Context(), p, role, r.PostForm.Get("org"))
	data, derr := h.invitesData(r)
	if derr != nil {
		return derr
	}
	if err != nil {
		return h.formError(w, r, "account/admin_invites", data, err)
	}
	data.New = &newInviteView{
		Code: code, ExpiresAt: inv.ExpiresAt,
		Link:      "/register?code=" + url.QueryEscape(code),
		RoleLabel: h.roleLabel(h.rd.Catalog().Language(r, h.defLang), inv.Role),
		OrgSlug:   p.OrgSlug,
	}
	if o := r.PostForm.Get("org"); o != "" {
		data.New.OrgSlug = o
	}
	return h.rd.Render(w, http.StatusCreated, "account/admin_invites", h.rd.NewView(r, data))
}

func (h *HTTP) inviteRevoke(w http.ResponseWriter, r *http.Request) error {
	if err := h.svc.RevokeInvite(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id")); err != nil {
		return err
	}
	web.Redirect(w, r, "/admin/invites?done=flash.account_invite_revoked")
	return nil
}

// Audit log.

// auditPageSize is the page size of Service.AuditLog: a full page means
// there may be older entries.
const auditPageSize = 100

type auditRowView struct {
	AuditEntry
	Action  string // translated
	Object  string // translated object type
	ShortID string
}

type auditView struct {
	Entries []auditRowView
	// Broken is the seq of the first entry that does not follow from the
	// one before it; 0 when the chain is whole.
	Broken int64
	Before int64
	Older  int64 // the ?before= of the next page, 0 when there is none
}

func (h *HTTP) auditPage(w http.ResponseWriter, r *http.Request) error {
	before, err := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64)
	if err != nil || before < 0 {
		before = 0
	}
	entries, broken, err := h.svc.AuditLog(r.Context(), web.PrincipalFrom(r.Context()), before)
	if err != nil {
		return err
	}
	lang := h.rd.Catalog().Language(r, h.defLang)
	v := auditView{Broken: broken, Before: before}
	for _, e := range entries {
		v.Entries = append(v.Entries, auditRowView{
			AuditEntry: e,
			Action:     h.auditAction(lang, e.Action),
			Object:     h.translateOr(lang, "audit.object."+e.ObjectType, e.ObjectType),
			ShortID:    shortID(e.ObjectID),
		})
	}
	if len(entries) >= auditPageSize {
		v.Older = entries[len(entries)-1].Seq
	}
	return h.rd.Page(w, r, "account/admin_audit", v)
}

// translateOr translates id, or returns fallback when no catalog has it (an
// action another capability records without a message yet).
func (h *HTTP) translateOr(lang, id, fallback string) string {
	if !h.rd.Catalog().Has(lang, id) {
		return fallback
	}
	return h.rd.Catalog().Translate(lang, id, nil)
}

// auditAction translates an action id. Actions that end in a value
// ("user.role.moderator") are translated by their prefix
// ("audit.action.user.role"), with the value (a role's name when it is one)
// as Arg.
func (h *HTTP) auditAction(lang, action string) string {
	cat := h.rd.Catalog()
	if id := "audit.action." + action; cat.Has(lang, id) {
		return cat.Translate(lang, id, nil)
	}
	if i := strings.LastIndexByte(action, '.'); i > 0 {
		prefix, arg := action[:i], action[i+1:]
		if id := "audit.action." + prefix; cat.Has(lang, id) {
			return cat.Translate(lang, id, map[string]any{"Arg": h.translateOr(lang, "account.role."+arg, arg)})
		}
	}
	return action
}

// shortID is enough of an id to tell rows apart on a phone.
func shortID(id string) string {
	if len(id) <= 8 {
		return id
	}
	return id[:8] + "…"
}

// Network.

type orgRowView struct {
	Org
	Users int
}

func (h *HTTP) orgsData(r *http.Request) ([]orgRowView, error) {
	orgs, counts, err := h.svc.Orgs(r.Context(), web.PrincipalFrom(r.Context()))
	if err != nil {
		return nil, err
	}
	out := make([]orgRowView, 0, len(orgs))
	for _, o := range orgs {
		out = append(out, orgRowView{Org: o, Users: counts[o.ID]})
	}
	return out, nil
}

func (h *HTTP) orgsPage(w http.ResponseWriter, r *http.Request) error {
	data, err := h.orgsData(r)
	if err != nil {
		return err
	}
	return h.rd.Page(w, r, "account/network_orgs", data)
}

func (h *HTTP) orgCreate(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	if _, err := h.svc.CreateOrg(r.Context(), web.PrincipalFrom(r.Context()), r.PostForm.Get("name"), r.PostForm.Get("slug")); err != nil {
		data, derr := h.orgsData(r)
		if derr != nil {
			return derr
		}
		return h.formError(w, r, "account/network_orgs", data, err)
	}
	web.Redirect(w, r, "/network/orgs?done=flash.account_org_created")
	return nil
}
