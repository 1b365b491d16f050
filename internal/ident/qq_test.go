package ident

import "testing"

func TestQQNumberWrittenManyWaysMatches(t *testing.T) {
	sameValue(t, KindQQ, "CN", "12345678",
		"12345678", "QQ: 12345678", "qq：12345678", "QQ12345678", "QQ号 12345678", "QQ号码：12345678",
		"扣扣 12345678", "1234 5678", "1234-5678", "１２３４５６７８")
}

func TestQQNumberLengths(t *testing.T) {
	checkAccepted(t, KindQQ, []accepted{
		{"10001", "CN", "10001", "10001"},
		{"13800138000", "CN", "13800138000", "13800138000"},
	})
	checkRefused(t, KindQQ, []refused{
		{"1234", "CN", ReasonInvalidQQ},
		{"123456789012", "CN", ReasonInvalidQQ},
		{"012345", "CN", ReasonInvalidQQ}, // QQ numbers do not start with 0
		{"12345@qq.com", "CN", ReasonInvalidQQ},
		{"+8612345678", "CN", ReasonInvalidQQ},
		{"abc12345", "CN", ReasonInvalidQQ},
		{"QQ", "CN", ReasonInvalidQQ},
		{"1234.5678", "CN", ReasonInvalidQQ},
	})
}
