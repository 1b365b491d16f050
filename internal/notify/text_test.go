package notify_test

import (
	"strings"
	"testing"

	"github.com/sisterline/sisterline/internal/notify"
	"github.com/sisterline/sisterline/internal/web"
)

// TestEveryMessageBuiltFromANameExists covers the message ids the code and
// templates build at run time (a kind's text, a channel's name), which a
// search for literal ids cannot find.
func TestEveryMessageBuiltFromANameExists(t *testing.T) {
	cat, err := web.NewCatalog(discardLog(), web.FrameFS(), notify.Files())
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, k := range notify.Kinds() {
		ids = append(ids, "notify.kind."+string(k))
		if k != notify.KindTest {
			ids = append(ids, "notify.text."+string(k))
		}
	}
	for _, c := range notify.Channels() {
		ids = append(ids, "notify.channel."+string(c), "notify.channel_short."+string(c))
	}
	for _, g := range notify.Groups() {
		ids = append(ids, "notify.group."+string(g))
	}
	for _, r := range web.Roles() {
		ids = append(ids, "notify.role."+string(r))
	}
	ids = append(ids, "notify.text.neutral", "notify.text.test", "notify.title")
	for _, lang := range web.LangTags() {
		for _, id := range ids {
			if !cat.Has(lang, id) {
				t.Errorf("%s has no message %q", lang, id)
			}
		}
	}
}

// TestTheNeutralTextSaysNothingAboutTheSubject pins what a lock screen shows
// by default: the site's name and that there is a notice, nothing more.
func TestTheNeutralTextSaysNothingAboutTheSubject(t *testing.T) {
	cat, err := web.NewCatalog(discardLog(), web.FrameFS(), notify.Files())
	if err != nil {
		t.Fatal(err)
	}
	telling := []string{"alert", "warn", "check", "safe", "report", "client", "danger", "violen", "police", "sex",
		"预警", "警告", "平安", "报告", "客人", "危险", "暴力", "警察", "性"}
	for _, lang := range web.LangTags() {
		for _, id := range []string{"notify.text.neutral", "notify.title"} {
			text := strings.ToLower(cat.Translate(lang, id, map[string]any{"Site": "Notes"}))
			if !strings.Contains(text, "notes") {
				t.Errorf("%s %s = %q: no site name", lang, id, text)
			}
			for _, w := range telling {
				if strings.Contains(text, w) {
					t.Errorf("%s %s = %q says %q", lang, id, text, w)
				}
			}
		}
	}
}
