package ident

import (
	"strconv"
	"testing"

	"github.com/nyaruka/phonenumbers"
)

func TestPhoneWrittenManyWaysMatches(t *testing.T) {
	sameValue(t, KindPhone, "CN", "+8613800138000",
		"13800138000",
		"138-0013-8000",
		"138 0013 8000",
		"138.0013.8000",
		"(138) 0013 8000",
		"（138）0013 8000",
		"+86 138 0013 8000",
		"+86 (138) 0013-8000",
		"(+86) 138 0013 8000",
		"0086 13800138000",
		"00 86 138 0013 8000",
		"86 13800138000",
		"8613800138000",
		"+86-138.0013.8000",
		"１３８００１３８０００",
		"１３８－００１３－８０００",
		"＋８６　１３８　００１３　８０００",
		"+8613800138000",
		"138·0013·8000",
		"138—0013—8000",
		"\u0661\u0663\u0668\u0660\u0660\u0661\u0663\u0668\u0660\u0660\u0660", // Arabic-Indic digits
		"电话：138 0013 8000",
		"手机13800138000",
		"Tel: +86 138 0013 8000",
		"tel:+86-138-0013-8000",
	)
}

func TestPhoneDisplayIsInternationalFormat(t *testing.T) {
	checkAccepted(t, KindPhone, []accepted{
		{"138 0013 8000", "CN", "+8613800138000", "+86 138 0013 8000"},
		{"0871-65123456", "CN", "+8687165123456", "+86 871 6512 3456"},
		{"020 7946 0958", "GB", "+442079460958", "+44 20 7946 0958"},
		{"(202) 555-0123", "US", "+12025550123", "+1 202-555-0123"},
	})
}

func TestPhoneDefaultRegionIsChina(t *testing.T) {
	sameValue(t, KindPhone, "", "+8613800138000", "13800138000", "0086 13800138000")
	sameValue(t, KindPhone, "cn", "+8613800138000", "13800138000") // region case is ignored
}

func TestPhoneLandlineDropsTheTrunkPrefix(t *testing.T) {
	// Kunming: area code 871, written nationally with the trunk prefix 0.
	sameValue(t, KindPhone, "CN", "+8687165123456",
		"0871-65123456", "0871 6512 3456", "(0871) 65123456", "+86 871 6512 3456", "+86 (0)871 65123456", "0086 871 65123456")
	// The UK writes the trunk prefix in brackets after the country code.
	sameValue(t, KindPhone, "CN", "+442079460958", "+44 (0)20 7946 0958", "+44 20 7946 0958", "0044 20 7946 0958")
}

func TestPhoneWithCountryCodeIgnoresTheRegion(t *testing.T) {
	for _, region := range []string{"CN", "GB", "US", "HK", "XX", ""} {
		sameValue(t, KindPhone, region, "+442079460958", "+44 20 7946 0958")
		sameValue(t, KindPhone, region, "+12025550123", "+1 (202) 555-0123")
		sameValue(t, KindPhone, region, "+8613800138000", "+86 138 0013 8000")
	}
}

func TestPhoneUsesTheRegionForNationalNumbers(t *testing.T) {
	sameValue(t, KindPhone, "GB", "+442079460958", "020 7946 0958", "00 44 20 7946 0958")
	sameValue(t, KindPhone, "GB", "+447911123456", "07911 123456")
	sameValue(t, KindPhone, "US", "+12025550123", "(202) 555-0123", "1 202 555 0123", "011 1 202 555 0123")
	sameValue(t, KindPhone, "HK", "+85291234567", "9123 4567")
	// The same national digits are another man's number in another region.
	cn, _ := Normalize(KindPhone, "13800138000", "CN")
	us, err := Normalize(KindPhone, "13800138000", "US")
	if err == nil && us.Value == cn.Value {
		t.Errorf("13800138000 in the US normalised to the Chinese number %s", us.Value)
	}
}

func TestPhoneDoubleZeroIsInternationalEvenWhereTheRegionDialsOtherwise(t *testing.T) {
	// The US dials 011 abroad, but "00" is how most of the world writes it.
	sameValue(t, KindPhone, "US", "+8613800138000", "0086 138 0013 8000", "+86 138 0013 8000", "011 86 138 0013 8000")
	// Australia dials 0011: libphonenumber reads it, and 00 still works.
	sameValue(t, KindPhone, "AU", "+8613800138000", "0011 86 138 0013 8000", "0086 138 0013 8000")
}

func TestPhoneAcceptsNumbersOutsideKnownRanges(t *testing.T) {
	// 100 is no mobile range today: possible and in the plan, but not
	// valid. A range that opens before the library learns of it must pass.
	checkAccepted(t, KindPhone, []accepted{
		{"100 1234 5678", "CN", "+8610012345678", "+86 10012345678"},
	})
}

