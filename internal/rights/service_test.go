package rights

import (
	"context"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/sisterline/sisterline/internal/apperr"
	"github.com/sisterline/sisterline/internal/db"
	"github.com/sisterline/sisterline/internal/db/dbtest"
)

var ctx = context.Background()

// pack builds a content pack of documents and directory files.
func pack(docs []Document, dirs map[string]string) fstest.MapFS {
	p := fstest.MapFS{}
	for _, d := range docs {
		p["rights/"+d.Slug+"."+d.Lang+".md"] = articleFile(d)
	}
	for name, text := range dirs {
		p["directory/"+name] = &fstest.MapFile{Data: []byte(text)}
	}
	return p
}

func bothLangs(slug string, edit func(*Document)) []Document {
	var out []Document
	for _, l := range langs {
		d := validDoc(slug, l)
		if edit != nil {
			edit(&d)
		}
		out = append(out, d)
	}
	return out
}

func TestImportSkipsUnchangedFilesAndVersionsChangedOnes(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		docs := append(bothLangs("police-stop", nil), bothLangs("penalties", nil)...)
		rep := f.importPacks(t, pack(docs, nil))
		if rep.Added != 4 || rep.Updated != 0 || len(rep.Problems) != 0 {
			t.Fatalf("first import: %+v", rep)
		}
		rep = f.importPacks(t, pack(docs, nil))
		if rep.Added != 0 || rep.Updated != 0 || rep.Unchanged != 4 {
			t.Fatalf("second import of the same pack: %+v", rep)
		}
		docs[0].Title = "A better title"
		rep = f.importPacks(t, pack(docs, nil))
		if rep.Updated != 1 || rep.Unchanged != 3 {
			t.Fatalf("import with one file changed: %+v", rep)
		}
		a, fallback, err := f.svc.Article(ctx, "police-stop", docs[0].Lang)
		if err != nil || fallback {
			t.Fatal(err, fallback)
		}
		if a.Title != "A better title" || a.Version != 2 || a.Origin != "pack" || !strings.Contains(a.HTML, "<h2>") {
			t.Fatalf("article after update: %+v", a)
		}
		vs, err := f.svc.History(ctx, moderator(), "police-stop", docs[0].Lang)
		if err != nil || len(vs) != 2 || vs[0].Number != 2 || vs[0].Origin != "pack" {
			t.Fatalf("history: %+v %v", vs, err)
		}
	})
}

func TestInvalidPackFileIsReportedAndTheRestStillLoads(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		p := pack(bothLangs("police-stop", nil), map[string]string{"bad.toml": "[[entry]\nname="})
		bad := validDoc("broken", "en")
		bad.Sources = nil
		p["rights/broken.en.md"] = articleFile(bad)
		rep := f.importPacks(t, p)
		if rep.Added != 2 || len(rep.Problems) != 2 {
			t.Fatalf("report: %+v", rep)
		}
		if _, _, err := f.svc.Article(ctx, "broken", "en"); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("invalid article was imported: %v", err)
		}
	})
}

func TestStaffEditSurvivesRestartAndANewerPackIsFlagged(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		docs := bothLangs("police-stop", nil)
		f.importPacks(t, pack(docs, nil))
		edited := docs[1]
		edited.Title = "Edited by staff"
		if _, err := f.svc.Save(ctx, moderator(), edited, 1); err != nil {
			t.Fatal(err)
		}
		if got := f.audit.list(); len(got) != 1 || got[0] != "org-a user-mod rights.article.save article police-stop/en" {
			t.Fatalf("audit: %q", got)
		}
		// A restart with the same pack keeps the edit.
		rep := f.importPacks(t, pack(docs, nil))
		if rep.Unchanged != 2 {
			t.Fatalf("restart: %+v", rep)
		}
		a, _, _ := f.svc.Article(ctx, "police-stop", "en")
		if a.Title != "Edited by staff" || a.Origin != "staff" || a.PackNewer {
			t.Fatalf("after restart: %+v", a)
		}
		// A newer pack keeps the edit too, and says so.
		docs[1].Title = "Newer pack title"
		rep = f.importPacks(t, pack(docs, nil))
		if rep.KeptStaff != 1 {
			t.Fatalf("newer pack: %+v", rep)
		}
		a, _, _ = f.svc.Article(ctx, "police-stop", "en")
		if a.Title != "Edited by staff" || !a.PackNewer || a.Version != 2 {
			t.Fatalf("after newer pack: %+v", a)
		}
		vs, err := f.svc.History(ctx, moderator(), "police-stop", "en")
		if err != nil || len(vs) != 3 || vs[0].Origin != "pack" || vs[1].Origin != "staff" || vs[1].By != "handle-of-user-mod" {
			t.Fatalf("history: %+v %v", vs, err)
		}
		v, err := f.svc.Version(ctx, moderator(), "police-stop", "en", 3)
		if err != nil || !strings.Contains(v.Document, "Newer pack title") {
			t.Fatalf("pack version text: %v %q", err, v.Document)
		}
		// Another organisation's staff do not learn the editor's handle.
		other := moderator()
		other.OrgID = "org-b"
		vs, _ = f.svc.History(ctx, other, "police-stop", "en")
		if vs[1].By != "" {
			t.Fatalf("handle shown to another organisation: %q", vs[1].By)
		}
		// And the same newer pack again changes nothing more.
		if rep := f.importPacks(t, pack(docs, nil)); rep.Unchanged != 2 || rep.KeptStaff != 0 {
			t.Fatalf("newer pack again: %+v", rep)
		}
	})
}

