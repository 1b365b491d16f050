package ident

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// normalizeText handles the free-text kinds: handle, name and other.
//
// All three fold case (Unicode full case folding, so "ß" matches "SS" and
// Greek final sigma matches sigma) and collapse runs of whitespace into one
// space. The Display keeps the case as typed.
//
//   - handle: leading '@' are dropped ("@BigWang" is "bigwang").
//   - name: middle dots count as spaces ("约翰·史密斯", "买买提·艾力"), and a
//     space between two Chinese, Japanese or Korean characters is removed,
//     since these names are written without spaces and members add them
//     unevenly ("张 三" is "张三").
//   - other: nothing more.
func normalizeText(kind Kind, s string) (string, string, Reason) {
	switch kind {
	case KindHandle:
		s = strings.TrimLeftFunc(s, func(r rune) bool { return r == '@' || unicode.IsSpace(r) })
	case KindName:
		s = strings.Map(func(r rune) rune {
			if strings.ContainsRune(middleDots, r) {
				return ' '
			}
			return r
		}, s)
	}
	display := tidySpace(kind, s)
	if display == "" {
		return "", "", ReasonEmpty
	}
	if isASCII(display) {
		// Folding ASCII is lower-casing it, and NFKC leaves ASCII alone
		// (FuzzFoldASCII).
		return strings.ToLower(display), display, ""
	}
	// NFKC again because folding can produce characters NFKC would change.
	value := tidySpace(kind, norm.NFKC.String(foldCase(display)))
	return value, display, ""
}

// foldCase applies Unicode full case folding. x/text folds Cherokee the
// wrong way round (golang/go#46101): Unicode folds the lowercase syllables
// added in Unicode 8 to the older uppercase ones, x/text swaps the two, so
// "Ꭰ" and "ꭰ" never match and folding is not idempotent. The lowercase
// syllables are mapped to uppercase afterwards, as CaseFolding.txt says; this
// also keeps Values unchanged on the day x/text is fixed.
func foldCase(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 0xAB70 && r <= 0xABBF: // CHEROKEE SMALL LETTER A … MV
			return r - 0xAB70 + 0x13A0
		case r >= 0x13F8 && r <= 0x13FD: // CHEROKEE SMALL LETTER YE … MV
			return r - 8
		}
		return r
	}, cases.Fold().String(s))
}

// tidySpace collapses whitespace and, in names, joins CJK characters.
func tidySpace(kind Kind, s string) string {
	if !tidy(s) {
		s = strings.Join(strings.Fields(s), " ")
	}
	if kind != KindName || !strings.Contains(s, " ") {
		return s
	}
	rs := []rune(s)
	var b strings.Builder
	for i, r := range rs {
		if r == ' ' && isCJK(rs[i-1]) && isCJK(rs[i+1]) {
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// tidy reports whether s has no whitespace but single spaces between
// words, as most values have: then strings.Fields would change nothing.
func tidy(s string) bool {
	for i, r := range s {
		if r == ' ' {
			if i == 0 || i == len(s)-1 || s[i+1] == ' ' {
				return false
			}
		} else if unicode.IsSpace(r) {
			return false
		}
	}
	return true
}

// isCJK reports whether r belongs to a script written without spaces
// between the parts of a name.
func isCJK(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul)
}
