package ident

import "unicode"

// qqLabels are stripped from the front of a QQ number ("QQ: 12345678",
// "qq12345678", "扣扣 12345678").
var qqLabels = []string{"qq号码", "qq号", "qq", "扣扣"}

// normalizeQQ returns a QQ number: 5 to 11 digits, not starting with 0.
// Spaces and dashes between the digits are dropped. "12345@qq.com" is
// refused: it is an e-mail address, and is normalised as one.
func normalizeQQ(s string) (string, string, Reason) {
	s = stripLabels(s, qqLabels, false)
	digits := make([]byte, 0, len(s))
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits = append(digits, byte(r))
		case unicode.IsSpace(r) || r == '-':
		default:
			return "", "", ReasonInvalidQQ
		}
	}
	if len(digits) < 5 || len(digits) > 11 || digits[0] == '0' {
		return "", "", ReasonInvalidQQ
	}
	return string(digits), string(digits), ""
}