func TestSaveRefusesAStaleEditAnInvalidOneAndNonEditors(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		docs := bothLangs("police-stop", nil)
		f.importPacks(t, pack(docs, nil))
		if _, err := f.svc.Save(ctx, member(), docs[0], 1); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("member saved: %v", err)
		}
		if _, err := f.svc.Save(ctx, moderator(), docs[0], 0); !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("stale edit (new over existing): %v", err)
		}
		if _, err := f.svc.Save(ctx, moderator(), docs[0], 1); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Save(ctx, moderator(), docs[0], 1); !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("second save from the same old version: %v", err)
		}
		bad := docs[0]
		bad.Sources = nil
		_, err := f.svc.Save(ctx, moderator(), bad, 2)
		if ae, ok := apperr.As(err); !ok || ae.Fields["sources"] == "" {
			t.Fatalf("save without sources: %v", err)
		}
		// A new translation is a new article at version 0.
		fresh := validDoc("new-one", "en")
		if a, err := f.svc.Save(ctx, moderator(), fresh, 0); err != nil || a.Version != 1 {
			t.Fatalf("new article: %+v %v", a, err)
		}
	})
}

func TestOrganisationPackReplacesShippedFilesWithoutFlapping(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		shipped := pack(append(bothLangs("police-stop", nil), bothLangs("penalties", nil)...), nil)
		own := validDoc("police-stop", "zh-CN")
		own.Title = "我们机构自己的版本"
		org := pack([]Document{own, validDoc("local-only", "zh-CN")}, nil)
		rep := f.importPacks(t, shipped, org)
		if rep.Added != 5 {
			t.Fatalf("first import: %+v", rep)
		}
		a, _, _ := f.svc.Article(ctx, "police-stop", "zh-CN")
		if a.Title != own.Title {
			t.Fatalf("organisation's file did not win: %q", a.Title)
		}
		if rep := f.importPacks(t, shipped, org); rep.Unchanged != 5 || rep.Updated != 0 {
			t.Fatalf("restart with both packs: %+v", rep)
		}
	})
}

func TestSearchFindsAChineseWordInsideASentence(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		held := bothLangs("held", func(d *Document) {
			if d.Lang == "zh-CN" {
				d.Title = "被关多久"
				d.Body = body(d.Lang, "卖淫嫖娼的，处十日以上十五日以下拘留，可以并处五千元以下罚款。")
			} else {
				d.Title = "How long police can hold you"
				d.Body = body(d.Lang, "Detention of 10 to 15 days.")
			}
		})
		titled := bothLangs("titled", func(d *Document) {
			if d.Lang == "zh-CN" {
				d.Title = "行政拘留是什么"
			}
		})
		f.importPacks(t, pack(append(held, titled...), nil))
		list, err := f.svc.List(ctx, "zh-CN", "", "拘留")
		if err != nil {
			t.Fatal(err)
		}
		if got := slugs(list); got != "titled held" {
			t.Fatalf("拘留: %q, want the title hit first", got)
		}
		list, _ = f.svc.List(ctx, "zh-CN", "", "五千元 拘留")
		if got := slugs(list); got != "held" {
			t.Fatalf("two terms: %q", got)
		}
		list, _ = f.svc.List(ctx, "zh-CN", "", "罚款 police")
		if got := slugs(list); got != "" {
			t.Fatalf("terms from two languages matched one text: %q", got)
		}
	})
}

