package ident

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Kind is the kind of an identifier.
type Kind string

// The kinds of the API contract, in the order Kinds returns them.
const (
	KindPhone  Kind = "phone"
	KindWeChat Kind = "wechat"
	KindQQ     Kind = "qq"
	KindEmail  Kind = "email"
	KindPlate  Kind = "plate"
	KindHandle Kind = "handle"
	KindName   Kind = "name"
	KindOther  Kind = "other"
)

// Kinds returns all kinds, in the order of the API contract.
func Kinds() []Kind {
	return []Kind{KindPhone, KindWeChat, KindQQ, KindEmail, KindPlate, KindHandle, KindName, KindOther}
}

// ParseKind returns the kind named exactly s (as in the API: "phone", "wechat", …).
func ParseKind(s string) (Kind, bool) {
	for _, k := range Kinds() {
		if string(k) == s {
			return k, true
		}
	}
	return "", false
}

// Identifier is a normalised identifier.
type Identifier struct {
	Kind    Kind
	Value   string // canonical form used for matching (e.g. phone in E.164 "+8613800138000")
	Display string // a readable form for people (e.g. "+86 138 0013 8000")
}

// MatchKey returns the string that is fed to the blind index: kind + ":" + Value.
func (id Identifier) MatchKey() string {
	return string(id.Kind) + ":" + id.Value
}

// MaxRunes is the longest value accepted, in characters, both as typed and as
// normalised (case folding can lengthen a value: "ß" folds to "ss").
const MaxRunes = 200

// DefaultRegion is used for phone numbers when the organisation has no region.
const DefaultRegion = "CN"

// Normalize parses raw as kind, with region the default ISO 3166 region (e.g.
// "CN") for phone numbers without a country code. It fails with a *ParseError.
//
// Every kind is first trimmed, stripped of invisible characters and put in
// Unicode NFKC, which turns what a Chinese keyboard types in full width
// ("１３８", "ＡＢＣ", "：", "＠") into ASCII; values over MaxRunes are
// refused. Then, in short (the normaliser of each kind documents its rules
// and the reasons for them):
//   - phone: Value in E.164, Display in international format; national
//     numbers are read in region (DefaultRegion when empty); the number must
//     be possible and inside its country's plan, not necessarily assigned.
//   - wechat: the ID in lower case; a phone or QQ number given as a WeChat ID
//     keeps its digits.
//   - qq: 5 to 11 digits.
//   - email: lower case; provider rules (Gmail dots, "+tags") are not applied.
//   - plate: letters and digits, Latin letters upper case, separators
//     dropped; Chinese plates display as "京A·12345".
//   - handle, name, other: case folded, whitespace collapsed; a handle drops
//     leading '@', a name drops spaces between Chinese characters.
//
// Labels typed in front of an id ("微信：", "QQ", "电话", "车牌") are dropped.
func Normalize(kind Kind, raw, region string) (Identifier, error) {
	return normalize(kind, raw, region, &memo{})
}

// memo keeps what the kinds' normalisers share during one Normalize or
// Guess call, so that Guess, which tries every kind, prepares the value once
// as text and once as an id, and parses a phone number once.
type memo struct {
	prepared [2]struct {
		s      string
		reason Reason
		done   bool
	}
	phones phoneCache
}

// prepare is prepare(raw, text), remembered.
func (m *memo) prepare(raw string, text bool) (string, Reason) {
	p := &m.prepared[0]
	if text {
		p = &m.prepared[1]
	}
	if !p.done {
		p.s, p.reason = prepare(raw, text)
		p.done = true
	}
	return p.s, p.reason
}

// normalize is Normalize with a memo of the work the kinds share.
func normalize(kind Kind, raw, region string, m *memo) (Identifier, error) {
	if _, ok := ParseKind(string(kind)); !ok {
		return Identifier{}, &ParseError{Kind: kind, Reason: ReasonUnknownKind}
	}
	s, reason := m.prepare(raw, isText(kind))
	cache := m.phones
	var value, display string
	if reason == "" {
		switch kind {
		case KindPhone:
			value, display, reason = normalizePhone(s, region, cache)
		case KindWeChat:
			value, display, reason = normalizeWeChat(s, region, cache)
		case KindQQ:
			value, display, reason = normalizeQQ(s)
		case KindEmail:
			value, display, reason = normalizeEmail(s)
		case KindPlate:
			value, display, reason = normalizePlate(s)
		default:
			value, display, reason = normalizeText(kind, s)
		}
	}
	if reason == "" && utf8.RuneCountInString(value) > MaxRunes {
		// Only case folding can grow a value past the limit; refusing it
		// keeps Normalize(kind, Value) == Value.
		reason = ReasonTooLong
	}
	if reason != "" {
		return Identifier{}, &ParseError{Kind: kind, Reason: reason}
	}
	return Identifier{Kind: kind, Value: value, Display: display}, nil
}

