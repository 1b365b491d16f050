package account

import (
	"net/http"
	"time"

	"github.com/sisterline/sisterline/internal/web"
)

// userJSON is a user as the API shows her.
type userJSON struct {
	Handle       string `json:"handle"`
	Role         string `json:"role"`
	Org          string `json:"org"`
	NetworkAdmin bool   `json:"network_admin"`
	Lang         string `json:"lang,omitempty"`
}

func toJSON(u User) userJSON {
	return userJSON{Handle: u.Handle, Role: string(u.Role), Org: u.OrgSlug, NetworkAdmin: u.NetworkAdmin, Lang: u.Lang}
}

func (h *HTTP) apiSignIn(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Handle     string `json:"handle"`
		Passphrase string `json:"passphrase"`
	}
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	sess, err := h.svc.SignIn(r.Context(), SignIn{Handle: in.Handle, Passphrase: in.Passphrase, API: true, AddressKey: h.addrs.Key(r)})
	if err != nil {
		return err
	}
	out := map[string]any{"token": sess.Token, "user": toJSON(sess.User), "expires_at": sess.Expires.Format(time.RFC3339)}
	if sess.SecondFactor {
		out["second_factor"] = true
	}
	web.JSON(w, http.StatusCreated, out)
	return nil
}

func (h *HTTP) apiSecondFactor(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Code string `json:"code"`
	}
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	if err := h.svc.VerifySecondFactor(r.Context(), web.PrincipalFrom(r.Context()), in.Code); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *HTTP) apiSignOut(w http.ResponseWriter, r *http.Request) error {
	if err := h.svc.SignOut(r.Context(), web.PrincipalFrom(r.Context())); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *HTTP) apiMe(w http.ResponseWriter, r *http.Request) error {
	p := web.PrincipalFrom(r.Context())
	lang := p.Lang
	if lang == "" {
		lang = h.defLang
	}
	web.JSON(w, http.StatusOK, userJSON{Handle: p.Handle, Role: string(p.Role), Org: p.OrgSlug, NetworkAdmin: p.NetworkAdmin, Lang: lang})
	return nil
}

func (h *HTTP) apiCreateOrg(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Name string `json:"name"`
		Slug string `json:"slug"`
	}
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	o, err := h.svc.CreateOrg(r.Context(), web.PrincipalFrom(r.Context()), in.Name, in.Slug)
	if err != nil {
		return err
	}
	web.JSON(w, http.StatusCreated, map[string]string{"slug": o.Slug, "name": o.Name})
	return nil
}

func (h *HTTP) apiCreateInvite(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Role string `json:"role"`
		Org  string `json:"org"`
	}
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	code, inv, err := h.svc.CreateInvite(r.Context(), web.PrincipalFrom(r.Context()), web.Role(in.Role), in.Org)
	if err != nil {
		return err
	}
	web.JSON(w, http.StatusCreated, map[string]string{"code": code, "expires_at": inv.ExpiresAt.Format(time.RFC3339)})
	return nil
}

func (h *HTTP) apiRegister(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Code       string `json:"code"`
		Handle     string `json:"handle"`
		Passphrase string `json:"passphrase"`
		Lang       string `json:"lang"`
	}
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	if !h.addrLimit(r) {
		return errRateLimited
	}
	u, err := h.svc.Register(r.Context(), in.Code, in.Handle, in.Passphrase, in.Lang)
	if err != nil {
		return err
	}
	web.JSON(w, http.StatusCreated, map[string]any{"user": toJSON(u)})
	return nil
}