func TestPhoneRefusesNonsense(t *testing.T) {
	checkRefused(t, KindPhone, []refused{
		{"abc", "CN", ReasonInvalidPhone},
		{"12", "CN", ReasonInvalidPhone},
		{"123456", "CN", ReasonInvalidPhone},                 // only possible for local dialling
		{"00000000000", "CN", ReasonInvalidPhone},            // right length, outside the plan
		{"+86 000 0000 0000", "CN", ReasonInvalidPhone},      // likewise
		{"1380013800012345678901", "CN", ReasonInvalidPhone}, // too many digits
		{"+999 1234 5678", "CN", ReasonInvalidPhone},         // no such country code
		{"+86", "CN", ReasonInvalidPhone},
		{"+", "CN", ReasonInvalidPhone},
		{"++86 138 0013 8000", "CN", ReasonInvalidPhone},
		{"138+0013 8000", "CN", ReasonInvalidPhone},
		{"13800138000", "XX", ReasonInvalidPhone}, // a national number needs a known region
		{"-- ..", "CN", ReasonInvalidPhone},
	})
}

func TestPhoneRefusesLettersRatherThanDroppingThem(t *testing.T) {
	// Dropping them would give a wrong number: the extension's digits
	// would join the number.
	checkRefused(t, KindPhone, []refused{
		{"138 0013 8000 ext 12", "CN", ReasonInvalidPhone},
		{"0871-65123456 转 12", "CN", ReasonInvalidPhone},
		{"020 7946 0958 x12", "GB", ReasonInvalidPhone},
		{"1-800-FLOWERS", "US", ReasonInvalidPhone},
		{"13800138000 or 13900139000", "CN", ReasonInvalidPhone},
		{"wxid_13800138000", "CN", ReasonInvalidPhone}, // not a phone label
		{"QQ 13800138000", "CN", ReasonInvalidPhone},
		{"138 0013 8000 (张)", "CN", ReasonInvalidPhone},
	})
}

func TestDigitValueReadsEveryScriptsDigits(t *testing.T) {
	for _, c := range []struct {
		r    rune
		want byte
	}{
		{'7', 7}, {'\u0660', 0}, {'\u0669', 9}, {'\u06f4', 4}, {'\u0967', 1}, {'\U0001d7d9', 1}, {'\U0001d7ff', 9},
	} {
		if got, ok := digitValue(c.r); !ok || got != c.want {
			t.Errorf("digitValue(%U) = %d, %v; want %d", c.r, got, ok, c.want)
		}
	}
	for _, r := range []rune{'a', '一', '½', '²', '①'} {
		if _, ok := digitValue(r); ok {
			t.Errorf("digitValue(%U) accepted a non-decimal digit", r)
		}
	}
}

// TestCNMobileFastPath holds the fast path for Chinese mobile numbers to
// libphonenumber: for every four-digit prefix from 1000 to 1999 and several
// endings, written with and without "+86" and read in several regions, the
// fast path must accept exactly what the library accepts and give the same
// E.164 form, international form and validity.
func TestCNMobileFastPath(t *testing.T) {
	endings := []string{"0000000", "0013800", "1234567", "5550123", "9999999"}
	fast := 0
	for prefix := 1000; prefix <= 1999; prefix++ {
		for _, end := range endings {
			nsn := strconv.Itoa(prefix) + end
			for _, form := range []struct {
				plus   bool
				digits string
				region string
			}{
				{false, nsn, "CN"}, {false, nsn, "cn"}, {false, nsn, ""},
				{true, "86" + nsn, "CN"}, {true, "86" + nsn, "US"}, {true, "86" + nsn, "GB"},
				{false, nsn, "US"}, {false, "86" + nsn, "CN"}, {false, "0086" + nsn, "CN"},
			} {
				if _, ok := cnMobileDigits(form.plus, form.digits, form.region); ok {
					fast++
				}
				got, gotOK := parsePhone(form.plus, form.digits, form.region)
				want, wantOK := parseSlow(form.plus, form.digits, form.region)
				if gotOK != wantOK {
					t.Fatalf("%+v: accepted %v, libphonenumber %v", form, gotOK, wantOK)
				}
				if !gotOK {
					continue
				}
				e164, intl := formatPhone(got)
				if w := phonenumbers.Format(want, phonenumbers.E164); e164 != w {
					t.Fatalf("%+v: E.164 %q, libphonenumber %q", form, e164, w)
				}
				if w := phonenumbers.Format(want, phonenumbers.INTERNATIONAL); intl != w {
					t.Fatalf("%+v: international %q, libphonenumber %q", form, intl, w)
				}
				if g, w := phonenumbers.IsValidNumber(got), phonenumbers.IsValidNumber(want); g != w {
					t.Fatalf("%+v: valid %v, libphonenumber %v", form, g, w)
				}
			}
		}
	}
	// 700 prefixes (13xx to 19xx) × 5 endings × 6 forms take the fast path.
	if fast != 700*len(endings)*6 {
		t.Fatalf("fast path taken %d times, want %d", fast, 700*len(endings)*6)
	}
}
