package ident

import (
	"strings"
	"unicode"
)

// Guess normalises a value whose kind is unknown (the screening box: a member
// types anything). It returns the candidates the value could be, most likely
// first, at most one per kind. Every candidate is exactly what
// Normalize(kind, raw, region) returns, so a screening look-up by the blind
// index of its MatchKey finds identifiers stored through Normalize.
//
// Order and choice:
//   - a label ("微信：", "QQ", "电话") or an unmistakable shape (an e-mail
//     address, a Chinese plate) decides: that kind, then other;
//   - digits: phone, WeChat (a phone is how most WeChat accounts are found)
//     and QQ when the number is one libphonenumber knows to be assigned
//     ("138 0013 8000"); otherwise QQ first ("12345678");
//   - words: WeChat ID, then handle and name (name first when the value is
//     not in Latin letters, as "张三"), then a foreign plate if it mixes
//     letters and digits;
//   - other always comes last, as the catch-all.
//
// Candidates that Normalize would accept but that no member would mean are
// left out: a handle with spaces, a name with digits, a plate of only digits.
// Guess returns nil when Normalize accepts the value as no kind at all.
func Guess(raw, region string) []Identifier {
	return guess(raw, region, true)
}

// Candidates returns the same identifiers as Guess, in no particular order,
// for a look-up that tries them all (screening). It is quicker: putting a
// number's kinds in order means asking libphonenumber whether the number is
// assigned.
func Candidates(raw, region string) []Identifier {
	return guess(raw, region, false)
}

func guess(raw, region string, ranked bool) []Identifier {
	found := make(map[Kind]Identifier, len(Kinds()))
	m := &memo{phones: phoneCache{}}
	cache := m.phones
	for _, k := range Kinds() {
		if id, err := normalize(k, raw, region, m); err == nil {
			found[k] = id
		}
	}
	if len(found) == 0 {
		return nil
	}

	var order []Kind
	s, _ := m.prepare(raw, false)
	label, _ := labelledKind(s) // "" when there is none, never in found
	_, labelled := found[label]
	_, email := found[KindEmail]
	plate, plated := found[KindPlate]
	switch {
	case labelled:
		order = []Kind{label}
	case email:
		order = []Kind{KindEmail}
	case plated && isCNPlate(plate.Value):
		order = []Kind{KindPlate}
	default:
		if phone, ok := found[KindPhone]; ok && (!ranked || cache.valid(phone.Value)) {
			order = append(order, KindPhone, KindWeChat, KindQQ)
		} else {
			order = append(order, KindQQ, KindPhone, KindWeChat)
		}
		if strings.ContainsFunc(found[KindName].Value, func(r rune) bool { return r > unicode.MaxASCII && unicode.IsLetter(r) }) {
			order = append(order, KindName, KindHandle)
		} else {
			order = append(order, KindHandle, KindName)
		}
		order = append(order, KindPlate)
	}
	order = append(order, KindOther)

	var out []Identifier
	for _, k := range order {
		if id, ok := found[k]; ok && plausible(id) {
			out = append(out, id)
		}
	}
	return out
}

// plausible filters out candidates a member would not mean.
func plausible(id Identifier) bool {
	switch id.Kind {
	case KindHandle:
		return !strings.ContainsFunc(id.Value, unicode.IsSpace)
	case KindName:
		// Letters, marks, spaces and the punctuation of names ("O'Brien",
		// "Jean-Luc", "J. Smith"), with at least one letter.
		return strings.ContainsFunc(id.Value, unicode.IsLetter) && !strings.ContainsFunc(id.Value, func(r rune) bool {
			return !unicode.IsLetter(r) && !unicode.IsMark(r) && r != ' ' && !strings.ContainsRune("-'.", r)
		})
	case KindPlate:
		return isCNPlate(id.Value) || strings.ContainsFunc(id.Value, unicode.IsLetter) && strings.ContainsFunc(id.Value, unicode.IsDigit)
	}
	return true
}
