package ident

import (
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// wechatLabels are stripped from the front of a WeChat ID ("微信：abc123",
// "WeChat:abc123", "vx abc123"). Members write "v" or "vx" for 微信 to get
// past keyword filters.
var wechatLabels = []string{
	"微信号", "微信", "威信", "薇信", "v信", "vx号", "wx号",
	"wechat id", "wechatid", "wechat", "weixin", "vx", "wx",
}

// normalizeWeChat returns a WeChat ID in lower case.
//
// A WeChat ID is 6 to 20 letters, digits, '_' or '-', starting with a letter;
// WeChat ignores case, so the Value is lower case. Accounts created without
// an ID carry a generated "wxid_…" ID, which may be longer (up to 32 here).
//
// WeChat also finds an account by the phone or QQ number it is linked to, so
// members often give one of those as "his WeChat". A value of digits (with
// separators) is therefore kept as WeChat, as the digits: "138 0013 8000" has
// Value "13800138000". A number written internationally ('+' or "00") is read
// as a phone number: one of the region's own country becomes its national
// digits, so "+86 138 0013 8000" matches "13800138000" in China; a foreign one
// keeps its E.164 form ("+447911123456"). Bare digits are not run through
// libphonenumber on purpose: a QQ number would turn into a phone number, and
// the Value of a WeChat ID would change whenever the metadata does.
func normalizeWeChat(s, region string, cache phoneCache) (string, string, Reason) {
	s = stripLabels(s, wechatLabels, true)
	if plus, digits, ok := phoneDigits(s); ok {
		return wechatDigits(plus, digits, region, cache)
	}
	id := strings.ToLower(s)
	if !isWeChatID(id) {
		return "", "", ReasonInvalidWeChat
	}
	return id, id, ""
}

func wechatDigits(plus bool, digits, region string, cache phoneCache) (string, string, Reason) {
	if !plus && !strings.HasPrefix(digits, "00") {
		if len(digits) < 5 || len(digits) > 20 {
			return "", "", ReasonInvalidWeChat
		}
		return digits, digits, ""
	}
	num, ok := cache.parse(plus, digits, region)
	if !ok {
		return "", "", ReasonInvalidWeChat
	}
	if int(num.GetCountryCode()) == phonenumbers.GetCountryCodeForRegion(phoneRegion(region)) {
		// The national digits must read back as themselves: as bare
		// digits (5 to 20 of them, not "00…").
		nsn := phonenumbers.GetNationalSignificantNumber(num)
		if len(nsn) < 5 || len(nsn) > 20 || strings.HasPrefix(nsn, "00") {
			return "", "", ReasonInvalidWeChat
		}
		return nsn, nsn, ""
	}
	value, display := formatPhone(num)
	return value, display, ""
}

func isWeChatID(s string) bool {
	maxLen := 20
	if strings.HasPrefix(s, "wxid_") {
		maxLen = 32
	}
	if len(s) < 6 || len(s) > maxLen || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}
