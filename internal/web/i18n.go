package web

import (
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
	"sort"
	"sync"

	"github.com/BurntSushi/toml"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

// Languages the UI speaks, the first being the fallback of last resort.
var uiLanguages = []language.Tag{language.MustParse("zh-CN"), language.English}

// LangTags lists the UI languages as BCP 47 strings.
func LangTags() []string { return []string{"zh-CN", "en"} }

// Catalog holds every UI message in every language. Each capability keeps its
// messages in locales/en.toml and locales/zh-CN.toml beside its code.
type Catalog struct {
	bundle  *i18n.Bundle
	matcher language.Matcher
	ids     map[string]map[string]bool // lang → message ids
	locs    map[string]*i18n.Localizer
	log     *slog.Logger
	// plain caches messages translated without data: most of a page.
	plain sync.Map // lang + "\x00" + id → string
}

// NewCatalog loads locales/*.toml from each file system.
func NewCatalog(log *slog.Logger, fss ...fs.FS) (*Catalog, error) {
	b := i18n.NewBundle(language.English)
	b.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	c := &Catalog{bundle: b, matcher: language.NewMatcher(uiLanguages), ids: map[string]map[string]bool{}, log: log}
	for _, fsys := range fss {
		files, err := fs.Glob(fsys, "locales/*.toml")
		if err != nil {
			return nil, fmt.Errorf("web: catalogs: %w", err)
		}
		for _, f := range files {
			raw, err := fs.ReadFile(fsys, f)
			if err != nil {
				return nil, fmt.Errorf("web: read %s: %w", f, err)
			}
			mf, err := b.ParseMessageFileBytes(raw, path.Base(f))
			if err != nil {
				return nil, fmt.Errorf("web: parse %s: %w", f, err)
			}
			lang := mf.Tag.String()
			if c.ids[lang] == nil {
				c.ids[lang] = map[string]bool{}
			}
			for _, m := range mf.Messages {
				if c.ids[lang][m.ID] {
					return nil, fmt.Errorf("web: message %q defined twice for %s", m.ID, lang)
				}
				c.ids[lang][m.ID] = true
			}
		}
	}
	c.locs = map[string]*i18n.Localizer{}
	for _, t := range uiLanguages {
		c.locs[t.String()] = i18n.NewLocalizer(b, t.String())
	}
	return c, nil
}

// IDs returns the message ids defined for a language, sorted.
func (c *Catalog) IDs(lang string) []string {
	ids := make([]string, 0, len(c.ids[lang]))
	for id := range c.ids[lang] {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// Has reports whether id is defined in lang.
func (c *Catalog) Has(lang, id string) bool { return c.ids[lang][id] }

// Match picks the UI language for an Accept-Language header, or "" when the
// header names none we speak.
func (c *Catalog) Match(acceptLanguage string) string {
	tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(tags) == 0 {
		return ""
	}
	_, idx, conf := c.matcher.Match(tags...)
	if conf == language.No {
		return ""
	}
	return uiLanguages[idx].String()
}

// Translate returns message id in lang filled with data (pairs of key, value).
// A missing message returns the id itself, so a gap shows and is logged, and
// never breaks a page.
func (c *Catalog) Translate(lang, id string, data map[string]any) string {
	if data == nil {
		if s, ok := c.plain.Load(lang + "\x00" + id); ok {
			return s.(string)
		}
	}
	loc := c.locs[lang]
	if loc == nil {
		loc = c.locs[uiLanguages[0].String()]
	}
	cfg := &i18n.LocalizeConfig{MessageID: id, TemplateData: data}
	if n, ok := data["Count"]; ok {
		cfg.PluralCount = n
	}
	s, err := loc.Localize(cfg)
	if err != nil {
		c.log.Warn("missing message", "lang", lang, "id", id)
		return id
	}
	if data == nil {
		c.plain.Store(lang+"\x00"+id, s)
	}
	return s
}

// Language decides the UI language of a request: the signed-in user's
// setting, then the language cookie, then Accept-Language, then def.
func (c *Catalog) Language(r *http.Request, def string) string {
	if p := PrincipalFrom(r.Context()); p != nil && validLang(p.Lang) {
		return p.Lang
	}
	if ck, err := r.Cookie(LangCookie); err == nil && validLang(ck.Value) {
		return ck.Value
	}
	if l := c.Match(r.Header.Get("Accept-Language")); l != "" {
		return l
	}
	return def
}

// LangCookie remembers the language a signed-out visitor chose.
const LangCookie = "lang"

func validLang(s string) bool { return s == "zh-CN" || s == "en" }

// ValidLang reports whether s is a UI language.
func ValidLang(s string) bool { return validLang(s) }