func TestSearchInEnglishIgnoresCaseAndShowsTheReadersLanguage(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.importPacks(t, pack(bothLangs("police-stop", func(d *Document) {
			if d.Lang == "en" {
				d.Title = "When Police stop you"
			}
		}), nil))
		for _, q := range []string{"POLICE", "police", "Ｐｏｌｉｃｅ", "when police"} {
			list, err := f.svc.List(ctx, "en", "", q)
			if err != nil || slugs(list) != "police-stop" {
				t.Fatalf("%q: %q %v", q, slugs(list), err)
			}
		}
		// Only the English text says "police"; a Chinese reader still gets
		// the Chinese version of the article.
		list, _ := f.svc.List(ctx, "zh-CN", "", "police")
		if len(list) != 1 || list[0].Lang != "zh-CN" || list[0].Fallback {
			t.Fatalf("zh-CN reader: %+v", list)
		}
		if list, _ := f.svc.List(ctx, "en", "INT", "police"); len(list) != 0 {
			t.Fatalf("jurisdiction filter ignored: %+v", list)
		}
	})
}

func TestSearchTakesPercentAndUnderscoreLiterally(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		texts := map[string]string{"percent": "It is 100% free.", "thousand": "It costs 1000 yuan.",
			"underscore": "Code a_c here.", "letters": "Code abc here."}
		var docs []Document
		for slug, text := range texts {
			docs = append(docs, bothLangs(slug, func(d *Document) { d.Body = body(d.Lang, text) })...)
		}
		f.importPacks(t, pack(docs, nil))
		for q, want := range map[string]string{"100%": "percent", "a_c": "underscore", "%": "percent", "_": "underscore", "100_": ""} {
			list, err := f.svc.List(ctx, "en", "", q)
			if err != nil || slugs(list) != want {
				t.Errorf("%q: %q %v, want %q", q, slugs(list), err, want)
			}
		}
	})
}

func slugs(list []Listing) string {
	s := make([]string, len(list))
	for i, m := range list {
		s[i] = m.Slug
	}
	return strings.Join(s, " ")
}

func TestAMissingTranslationFallsBackToTheOtherLanguage(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.importPacks(t, pack(append(bothLangs("both", nil), validDoc("english-only", "en")), nil))
		a, fallback, err := f.svc.Article(ctx, "english-only", "zh-CN")
		if err != nil || !fallback || a.Lang != "en" {
			t.Fatalf("fallback: %+v %v %v", a.Lang, fallback, err)
		}
		a, fallback, _ = f.svc.Article(ctx, "both", "zh-CN")
		if fallback || a.Lang != "zh-CN" {
			t.Fatalf("no fallback needed: %s %v", a.Lang, fallback)
		}
		list, _ := f.svc.List(ctx, "zh-CN", "", "")
		if len(list) != 2 || list[0].Lang != "zh-CN" || list[1].Lang != "en" || !list[1].Fallback {
			t.Fatalf("list: %+v", list)
		}
		if _, _, err := f.svc.Article(ctx, "nothing", "en"); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("unknown slug: %v", err)
		}
	})
}

func TestNeedsReviewAfterTheReviewPeriod(t *testing.T) {
	f := newFixture(t, dbtest.SQLite(t))
	if f.svc.NeedsReview("2026-11-28") {
		t.Fatal("a fresh review needs review")
	}
	f.clock.set(packDay.Add(366 * 24 * time.Hour))
	if !f.svc.NeedsReview("2026-11-28") {
		t.Fatal("a review older than a year does not need review")
	}
}

// helpDirectory is a directory for Help: services at every level.
var helpDirectory = entryTOML("National legal aid", "legal_aid", "CN") +
	entryTOML("National PEP list", "pep_site", "CN") +
	entryTOML("Kunming PEP clinic", "pep_site", "CN-YN-Kunming") +
	entryTOML("Gengma clinic", "clinic", "CN-YN-Gengma") +
	entryTOML("Women's hotline", "hotline", "CN") +
	entryTOML("Kunming sisters", "sex_worker_org", "CN-YN-Kunming") +
	entryTOML("Global network", "network", "INT") +
	entryTOML("Hong Kong group", "sex_worker_org", "HK")

