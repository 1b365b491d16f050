package ident

import (
	"strconv"
	"strings"
	"sync"
	"unicode"

	"github.com/nyaruka/phonenumbers"
)

// phoneLabels are stripped from the front of a phone number ("电话：", "Tel:").
var phoneLabels = []string{
	"联系电话", "电话号码", "手机号码", "手机号", "电话", "手机", "号码",
	"tel", "phone", "mobile", "mob", "cell",
}

// maxPhoneDigits bounds the digits read: 15 for E.164, plus an international
// prefix (up to 5 digits, e.g. "17951 00" in China) and a trunk prefix.
const maxPhoneDigits = 22

// normalizePhone returns the number in E.164 ("+8613800138000") as Value and
// in the international format ("+86 138 0013 8000") as Display.
//
// Rules, in order:
//   - a label in front is dropped ("电话：", "Tel:");
//   - the rest may hold only digits (of any script), separators (spaces,
//     dashes, dots, slashes, brackets, middle dots) and one '+' before the
//     first digit. Letters after the number are refused rather than dropped:
//     they are an extension ("ext 12", "转 12"), a second number or a typo,
//     and dropping them would produce another man's number;
//   - libphonenumber parses it with region (DefaultRegion when empty): it
//     knows each country's international prefix ("00" in China, "011" in the
//     US) and trunk prefix ("0871-…" in China, "020 …" in the UK), and, in
//     China, a leading "86" before an 11-digit mobile;
//   - a leading "00" that the region does not use as its international prefix
//     is read as '+' anyway: it is the ITU's recommended prefix, and no
//     country's national numbers begin with it;
//   - the number must be possible (right length) for its country — but not
//     necessarily valid (assigned), because new ranges open before the
//     library learns of them — and lie inside the country's numbering plan,
//     which refuses nonsense such as "00000000000" that the length check
//     alone lets through. Lengths that are only possible for local dialling
//     (a landline without its area code) are refused: the same digits are a
//     different line in every city.
func normalizePhone(s, region string, cache phoneCache) (string, string, Reason) {
	plus, digits, ok := phoneDigits(stripLabels(s, phoneLabels, false))
	if !ok {
		return "", "", ReasonInvalidPhone
	}
	num, ok := cache.parse(plus, digits, region)
	if !ok {
		return "", "", ReasonInvalidPhone
	}
	value, display := formatPhone(num)
	return value, display, ""
}

// formatPhone returns num in E.164 and in the international format.
func formatPhone(num *phonenumbers.PhoneNumber) (e164, international string) {
	if nsn, ok := cnMobileNumber(num); ok {
		return "+86" + nsn, "+86 " + nsn[:3] + " " + nsn[3:7] + " " + nsn[7:]
	}
	return phonenumbers.Format(num, phonenumbers.E164), phonenumbers.Format(num, phonenumbers.INTERNATIONAL)
}

// The fast path. A Chinese mobile number — "1", a digit from 3 to 9, nine
// more digits — is most of what members in China type and screen, and
// libphonenumber spends tens of microseconds on each: regular expressions to
// parse it, more to pick its format. The fast path reads and formats these
// numbers directly. TestCNMobileFastPath holds it to libphonenumber's
// answers for every prefix, so the two cannot drift apart (a new metadata
// release that formatted them differently would fail it).

// cnMobileDigits returns the national number when digits (after a '+' when
// plus is set) are a Chinese mobile number written the two commonest ways:
// eleven digits read in China, or "+86" and the eleven digits from anywhere.
func cnMobileDigits(plus bool, digits, region string) (string, bool) {
	switch {
	case plus && len(digits) == 13 && digits[:2] == "86":
		digits = digits[2:]
	case !plus && len(digits) == 11 && phoneRegion(region) == "CN":
	default:
		return "", false
	}
	return digits, isCNMobile(digits)
}

func isCNMobile(nsn string) bool {
	if len(nsn) != 11 || nsn[0] != '1' || nsn[1] < '3' || nsn[1] > '9' {
		return false
	}
	for i := 2; i < len(nsn); i++ {
		if nsn[i] < '0' || nsn[i] > '9' {
			return false
		}
	}
	return true
}

// cnMobileNumber returns the national number of num when it is a Chinese
// mobile number without an extension.
func cnMobileNumber(num *phonenumbers.PhoneNumber) (string, bool) {
	if num.GetCountryCode() != 86 || num.GetExtension() != "" || num.GetItalianLeadingZero() {
		return "", false
	}
	nsn := strconv.FormatUint(num.GetNationalNumber(), 10)
	return nsn, isCNMobile(nsn)
}

// newCNMobile makes the number libphonenumber would parse from nsn.
func newCNMobile(nsn string) *phonenumbers.PhoneNumber {
	n, _ := strconv.ParseUint(nsn, 10, 64) // eleven ASCII digits (isCNMobile)
	cc := int32(86)
	return &phonenumbers.PhoneNumber{CountryCode: &cc, NationalNumber: &n}
}

// phoneDigits reads a number written with separators. It returns whether a
// '+' came before the first digit, and the digits in ASCII.
func phoneDigits(s string) (plus bool, digits string, ok bool) {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '+':
			if plus || b.Len() > 0 {
				return false, "", false
			}
			plus = true
		case isPhoneSeparator(r):
		default:
			d, ok := digitValue(r)
			if !ok {
				return false, "", false
			}
			b.WriteByte('0' + d)
		}
	}
	if b.Len() == 0 || b.Len() > maxPhoneDigits {
		return false, "", false
	}
	return plus, b.String(), true
}

func isPhoneSeparator(r rune) bool {
	return unicode.IsSpace(r) || unicode.Is(unicode.Pd, r) || strings.ContainsRune(".()[]/"+middleDots, r)
}

