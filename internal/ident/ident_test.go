package ident

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// accepted is a value Normalize must accept, and what it must give.
type accepted struct {
	raw, region    string
	value, display string
}

// refused is a value Normalize must refuse, and the reason it must give.
type refused struct {
	raw, region string
	reason      Reason
}

func checkAccepted(t *testing.T, kind Kind, cases []accepted) {
	t.Helper()
	for _, c := range cases {
		id, err := Normalize(kind, c.raw, c.region)
		if err != nil {
			t.Errorf("Normalize(%s, %q, %q): %v", kind, c.raw, c.region, err)
			continue
		}
		want := Identifier{Kind: kind, Value: c.value, Display: c.display}
		if id != want {
			t.Errorf("Normalize(%s, %q, %q) = %+v, want %+v", kind, c.raw, c.region, id, want)
		}
	}
}

func checkRefused(t *testing.T, kind Kind, cases []refused) {
	t.Helper()
	for _, c := range cases {
		id, err := Normalize(kind, c.raw, c.region)
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Errorf("Normalize(%s, %q, %q) = %+v, %v; want a *ParseError", kind, c.raw, c.region, id, err)
			continue
		}
		if pe.Kind != kind || pe.Reason != c.reason {
			t.Errorf("Normalize(%s, %q, %q) refused with %s/%s, want %s/%s", kind, c.raw, c.region, pe.Kind, pe.Reason, kind, c.reason)
		}
		if id != (Identifier{}) {
			t.Errorf("Normalize(%s, %q, %q) returned %+v with its error", kind, c.raw, c.region, id)
		}
	}
}

// sameValue asserts that every raw form normalises to the same Value.
func sameValue(t *testing.T, kind Kind, region, want string, raws ...string) {
	t.Helper()
	for _, raw := range raws {
		id, err := Normalize(kind, raw, region)
		if err != nil {
			t.Errorf("Normalize(%s, %q, %q): %v", kind, raw, region, err)
		} else if id.Value != want {
			t.Errorf("Normalize(%s, %q, %q).Value = %q, want %q", kind, raw, region, id.Value, want)
		}
	}
}

func TestKindsAreTheAPIKindsInOrder(t *testing.T) {
	want := []Kind{"phone", "wechat", "qq", "email", "plate", "handle", "name", "other"}
	if got := Kinds(); !slices.Equal(got, want) {
		t.Fatalf("Kinds() = %v, want %v", got, want)
	}
	// Kinds returns a copy: a caller cannot change what others see.
	Kinds()[0] = "changed"
	if Kinds()[0] != KindPhone {
		t.Fatal("Kinds() shares its slice")
	}
}

func TestParseKindAcceptsOnlyTheExactNames(t *testing.T) {
	for _, k := range Kinds() {
		if got, ok := ParseKind(string(k)); !ok || got != k {
			t.Errorf("ParseKind(%q) = %q, %v", k, got, ok)
		}
	}
	for _, s := range []string{"", "Phone", " phone", "mobile", "weixin", "other "} {
		if got, ok := ParseKind(s); ok {
			t.Errorf("ParseKind(%q) = %q, true; want false", s, got)
		}
	}
}

func TestMatchKeyIsKindColonValue(t *testing.T) {
	id, err := Normalize(KindPhone, "138 0013 8000", "CN")
	if err != nil {
		t.Fatal(err)
	}
	if got := id.MatchKey(); got != "phone:+8613800138000" {
		t.Fatalf("MatchKey() = %q", got)
	}
	// The kind keeps equal values of different kinds apart.
	qq, _ := Normalize(KindQQ, "13800138000", "CN")
	we, _ := Normalize(KindWeChat, "13800138000", "CN")
	if qq.MatchKey() == we.MatchKey() {
		t.Fatalf("qq and wechat share the key %q", qq.MatchKey())
	}
}

