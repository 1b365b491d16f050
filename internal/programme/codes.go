package programme

import (
	"crypto/rand"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/sisterline/sisterline/internal/apperr"
)

// Member codes are random, never built from a name or a birth date: the
// identifier codes of many programmes (parents' initials + date of birth) can
// be worked back by anyone who knows the woman, which NSWP warns about.
//
// A code is six random characters and one check character, printed as
// "K7M4-XP2". The alphabet leaves out 0, 1, I, L and O, which are easy to
// mix up on a handwritten card, and has 31 characters; 31 is prime, so the
// weighted check below catches every single wrong character and every swap of
// two characters.

// codeAlphabet is the characters of a code, in the order of their values.
const codeAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

// codeBody is the number of random characters; one check character follows.
const codeBody = 6

// CodeLen is the length of a code without its dash.
const CodeLen = codeBody + 1

func codeValue(r rune) int { return strings.IndexRune(codeAlphabet, r) }

// checkChar returns the character that makes body's weighted sum zero modulo
// 31: sum of value(c_i) × (i+2) over the body, plus value(check) × 1. The
// weights are distinct and non-zero modulo the prime 31, so one changed
// character, or two exchanged ones, always changes the sum.
func checkChar(body string) byte {
	n := len(codeAlphabet)
	sum := 0
	for i, r := range body {
		sum += codeValue(r) * (i + 2)
	}
	return codeAlphabet[(n-sum%n)%n]
}

// NewCode returns a fresh random code with its check character, canonical
// (no dash).
func NewCode() string {
	var b [codeBody]byte
	buf := make([]byte, 1)
	for i := range b {
		// Rejection sampling keeps every character equally likely.
		for {
			_, _ = rand.Read(buf)
			if int(buf[0]) < 256-256%len(codeAlphabet) {
				b[i] = codeAlphabet[int(buf[0])%len(codeAlphabet)]
				break
			}
		}
	}
	body := string(b[:])
	return body + string(checkChar(body))
}

// FormatCode groups a canonical code for a card: "K7M4-XP2".
func FormatCode(code string) string {
	if len(code) != CodeLen {
		return code
	}
	return code[:4] + "-" + code[4:]
}

// ParseCode turns what was typed into the canonical code, or says what is
// wrong with it: the message ids name the kind of mistake, so an outreach
// worker knows whether to re-read the card or ask for a new one.
func ParseCode(raw string) (string, error) {
	s := strings.ToUpper(norm.NFKC.String(raw))
	s = strings.Map(func(r rune) rune {
		if r == '-' || unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
	if s == "" {
		return "", apperr.New(apperr.Invalid, "error.required")
	}
	for _, r := range s {
		if codeValue(r) < 0 {
			return "", apperr.New(apperr.Invalid, "programme.error.code_chars")
		}
	}
	if len(s) != CodeLen {
		return "", apperr.New(apperr.Invalid, "programme.error.code_length")
	}
	if checkChar(s[:codeBody]) != s[codeBody] {
		return "", apperr.New(apperr.Invalid, "programme.error.code_check")
	}
	return s, nil
}

// SplitCodes splits a field of several codes, separated by spaces, commas
// (also the full-width comma) or new lines.
func SplitCodes(raw string) []string {
	return strings.FieldsFunc(raw, func(r rune) bool {
		return unicode.IsSpace(r) || r == ',' || r == '，' || r == ';' || r == '；' || r == '、'
	})
}
