package ident

import (
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"
)

func TestHandleDropsAtSignAndFoldsCase(t *testing.T) {
	sameValue(t, KindHandle, "CN", "bigwang", "bigwang", "@BigWang", "@@BIGWANG", "@ bigwang", "＠ＢｉｇＷａｎｇ")
	checkAccepted(t, KindHandle, []accepted{
		{"@Big  Wang", "CN", "big wang", "Big Wang"},
		{"@Straße", "CN", "strasse", "Straße"},
	})
	checkRefused(t, KindHandle, []refused{{"@", "CN", ReasonEmpty}, {"@ @", "CN", ReasonEmpty}})
}

func TestNameFoldsCaseAndCollapsesSpace(t *testing.T) {
	sameValue(t, KindName, "CN", "john smith", "John Smith", "JOHN   SMITH", " john\tsmith ", "Ｊｏｈｎ Ｓｍｉｔｈ")
	sameValue(t, KindName, "CN", "strasse", "Straße", "STRASSE", "straße")
	sameValue(t, KindName, "CN", "σοφοσ", "ΣΟΦΟΣ", "σοφος") // final sigma
}

func TestChineseNameIgnoresSpacesAndDots(t *testing.T) {
	sameValue(t, KindName, "CN", "张三", "张三", "张 三", "张　三", " 张  三 ")
	sameValue(t, KindName, "CN", "约翰史密斯", "约翰·史密斯", "约翰•史密斯", "约翰・史密斯", "约翰 史密斯", "约翰史密斯")
	sameValue(t, KindName, "CN", "山田太郎", "山田 太郎")
	sameValue(t, KindName, "CN", "김철수", "김 철수")
	// Between a Chinese and a Latin word the space stays.
	checkAccepted(t, KindName, []accepted{
		{"张 San", "CN", "张 san", "张 San"},
		{"Jean·Luc", "CN", "jean luc", "Jean Luc"},
	})
}

func TestOtherFoldsCaseAndCollapsesSpace(t *testing.T) {
	checkAccepted(t, KindOther, []accepted{
		{"  Red   AUDI A6 ", "CN", "red audi a6", "Red AUDI A6"},
		{"张 三", "CN", "张 三", "张 三"}, // only names join Chinese characters
		{"@x", "CN", "@x", "@x"},
	})
}

func TestFreeTextKeepsJoiners(t *testing.T) {
	// The zero-width non-joiner changes a Persian word; it is kept in free
	// text (and dropped from ids, where it can only be noise).
	with, _ := Normalize(KindName, "می\u200cخواهم", "CN")
	without, _ := Normalize(KindName, "میخواهم", "CN")
	if with.Value == without.Value {
		t.Errorf("the zero-width non-joiner was dropped from a name")
	}
}

func TestCaseFoldingMatchesCherokeeEitherCase(t *testing.T) {
	// Unicode folds Cherokee to the uppercase letters; x/text swaps the
	// cases instead (golang/go#46101), which foldCase corrects.
	for _, k := range []Kind{KindHandle, KindName, KindOther} {
		sameValue(t, k, "CN", "\u13a0\u13f0\u13e3", "\u13a0\u13f0\u13e3", "\uab70\u13f8\uabb3", "\u13a0\u13f8\uabb3")
	}
}

// FuzzTidy: when tidy says a value needs no tidying, collapsing its
// whitespace must indeed leave it unchanged.
func FuzzTidy(f *testing.F) {
	for _, s := range []string{"", " ", "a b", "a  b", " a", "a ", "a\tb", "a\u3000b", "张 三", "a\u00a0b", "a\u2028b", "\u0085"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if tidy(s) && strings.Join(strings.Fields(s), " ") != s {
			t.Fatalf("tidy(%q) but Fields changes it", s)
		}
	})
}

// FuzzFoldASCII: for ASCII, normalizeText's shortcut (lower case) is what
// case folding and NFKC give.
func FuzzFoldASCII(f *testing.F) {
	for _, s := range []string{"", "BigWang", "K", "ß", "Ǆ", "A B", "~!@#$%^&*()_+{}|:\"<>?`-=[]\\;',./"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !isASCII(s) {
			return
		}
		if got, want := strings.ToLower(s), norm.NFKC.String(foldCase(s)); got != want {
			t.Fatalf("%q: lower case %q, folded %q", s, got, want)
		}
	})
}