func TestNormalizeRefusesUnknownKind(t *testing.T) {
	for _, k := range []Kind{"", "Phone", "mobile", "other;drop table"} {
		_, err := Normalize(k, "13800138000", "CN")
		var pe *ParseError
		if !errors.As(err, &pe) || pe.Reason != ReasonUnknownKind || pe.Kind != k {
			t.Errorf("Normalize(%q, …) = %v, want unknown_kind", k, err)
		}
	}
}

func TestEveryKindRefusesEmptyTooLongAndInvalidText(t *testing.T) {
	long := strings.Repeat("a", MaxRunes+1)
	// One character that NFKC expands into 18: the value grows past the limit.
	expanding := strings.Repeat("\ufdfa", 12)
	for _, k := range Kinds() {
		checkRefused(t, k, []refused{
			{"", "CN", ReasonEmpty},
			{"   \t\n", "CN", ReasonEmpty},
			{"\u3000\u3000", "CN", ReasonEmpty}, // ideographic spaces
			{"\u200b\ufeff", "CN", ReasonEmpty}, // only invisible characters
			{long, "CN", ReasonTooLong},
			{expanding, "CN", ReasonTooLong},
			{"abc\xff", "CN", ReasonInvalidText},
		})
	}
}

func TestFreeTextRefusesAValueThatFoldingMakesTooLong(t *testing.T) {
	// 150 characters typed, 300 once "ß" folds to "ss".
	for _, k := range []Kind{KindHandle, KindName, KindOther} {
		checkRefused(t, k, []refused{{strings.Repeat("ß", 150), "CN", ReasonTooLong}})
	}
}

func TestEveryKindTrimsAndDropsInvisibleCharacters(t *testing.T) {
	for _, c := range []struct {
		kind      Kind
		raw, want string
	}{
		{KindPhone, " \u200b138\u00ad0013\ufeff8000\t", "+8613800138000"},
		{KindWeChat, "\u2060abc\u200b123\u200e", "abc123"},
		{KindQQ, "\n1234\u200b5678 ", "12345678"},
		{KindEmail, "\ufeffabc@x.cn\u200b", "abc@x.cn"},
		{KindPlate, "京A\u200b12345", "京A12345"},
		{KindHandle, "big\u200bwang", "bigwang"},
		{KindName, "张\u200b三\x00", "张三"},
		{KindOther, "red\tAudi\r\n", "red audi"},
	} {
		sameValue(t, c.kind, "CN", c.want, c.raw)
	}
}

func TestEveryKindTurnsFullWidthIntoASCII(t *testing.T) {
	for _, c := range []struct {
		kind      Kind
		raw, want string
	}{
		{KindPhone, "１３８ ００１３ ８０００", "+8613800138000"},
		{KindPhone, "＋８６ １３８００１３８０００", "+8613800138000"},
		{KindWeChat, "ＡＢＣ１２３", "abc123"},
		{KindQQ, "ＱＱ：１２３４５６７８", "12345678"},
		{KindEmail, "ａｂｃ＠ｘ．ｃｎ", "abc@x.cn"},
		{KindPlate, "京Ａ１２３４５", "京A12345"},
		{KindHandle, "＠ＢｉｇＷａｎｇ", "bigwang"},
		{KindName, "Ｊｏｈｎ", "john"},
		{KindOther, "ＲＥＤ　ＡＵＤＩ", "red audi"},
	} {
		sameValue(t, c.kind, "CN", c.want, c.raw)
	}
}

func TestErrorsNameTheReasonButNeverTheValue(t *testing.T) {
	secret := "13812345678secret@example.com"
	for _, k := range append(Kinds(), "no-such-kind") {
		for _, raw := range []string{secret + "\xff", secret + strings.Repeat("x", MaxRunes), "@@" + secret + " !!"} {
			_, err := Normalize(k, raw, "CN")
			if err == nil {
				continue
			}
			msg := err.Error()
			if strings.Contains(msg, "1381234") || strings.Contains(msg, "secret") || strings.Contains(msg, "example") {
				t.Errorf("Normalize(%s) error %q repeats the value", k, msg)
			}
			if strings.Contains(msg, "no-such-kind") {
				t.Errorf("error %q repeats the caller's kind", msg)
			}
			if !strings.HasPrefix(msg, "ident: ") {
				t.Errorf("error %q lacks the package prefix", msg)
			}
		}
	}
}

