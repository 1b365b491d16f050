package ident

import "testing"

func TestWeChatIDIsCaseInsensitive(t *testing.T) {
	sameValue(t, KindWeChat, "CN", "abc_123", "abc_123", "ABC_123", "Abc_123", "ＡＢＣ＿１２３")
}

func TestWeChatLabelsAreStripped(t *testing.T) {
	sameValue(t, KindWeChat, "CN", "abc123",
		"微信: abc123", "微信：abc123", "微信号：abc123", "微信abc123", "WeChat:abc123", "wechat abc123",
		"WeChat ID: abc123", "weixin: abc123", "wx: abc123", "vx abc123", "V信: abc123", "VX号：abc123")
}

func TestWeChatAcceptsGeneratedWxids(t *testing.T) {
	checkAccepted(t, KindWeChat, []accepted{
		{"wxid_ab12cd34ef5678", "CN", "wxid_ab12cd34ef5678", "wxid_ab12cd34ef5678"},
		{"wxid_abc", "CN", "wxid_abc", "wxid_abc"},
		{"微信: WXID_AB12CD34EF56789012345678", "CN", "wxid_ab12cd34ef56789012345678", "wxid_ab12cd34ef56789012345678"},
		{"wechat", "CN", "wechat", "wechat"}, // an id, not a label
		{"a-b_c-1", "CN", "a-b_c-1", "a-b_c-1"},
	})
}

func TestWeChatGivenAsPhoneOrQQNumberKeepsTheDigits(t *testing.T) {
	// Written nationally or with the region's own country code: national digits.
	sameValue(t, KindWeChat, "CN", "13800138000",
		"13800138000", "138 0013 8000", "138-0013-8000", "微信: 138 0013 8000", "+86 138 0013 8000", "0086 13800138000")
	// A QQ number (WeChat also finds accounts by it) stays as it is.
	sameValue(t, KindWeChat, "CN", "12345678", "12345678", "1234 5678")
	// A foreign number written internationally keeps its country code.
	checkAccepted(t, KindWeChat, []accepted{
		{"+44 7911 123456", "CN", "+447911123456", "+44 7911 123456"},
		{"+86 138 0013 8000", "GB", "+8613800138000", "+86 138 0013 8000"},
		{"+44 7911 123456", "GB", "7911123456", "7911123456"},
	})
}

func TestWeChatRefusesWhatIsNoWeChatID(t *testing.T) {
	checkRefused(t, KindWeChat, []refused{
		{"abc12", "CN", ReasonInvalidWeChat},                 // too short
		{"abcdefghij0123456789x", "CN", ReasonInvalidWeChat}, // too long
		{"1abcdef", "CN", ReasonInvalidWeChat},               // must start with a letter
		{"_abcdef", "CN", ReasonInvalidWeChat},
		{"abc 123", "CN", ReasonInvalidWeChat},
		{"abc.123", "CN", ReasonInvalidWeChat},
		{"abc@123.com", "CN", ReasonInvalidWeChat},
		{"张三丰的微信", "CN", ReasonInvalidWeChat},
		{"wxid_" + "abcdefghijklmnopqrstuvwxyz12", "CN", ReasonInvalidWeChat}, // 33 characters
		{"1234", "CN", ReasonInvalidWeChat},                                   // too few digits
		{"123456789012345678901", "CN", ReasonInvalidWeChat},                  // too many
		{"+999 1234", "CN", ReasonInvalidWeChat},                              // international, not a phone
		{"微信:", "CN", ReasonInvalidWeChat},
	})
}