func helpFixture(t *testing.T, d *db.DB) *fixture {
	f := newFixture(t, d)
	var docs []Document
	add := func(slug, jurisdiction string, card bool, types ...string) {
		docs = append(docs, bothLangs(slug, func(d *Document) {
			d.Jurisdiction, d.Card, d.IncidentTypes = jurisdiction, card, types
		})...)
	}
	add("police-stop", "CN", true, "police_abuse")
	add("penalties", "CN", false, "police_abuse")
	add("card-cn", "CN", false, "police_abuse", "sexual_violence")
	add("after-sexual-assault", "CN", true, "sexual_violence", "drugging")
	add("report-crime", "CN", true, "sexual_violence", "robbery", "theft", "threats")
	add("general-assault", "INT", false, "sexual_violence")
	add("thai-police", "TH", false, "police_abuse")
	f.importPacks(t, pack(docs, map[string]string{"d.toml": helpDirectory}))
	return f
}

func names(es []Entry) string {
	s := make([]string, len(es))
	for i, e := range es {
		s[i] = e.Name
	}
	return strings.Join(s, ", ")
}

func TestHelpAfterPoliceAbuseGivesPoliceArticlesAndLegalAid(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := helpFixture(t, d)
		h, err := f.svc.Help(ctx, "zh-CN", []string{"police_abuse"}, "CN-YN-Kunming")
		if err != nil {
			t.Fatal(err)
		}
		if got := slugs(h.Articles); got != "police-stop penalties" {
			t.Errorf("articles: %q (cards and other countries left out, key article first)", got)
		}
		if h.Articles[0].Lang != "zh-CN" {
			t.Errorf("article language %s", h.Articles[0].Lang)
		}
		if got := names(h.Entries); got != "National legal aid, Kunming sisters" {
			t.Errorf("entries: %q", got)
		}
	})
}

func TestHelpAfterSexualViolenceGivesTheNearestPEPSite(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := helpFixture(t, d)
		// A place name the directory knows, as a report writes it.
		h, err := f.svc.Help(ctx, "en", []string{"sexual_violence", "not_a_type"}, "kunming")
		if err != nil {
			t.Fatal(err)
		}
		if got := slugs(h.Articles); got != "after-sexual-assault report-crime general-assault" {
			t.Errorf("articles: %q", got)
		}
		if got := names(h.Entries); got != "Kunming PEP clinic, Women's hotline, Kunming sisters" {
			t.Errorf("entries in Kunming: %q", got)
		}
		// Elsewhere in China: the national PEP list.
		h, _ = f.svc.Help(ctx, "en", []string{"sexual_violence"}, "CN-SD-Linyi")
		if got := names(h.Entries); got != "National PEP list, Women's hotline" {
			t.Errorf("entries in Linyi: %q", got)
		}
		// A place it does not know counts as the default area, China.
		h, _ = f.svc.Help(ctx, "en", []string{"sexual_violence"}, "somewhere")
		if got := names(h.Entries); got != "National PEP list, Women's hotline" {
			t.Errorf("entries somewhere: %q", got)
		}
	})
}

func TestDirectoryFiltersByAreaAndKind(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := helpFixture(t, d)
		for _, c := range []struct{ area, kind, want string }{
			{"CN-YN", "", "Gengma clinic, Kunming PEP clinic, Kunming sisters"},
			{"CN", "pep_site", "National PEP list, Kunming PEP clinic"},
			{"", "network", "Global network"},
			{"HK", "", "Hong Kong group"},
		} {
			list, err := f.svc.Directory(ctx, c.area, c.kind)
			if err != nil || names(list) != c.want {
				t.Errorf("area %q kind %q: %q %v, want %q", c.area, c.kind, names(list), err, c.want)
			}
		}
		if _, err := f.svc.Directory(ctx, "", "brothel"); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("unknown kind: %v", err)
		}
		if _, err := f.svc.Directory(ctx, "C", ""); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("area not a code: %v", err)
		}
		if _, err := f.svc.Directory(ctx, "CN%", ""); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("area with a wildcard: %v", err)
		}
	})
}