func TestEveryReasonHasItsOwnMessage(t *testing.T) {
	seen := map[string]Reason{}
	for _, r := range Reasons() {
		msg := (&ParseError{Kind: KindOther, Reason: r}).Error()
		if strings.HasSuffix(msg, "invalid value") {
			t.Errorf("reason %s has no message of its own", r)
		}
		if other, ok := seen[msg]; ok {
			t.Errorf("reasons %s and %s share the message %q", r, other, msg)
		}
		seen[msg] = r
	}
}

func TestLabelsAreStrippedOnlyWhenTheyAreLabels(t *testing.T) {
	// stripLabels sees text after NFKC, where "：" has become ":".
	for _, c := range []struct {
		in, want string
	}{
		{"微信: abc123", "abc123"},
		{"微信号:abc123", "abc123"},       // the longest label wins over "微信"
		{"微信abc123", "abc123"},         // a Chinese label needs no separator
		{"wechat abc123", "abc123"},    // a Latin label needs one
		{"wechat2024", "wechat2024"},   // an id that begins like a label
		{"wxid_abc123", "wxid_abc123"}, // "wx" is not a label here
		{"wechat", "wechat"},           // a label alone is the value
		{"微信: wx: abc123", "abc123"},   // labels are stripped repeatedly
		{"WX: ABC123", "ABC123"},       // case is ignored
	} {
		if got := stripLabels(c.in, wechatLabels, true); got != c.want {
			t.Errorf("stripLabels(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// TestNormalFormsNeverChange pins the exact Values of one example per rule.
// Blind indexes of stored identifiers were computed from these forms: if this
// test fails, the change breaks matching of everything already stored and
// needs a re-indexing migration, not a new expected value.
func TestNormalFormsNeverChange(t *testing.T) {
	for _, c := range []struct {
		kind        Kind
		raw, region string
		key         string
	}{
		{KindPhone, "138 0013 8000", "CN", "phone:+8613800138000"},
		{KindPhone, "0871-65123456", "CN", "phone:+8687165123456"},
		{KindPhone, "020 7946 0958", "GB", "phone:+442079460958"},
		{KindPhone, "0086 138 0013 8000", "US", "phone:+8613800138000"},
		{KindWeChat, "微信：Abc_123", "CN", "wechat:abc_123"},
		{KindWeChat, "+86 138 0013 8000", "CN", "wechat:13800138000"},
		{KindWeChat, "+44 7911 123456", "CN", "wechat:+447911123456"},
		{KindQQ, "QQ 1234 5678", "CN", "qq:12345678"},
		{KindEmail, "A.B+Tag@Gmail.COM", "CN", "email:a.b+tag@gmail.com"},
		{KindPlate, "京a·12345", "CN", "plate:京A12345"},
		{KindPlate, "云A·D12345", "CN", "plate:云AD12345"},
		{KindPlate, "ab-123 cd", "CN", "plate:AB123CD"},
		{KindHandle, "@Big  Wang", "CN", "handle:big wang"},
		{KindName, "约翰·史密斯", "CN", "name:约翰史密斯"},
		{KindName, "Straße  ΣΟΦΟΣ", "CN", "name:strasse σοφοσ"},
		{KindName, "\u13a0\uab71", "CN", "name:\u13a0\u13a1"},
		{KindOther, "Red\u200b  AUDI", "CN", "other:red audi"},
	} {
		id, err := Normalize(c.kind, c.raw, c.region)
		if err != nil || id.MatchKey() != c.key {
			t.Errorf("Normalize(%s, %q, %q) key = %q, %v; stored data has %q", c.kind, c.raw, c.region, id.MatchKey(), err, c.key)
		}
	}
}