// isText reports whether kind is free text (as opposed to an id with a syntax).
func isText(kind Kind) bool {
	return kind == KindHandle || kind == KindName || kind == KindOther
}

// prepare does what all kinds share: it refuses invalid UTF-8, trims, drops
// invisible characters, applies NFKC and enforces the length limit.
//
// Control characters that are spacing (tab, newline) become spaces; other
// controls and format characters (zero-width space, BOM, bidi marks, soft
// hyphen — what copy and paste brings along) are dropped, because nobody can
// see them and they would split one man into two. In free text the zero-width
// (non-)joiners are kept: they change the meaning of words in Persian and the
// Indic scripts and form emoji. Invisible characters are dropped before NFKC
// so that NFKC sees the characters that end up next to each other.
func prepare(raw string, text bool) (string, Reason) {
	if !utf8.ValidString(raw) {
		return "", ReasonInvalidText
	}
	s := strings.TrimSpace(raw)
	// Bound the work before NFKC; the limit is checked again after it,
	// because NFKC can expand a character into many ("㍻" → "平成").
	if utf8.RuneCountInString(s) > MaxRunes {
		return "", ReasonTooLong
	}
	s = strings.Map(func(r rune) rune {
		switch {
		case unicode.IsControl(r) && unicode.IsSpace(r):
			return ' '
		case text && (r == '\u200c' || r == '\u200d'):
			return r
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r):
			return -1
		}
		return r
	}, s)
	s = strings.TrimSpace(norm.NFKC.String(s))
	if s == "" {
		return "", ReasonEmpty
	}
	if utf8.RuneCountInString(s) > MaxRunes {
		return "", ReasonTooLong
	}
	return s, ""
}

// middleDots are the dots people put between the parts of a plate ("京A·12345")
// or of a transliterated name ("约翰·史密斯"): U+00B7, U+2022, U+2027, U+30FB
// (NFKC turns the half-width U+FF65 into it), U+2219 and U+22C5.
const middleDots = "·•‧・∙⋅"

// stripLabels removes the labels members type before an identifier ("微信：",
// "QQ ", "电话", "mailto:"), with the ':' and spaces after them. Labels match
// ignoring case, the longest first. When sepRequired is set, a label ending in
// a Latin letter or digit must be followed by ':' or a space, so that ids that
// merely begin like a label ("wxid_…", "wechat2024") are left alone; a label
// in Chinese never needs one. It strips repeatedly, so a result never starts
// with a label and normalising a Value again leaves it unchanged.
func stripLabels(s string, labels []string, sepRequired bool) string {
	for {
		rest, ok := stripLabel(s, labels, sepRequired)
		if !ok {
			return s
		}
		s = rest
	}
}

func stripLabel(s string, labels []string, sepRequired bool) (string, bool) {
	best := ""
	for _, l := range labels {
		if len(l) <= len(best) || len(s) < len(l) || !strings.EqualFold(s[:len(l)], l) {
			continue
		}
		next, _ := utf8.DecodeRuneInString(s[len(l):])
		last, _ := utf8.DecodeLastRuneInString(l)
		if sepRequired && isASCIIAlnum(last) && next != ':' && !unicode.IsSpace(next) {
			continue
		}
		best = l
	}
	if best == "" {
		return s, false
	}
	rest := strings.TrimLeftFunc(s[len(best):], func(r rune) bool { return r == ':' || unicode.IsSpace(r) })
	if rest == "" {
		// A label alone is the value itself ("wechat" is a valid WeChat ID).
		return s, false
	}
	return rest, true
}

// labelledKind reports which kind a label at the start of s names, if any.
func labelledKind(s string) (Kind, bool) {
	for _, l := range []struct {
		kind   Kind
		labels []string
		sep    bool
	}{
		{KindPhone, phoneLabels, false},
		{KindWeChat, wechatLabels, true},
		{KindQQ, qqLabels, false},
		{KindEmail, emailLabels, true},
		{KindPlate, plateLabels, false},
	} {
		if _, ok := stripLabel(s, l.labels, l.sep); ok {
			return l.kind, true
		}
	}
	return "", false
}

func isASCIIAlnum(r rune) bool {
	return r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
}
