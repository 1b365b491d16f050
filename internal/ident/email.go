package ident

import (
	"strings"
	"unicode"
)

// emailLabels are stripped from the front of an address ("邮箱：", "mailto:").
var emailLabels = []string{"电子邮件", "邮箱", "邮件", "e-mail", "email", "mailto:"}

// normalizeEmail returns an e-mail address in lower case.
//
// The whole address is lower-cased: the local part is case-sensitive in
// theory, but no provider a member is likely to meet treats it so, and a
// false split is worse than that theory. The ideographic full stop "。" that a
// Chinese keyboard types for "." is read as a dot.
//
// Provider-specific rules are not applied: Gmail ignores dots and "+tags" in
// the local part, but most providers do not (for them "a.b" and "ab" are two
// people), providers change such rules, and a normal form must never change.
// Merging two men's addresses would put a warning on the wrong man.
//
// Validation is deliberately basic: one '@', a local part of at most 64
// bytes made of letters, digits and RFC 5322 atom characters, dots not at
// either end nor doubled, and a domain of at least two dot-separated labels
// of letters, digits and '-'.
func normalizeEmail(s string) (string, string, Reason) {
	s = strings.ReplaceAll(strings.ToLower(stripLabels(s, emailLabels, true)), "。", ".")
	local, domain, ok := strings.Cut(s, "@")
	if !ok || !validEmailLocal(local) || !validEmailDomain(domain) {
		return "", "", ReasonInvalidEmail
	}
	return s, s, ""
}

func validEmailLocal(local string) bool {
	if local == "" || len(local) > 64 || local[0] == '.' || local[len(local)-1] == '.' || strings.Contains(local, "..") {
		return false
	}
	for _, r := range local {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.IsMark(r) && !strings.ContainsRune("!#$%&'*+-/=?^_`{|}~.", r) {
			return false
		}
	}
	return true
}

func validEmailDomain(domain string) bool {
	labels := strings.Split(domain, ".")
	if len(domain) > 253 || len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for _, r := range l {
			if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.IsMark(r) && r != '-' {
				return false
			}
		}
	}
	return true
}
