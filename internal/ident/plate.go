package ident

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// plateLabels are stripped from the front of a plate ("车牌：京A12345").
var plateLabels = []string{"车牌号码", "车牌号", "车牌", "牌照"}

// cnPlate matches a mainland Chinese plate once separators are gone: a
// province character, the letter of the issuing office, then five characters
// (regular plates), six (new-energy plates, "云AD12345") or four and a suffix
// character (学 driving school, 警 police, 挂 trailer, 港/澳 cross-border,
// 领/使 consular and embassy, 试 test, 超 oversize).
var cnPlate = regexp.MustCompile(`^[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-Z](?:[A-Z0-9]{5,6}|[A-Z0-9]{4}[挂学警港澳领使试超])$`)

// normalizePlate returns a licence plate as letters and digits, Latin letters
// in upper case.
//
// Separators are dropped: spaces, dashes, dots and every middle dot
// ("京A·12345", "粤B 12345", "沪A-1234学"). Chinese characters stay. Letters
// are not mapped to look-alike digits: Chinese plates do not use I and O, but
// a member who typed "O" may have misread "0" or "Q", and guessing would
// merge different cars.
//
// Any country's plate is accepted as 2 to 10 letters and digits with at
// least one digit; a Chinese plate is recognised by its pattern, and its
// Display puts "·" after the province and office ("京A·12345").
func normalizePlate(s string) (string, string, Reason) {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsPunct(r) || strings.ContainsRune(middleDots, r) {
			continue
		}
		b.WriteRune(unicode.ToUpper(r))
	}
	// Labels are stripped after the separators so that "车牌: 京A…" and
	// "车牌京A…" end the same.
	v := stripLabels(b.String(), plateLabels, false)
	if n := utf8.RuneCountInString(v); n < 2 || n > 10 {
		return "", "", ReasonInvalidPlate
	}
	digit := false
	for _, r := range v {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			return "", "", ReasonInvalidPlate
		}
		digit = digit || unicode.IsDigit(r)
	}
	if isCNPlate(v) {
		_, n1 := utf8.DecodeRuneInString(v)
		_, n2 := utf8.DecodeRuneInString(v[n1:])
		return v, v[:n1+n2] + "·" + v[n1+n2:], ""
	}
	if !digit {
		return "", "", ReasonInvalidPlate
	}
	return v, v, ""
}

func isCNPlate(v string) bool {
	return cnPlate.MatchString(v)
}
