package ident

import "testing"

func TestEmailIgnoresCaseAndWidth(t *testing.T) {
	sameValue(t, KindEmail, "CN", "abc@x.cn",
		"abc@x.cn", "ABC@X.CN", "Abc@x.Cn", "ａｂｃ＠ｘ．ｃｎ", "abc@x。cn", " abc@x.cn ",
		"邮箱：abc@x.cn", "Email: abc@x.cn", "e-mail abc@x.cn", "mailto:abc@x.cn")
}

func TestEmailKeepsDotsAndPlusTags(t *testing.T) {
	// Gmail ignores them, most providers do not: they stay.
	checkAccepted(t, KindEmail, []accepted{
		{"A.B+tag@Gmail.com", "CN", "a.b+tag@gmail.com", "a.b+tag@gmail.com"},
		{"ab@gmail.com", "CN", "ab@gmail.com", "ab@gmail.com"},
		{"12345@qq.com", "CN", "12345@qq.com", "12345@qq.com"},
		{"张三@例子.中国", "CN", "张三@例子.中国", "张三@例子.中国"},
		{"emailme@x.cn", "CN", "emailme@x.cn", "emailme@x.cn"}, // "email" is not a label here
		{"o'brien_1@mail-host.co.uk", "CN", "o'brien_1@mail-host.co.uk", "o'brien_1@mail-host.co.uk"},
	})
}

func TestEmailRefusesWhatIsNoAddress(t *testing.T) {
	checkRefused(t, KindEmail, []refused{
		{"abc", "CN", ReasonInvalidEmail},
		{"abc@", "CN", ReasonInvalidEmail},
		{"@x.cn", "CN", ReasonInvalidEmail},
		{"abc@x", "CN", ReasonInvalidEmail}, // the domain needs a dot
		{"a@b@x.cn", "CN", ReasonInvalidEmail},
		{"a b@x.cn", "CN", ReasonInvalidEmail},
		{"ab@x .cn", "CN", ReasonInvalidEmail},
		{".ab@x.cn", "CN", ReasonInvalidEmail},
		{"a..b@x.cn", "CN", ReasonInvalidEmail},
		{"ab.@x.cn", "CN", ReasonInvalidEmail},
		{"ab@x..cn", "CN", ReasonInvalidEmail},
		{"ab@.x.cn", "CN", ReasonInvalidEmail},
		{"ab@-x.cn", "CN", ReasonInvalidEmail},
		{"ab@x_y.cn", "CN", ReasonInvalidEmail},
		{"<ab@x.cn>", "CN", ReasonInvalidEmail},
		{"\"a b\"@x.cn", "CN", ReasonInvalidEmail}, // quoted local parts are not supported
	})
}
