package ident

import (
	"slices"
	"strings"
	"testing"
)

func keys(ids []Identifier) []string {
	var ks []string
	for _, id := range ids {
		ks = append(ks, id.MatchKey())
	}
	return ks
}

func TestGuessOrdersCandidatesMostLikelyFirst(t *testing.T) {
	for _, c := range []struct {
		raw, region string
		want        []string
	}{
		// An assigned mobile: a phone first, and WeChat (most accounts are found by phone).
		{"138 0013 8000", "CN", []string{"phone:+8613800138000", "wechat:13800138000", "qq:13800138000", "other:138 0013 8000"}},
		{"+44 7911 123456", "CN", []string{"phone:+447911123456", "wechat:+447911123456", "other:+44 7911 123456"}},
		// Plausibly QQ and phone (Chinese special-service length): QQ first.
		{"12345678", "CN", []string{"qq:12345678", "phone:+8612345678", "wechat:12345678", "handle:12345678", "other:12345678"}},
		// Too short for a phone.
		{"123456", "CN", []string{"qq:123456", "wechat:123456", "handle:123456", "other:123456"}},
		{"京A·12345", "CN", []string{"plate:京A12345", "other:京a·12345"}},
		{"云A D12345", "CN", []string{"plate:云AD12345", "other:云a d12345"}},
		{"abc@x.cn", "CN", []string{"email:abc@x.cn", "other:abc@x.cn"}},
		{"12345@qq.com", "CN", []string{"email:12345@qq.com", "other:12345@qq.com"}},
		{"wxid_abc", "CN", []string{"wechat:wxid_abc", "handle:wxid_abc", "other:wxid_abc"}},
		{"bigwang88", "CN", []string{"wechat:bigwang88", "handle:bigwang88", "plate:BIGWANG88", "other:bigwang88"}},
		{"@BigWang", "CN", []string{"handle:bigwang", "other:@bigwang"}},
		{"张三", "CN", []string{"name:张三", "handle:张三", "other:张三"}},
		{"张 三", "CN", []string{"name:张三", "other:张 三"}},
		{"Big Wang", "CN", []string{"name:big wang", "other:big wang"}},
		{"abc", "CN", []string{"handle:abc", "name:abc", "other:abc"}},
		// A label decides.
		{"微信: abc123", "CN", []string{"wechat:abc123", "other:微信: abc123"}},
		{"微信 13800138000", "CN", []string{"wechat:13800138000", "other:微信 13800138000"}},
		{"QQ 12345678", "CN", []string{"qq:12345678", "other:qq 12345678"}},
		{"电话 138 0013 8000", "CN", []string{"phone:+8613800138000", "other:电话 138 0013 8000"}},
		{"车牌 京A12345", "CN", []string{"plate:京A12345", "other:车牌 京a12345"}},
		// The region decides what national digits mean.
		{"020 7946 0958", "GB", []string{"phone:+442079460958", "wechat:02079460958", "other:020 7946 0958"}},
	} {
		if got := keys(Guess(c.raw, c.region)); !slices.Equal(got, c.want) {
			t.Errorf("Guess(%q, %q)\n got %q\nwant %q", c.raw, c.region, got, c.want)
		}
	}
}

func TestGuessReturnsNothingForNothing(t *testing.T) {
	for _, raw := range []string{"", "   ", "\u200b", "\xff\xfe", string(make([]byte, 1000))} {
		if got := Guess(raw, "CN"); got != nil {
			t.Errorf("Guess(%q) = %v, want nil", raw, got)
		}
	}
}

// guessSamples are typed into the screening box by members.
var guessSamples = []string{
	"138 0013 8000", "13800138000", "+86 138 0013 8000", "0086 13800138000", "１３８００１３８０００",
	"0871-65123456", "12345678", "123456", "10001", "+44 20 7946 0958", "020 7946 0958",
	"京A·12345", "云A·D12345", "粤B 12345", "沪A-1234学", "ab 123 cd",
	"abc@x.cn", "ABC@X.CN", "12345@qq.com", "abc@163。com",
	"wxid_abc", "微信: abc123", "WeChat:abc123", "vx abc_123", "QQ: 12345678",
	"@BigWang", "张三", "张 三", "约翰·史密斯", "Big Wang", "Straße", "red audi a6", "abc",
}

func TestGuessCandidatesAreWhatNormalizeReturns(t *testing.T) {
	for _, region := range []string{"CN", "GB", "US", ""} {
		for _, raw := range guessSamples {
			checkGuess(t, raw, region)
		}
	}
}