// digitValue returns the value of a decimal digit of any script (ASCII, and
// the Arabic-Indic or Devanagari digits that NFKC leaves alone). Unicode
// assigns decimal digits only in runs of ten from 0 to 9, so the value is the
// distance from the start of the run, modulo 10 for runs that follow each other.
func digitValue(r rune) (byte, bool) {
	if r >= '0' && r <= '9' {
		return byte(r - '0'), true
	}
	if !unicode.Is(unicode.Nd, r) {
		return 0, false
	}
	start := r
	for unicode.Is(unicode.Nd, start-1) {
		start--
	}
	return byte((r - start) % 10), true // #nosec G115 -- a value from 0 to 9
}

// parsePhone parses digits (with a '+' before them when plus is set) as an
// accepted number in region.
func parsePhone(plus bool, digits, region string) (*phonenumbers.PhoneNumber, bool) {
	if nsn, ok := cnMobileDigits(plus, digits, region); ok {
		return newCNMobile(nsn), true
	}
	return parseSlow(plus, digits, region)
}

// parseSlow is parsePhone through libphonenumber, for every number.
func parseSlow(plus bool, digits, region string) (*phonenumbers.PhoneNumber, bool) {
	region = phoneRegion(region)
	if plus {
		return parseAccepted("+"+digits, region)
	}
	num, ok := parseAccepted(digits, region)
	if strings.HasPrefix(digits, "00") && (!ok || num.GetCountryCodeSource() != phonenumbers.PhoneNumber_FROM_NUMBER_WITH_IDD) {
		if intl, ok := parseAccepted("+"+digits[2:], region); ok {
			return intl, true
		}
	}
	return num, ok
}

// phoneRegion returns the region to read national numbers in: the
// organisation's, in upper case, or DefaultRegion.
func phoneRegion(region string) string {
	if region == "" {
		return DefaultRegion
	}
	return strings.ToUpper(region)
}

// parseAccepted parses s and keeps the number only if it is accepted (see
// normalizePhone) and its E.164 form reads back as the same number, so that
// Normalize(KindPhone, Value) == Value whatever the region.
func parseAccepted(s, region string) (*phonenumbers.PhoneNumber, bool) {
	num, err := phonenumbers.ParseAndKeepRawInput(s, region)
	if err != nil || !acceptedPhone(num) {
		return nil, false
	}
	e164 := phonenumbers.Format(num, phonenumbers.E164)
	again, err := phonenumbers.Parse(e164, region)
	if err != nil || !acceptedPhone(again) || phonenumbers.Format(again, phonenumbers.E164) != e164 {
		return nil, false
	}
	return num, true
}

func acceptedPhone(num *phonenumbers.PhoneNumber) bool {
	return phonenumbers.IsPossibleNumberWithReason(num) == phonenumbers.IS_POSSIBLE && inNumberingPlan(num)
}

// inNumberingPlan reports whether the national number matches the general
// pattern of its country's numbering plan (of any region sharing the calling
// code: +1 is the US, Canada and the Caribbean). The general pattern is
// broader than the patterns IsValidNumber checks: for China it admits every
// 11-digit number starting with 1, so a newly opened mobile range passes.
func inNumberingPlan(num *phonenumbers.PhoneNumber) bool {
	nsn := phonenumbers.GetNationalSignificantNumber(num)
	for _, desc := range generalDescs()[num.GetCountryCode()] {
		if desc.GetNationalNumberPattern() == "" || phonenumbers.MatchNationalNumber(nsn, desc, false) {
			return true
		}
	}
	return false
}

// generalDescs indexes the general number descriptions of libphonenumber's
// embedded metadata by calling code. It is built once, on first use, and only
// read afterwards.
var generalDescs = sync.OnceValue(func() map[int32][]*phonenumbers.PhoneNumberDesc {
	descs := map[int32][]*phonenumbers.PhoneNumberDesc{}
	coll, err := phonenumbers.MetadataCollection()
	if err != nil {
		// The metadata is embedded and was already loaded when the
		// library initialised, so this cannot happen; if it did, every
		// number would be refused, which tests catch.
		return descs
	}
	for _, md := range coll.GetMetadata() {
		descs[md.GetCountryCode()] = append(descs[md.GetCountryCode()], md.GetGeneralDesc())
	}
	return descs
})

// phoneCache remembers the numbers parsed during one Normalize or Guess
// call (libphonenumber's parse is most of a screening's cost). A nil cache
// parses every time.
type phoneCache map[string]*phonenumbers.PhoneNumber

func (c phoneCache) parse(plus bool, digits, region string) (*phonenumbers.PhoneNumber, bool) {
	if c == nil {
		return parsePhone(plus, digits, region)
	}
	key := region + "|" + digits
	if plus {
		key = region + "|+" + digits
	}
	if num, ok := c[key]; ok {
		return num, num != nil
	}
	num, ok := parsePhone(plus, digits, region)
	if !ok {
		num = nil
	} else {
		e164, _ := formatPhone(num)
		c["e164|"+e164] = num
	}
	c[key] = num
	return num, ok
}

// valid reports whether an E.164 Value is an assigned number, using the
// number parsed for it when the cache has it.
func (c phoneCache) valid(e164 string) bool {
	if num, ok := c["e164|"+e164]; ok && num != nil {
		return phonenumbers.IsValidNumber(num)
	}
	return isValidPhone(e164)
}

// isValidPhone reports whether an E.164 Value is a number libphonenumber
// knows to be assigned; Guess uses it to rank candidates.
func isValidPhone(e164 string) bool {
	num, err := phonenumbers.Parse(e164, DefaultRegion)
	return err == nil && phonenumbers.IsValidNumber(num)
}
