package config

import (
	"strings"
	"testing"
	"time"
)

func TestFlagWinsOverEnvironmentAndEnvironmentOverDefault(t *testing.T) {
	c := Default()
	fs := c.FlagSet("serve")
	env := map[string]string{"SISTERLINE_ADDR": "127.0.0.1:9999", "SISTERLINE_LANG": "en", "SISTERLINE_CHECKIN_GRACE": "2m"}
	if err := Parse(fs, []string{"--lang", "zh-CN"}, func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:9999" || c.Lang != "zh-CN" || c.CheckinGrace != 2*time.Minute {
		t.Fatalf("got addr=%s lang=%s grace=%v", c.Addr, c.Lang, c.CheckinGrace)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestBadEnvironmentValueIsNamed(t *testing.T) {
	c := Default()
	fs := c.FlagSet("serve")
	err := Parse(fs, nil, func(k string) string {
		if k == "SISTERLINE_CHECKIN_GRACE" {
			return "soon"
		}
		return ""
	})
	if err == nil || !strings.Contains(err.Error(), "SISTERLINE_CHECKIN_GRACE") {
		t.Fatalf("err = %v", err)
	}
}

func TestValidateRejectsUnknownLanguage(t *testing.T) {
	c := Default()
	c.Lang = "fr"
	if err := c.Validate(); err == nil {
		t.Fatal("accepted --lang fr")
	}
}