// checkGuess asserts the contract of Guess: each candidate is exactly what
// Normalize returns for its kind, kinds do not repeat, and other (the
// catch-all) comes last.
func checkGuess(t *testing.T, raw, region string) {
	t.Helper()
	got := Guess(raw, region)
	seen := map[Kind]bool{}
	for i, c := range got {
		want, err := Normalize(c.Kind, raw, region)
		if err != nil || c != want {
			t.Errorf("Guess(%q, %q) offers %+v, but Normalize gives %+v, %v", raw, region, c, want, err)
		}
		if seen[c.Kind] {
			t.Errorf("Guess(%q, %q) offers %s twice", raw, region, c.Kind)
		}
		seen[c.Kind] = true
		if c.Kind == KindOther && i != len(got)-1 {
			t.Errorf("Guess(%q, %q): other is not last: %v", raw, region, keys(got))
		}
	}
	if _, err := Normalize(KindOther, raw, region); (err == nil) != seen[KindOther] {
		t.Errorf("Guess(%q, %q) = %v: other missing or unexpected", raw, region, keys(got))
	}
	// Candidates (for screening) are the same identifiers in any order.
	cands := Candidates(raw, region)
	sortByKind := func(a, b Identifier) int { return strings.Compare(string(a.Kind), string(b.Kind)) }
	want := slices.SortedFunc(slices.Values(got), sortByKind)
	if g := slices.SortedFunc(slices.Values(cands), sortByKind); !slices.Equal(g, want) {
		t.Errorf("Candidates(%q, %q) = %v, Guess gives %v", raw, region, g, want)
	}
}

func TestScreeningFindsWhatAReportStored(t *testing.T) {
	// A report stores an identifier with its kind; a member screens the
	// same man written another way without a kind.
	for _, c := range []struct {
		kind          Kind
		stored, typed string
	}{
		{KindPhone, "+86 138 0013 8000", "138-0013-8000"},
		{KindPhone, "0871-65123456", "+86 871 6512 3456"},
		{KindWeChat, "微信：Abc_123", "abc_123"},
		{KindWeChat, "13800138000", "138 0013 8000"},
		{KindQQ, "QQ 12345678", "12345678"},
		{KindEmail, "Abc@X.cn", "abc@x.cn"},
		{KindPlate, "京A·12345", "京a 12345"},
		{KindHandle, "@BigWang", "bigwang"},
		{KindName, "张 三", "张三"},
		{KindOther, "Red Audi", "red  audi"},
	} {
		stored, err := Normalize(c.kind, c.stored, "CN")
		if err != nil {
			t.Fatalf("Normalize(%s, %q): %v", c.kind, c.stored, err)
		}
		if !slices.Contains(keys(Guess(c.typed, "CN")), stored.MatchKey()) {
			t.Errorf("screening %q does not find %s %q (%s): %v", c.typed, c.kind, c.stored, stored.MatchKey(), keys(Guess(c.typed, "CN")))
		}
	}
}

func TestGuessIsSafeForConcurrentUse(t *testing.T) {
	// Run with -race: Normalize must share no mutable state (a case folder,
	// for one, is stateful and must not be shared).
	want := map[string][]string{}
	for _, raw := range guessSamples {
		want[raw] = keys(Guess(raw, "CN"))
	}
	t.Run("group", func(t *testing.T) {
		for i := range 4 {
			t.Run("", func(t *testing.T) {
				t.Parallel()
				for j := range guessSamples {
					raw := guessSamples[(i+j)%len(guessSamples)]
					if got := keys(Guess(raw, "CN")); !slices.Equal(got, want[raw]) {
						t.Errorf("Guess(%q) = %v concurrently, %v alone", raw, got, want[raw])
					}
				}
			})
		}
	})
}

// BenchmarkCandidates reads values as members type them into "check a
// number": the screening's first step.
//
//	go test -run '^$' -bench Candidates -benchmem ./internal/ident/
func BenchmarkCandidates(b *testing.B) {
	for _, v := range []string{"138 1234 5678", "微信：WX1A2B3C", "+86 139-0000-1111", "京A·12345", "123456789"} {
		b.Run(v, func(b *testing.B) {
			for b.Loop() {
				if len(Candidates(v, "CN")) == 0 {
					b.Fatal("no candidates")
				}
			}
		})
	}
}