func TestDirectoryKeepsStaffEditsAndDropsEntriesAPackRemoved(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		two := entryTOML("Line A", "hotline", "CN") + entryTOML("Line B", "hotline", "CN")
		p := pack(bothLangs("x", nil), map[string]string{"d.toml": two})
		if rep := f.importPacks(t, p); rep.Entries != 2 {
			t.Fatalf("import: %+v", rep)
		}
		list, _ := f.svc.Directory(ctx, "", "")
		a := list[0]
		a.Hours = "9:00-17:00"
		if _, err := f.svc.SaveEntry(ctx, moderator(), a); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.SaveEntry(ctx, member(), a); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("member edited: %v", err)
		}
		added, err := f.svc.SaveEntry(ctx, moderator(), Entry{Name: "Our clinic", Kind: "clinic", Area: "CN-YN-Kunming", Contact: "https://example.org", VerifiedOn: "2026-11-28"})
		if err != nil {
			t.Fatal(err)
		}
		// The next pack lists neither A nor B any more, and changed A.
		p["directory/d.toml"] = &fstest.MapFile{Data: []byte(strings.Replace(entryTOML("Line A", "hotline", "CN"), "12348", "999", 1))}
		f.importPacks(t, p)
		list, _ = f.svc.Directory(ctx, "", "")
		if got := names(list); got != "Line A, Our clinic" {
			t.Fatalf("after pack change: %q", got)
		}
		if list[0].Hours != "9:00-17:00" || list[0].Contact != "12348" || list[0].Origin != "staff" {
			t.Fatalf("staff edit lost: %+v", list[0])
		}
		if got := f.audit.list(); len(got) != 2 || !strings.HasSuffix(got[1], "rights.directory.add directory_entry "+added.ID) {
			t.Fatalf("audit: %q", got)
		}
		bad := Entry{Name: "", Kind: "x", Area: "somewhere", Contact: "", VerifiedOn: "soon", SourceURL: "ftp://x"}
		_, err = f.svc.SaveEntry(ctx, moderator(), bad)
		ae, ok := apperr.As(err)
		if !ok || len(ae.Fields) != 6 {
			t.Fatalf("invalid entry: %v", err)
		}
		if _, err := f.svc.Entry(ctx, "no-such-id"); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("unknown entry: %v", err)
		}
	})
}

func TestCardIsFoundByJurisdictionWithItsKeyArticles(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := helpFixture(t, d)
		card, fallback, key, err := f.svc.Card(ctx, "cn", "en")
		if err != nil || fallback || card.Slug != "card-cn" {
			t.Fatalf("card: %s %v %v", card.Slug, fallback, err)
		}
		if got := slugs(key); got != "after-sexual-assault police-stop report-crime" {
			t.Fatalf("key articles: %q", got)
		}
		if _, _, _, err := f.svc.Card(ctx, "TH", "en"); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("no card for TH: %v", err)
		}
		if _, _, _, err := f.svc.Card(ctx, "../x", "en"); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("bad jurisdiction: %v", err)
		}
	})
}

// TestRemovedEntriesStayOutOfTheDirectory: staff remove an entry they added
// and one that came with the pack; the next import of the same pack does not
// bring the second back; members cannot remove.
func TestRemovedEntriesStayOutOfTheDirectory(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		p := pack(bothLangs("x", nil), map[string]string{"d.toml": entryTOML("Line A", "hotline", "CN") + entryTOML("Line B", "hotline", "CN")})
		f.importPacks(t, p)
		added, err := f.svc.SaveEntry(ctx, moderator(), Entry{Name: "Our clinic", Kind: "clinic", Area: "CN-YN-Kunming", Contact: "https://example.org", VerifiedOn: "2026-11-28"})
		if err != nil {
			t.Fatal(err)
		}
		list, _ := f.svc.Directory(ctx, "", "")
		if got := names(list); got != "Line A, Line B, Our clinic" {
			t.Fatalf("before: %q", got)
		}
		if _, err := f.svc.RemoveEntry(ctx, member(), list[0].ID); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("a member removed an entry: %v", err)
		}
		for _, id := range []string{list[0].ID, added.ID} {
			if _, err := f.svc.RemoveEntry(ctx, moderator(), id); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := f.svc.RemoveEntry(ctx, moderator(), added.ID); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("removing twice: %v", err)
		}
		// The same pack again, changed so that it is read anew.
		p["directory/d.toml"] = &fstest.MapFile{Data: []byte(strings.Replace(entryTOML("Line A", "hotline", "CN"), "12348", "999", 1) + entryTOML("Line B", "hotline", "CN"))}
		f.importPacks(t, p)
		list, _ = f.svc.Directory(ctx, "", "")
		if got := names(list); got != "Line B" {
			t.Fatalf("after removal and a new import: %q", got)
		}
		if got := f.audit.list(); len(got) != 3 || !strings.HasSuffix(got[2], "rights.directory.remove directory_entry "+added.ID) {
			t.Fatalf("audit: %q", got)
		}
	})
}
