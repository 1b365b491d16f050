package ident

import (
	"errors"
	"slices"
	"testing"
	"unicode/utf8"
)

// fuzzRegions are the regions the fuzzers try; the fuzzed byte picks one.
var fuzzRegions = []string{"CN", "", "GB", "US", "HK", "AU", "IT", "zz"}

func FuzzNormalize(f *testing.F) {
	for _, s := range guessSamples {
		f.Add(s, uint8(0))
	}
	for _, s := range []string{"00", "+", "0086", "wxid_", "微信:", "车牌", "\u0345", "ß", "ﷺ", "\u200c", "İ", "@@", "+39 06 1234 5678", "+683 1234"} {
		f.Add(s, uint8(1))
	}
	f.Fuzz(func(t *testing.T, raw string, r uint8) {
		region := fuzzRegions[int(r)%len(fuzzRegions)]
		for _, kind := range Kinds() {
			id, err := Normalize(kind, raw, region)
			if err != nil {
				var pe *ParseError
				if !errors.As(err, &pe) || pe.Kind != kind || !slices.Contains(Reasons(), pe.Reason) {
					t.Fatalf("Normalize(%s, %q, %q): error %#v is not a ParseError with a known reason", kind, raw, region, err)
				}
				continue
			}
			if id.Kind != kind || id.Value == "" || id.Display == "" {
				t.Fatalf("Normalize(%s, %q, %q) = %+v: kind wrong or empty", kind, raw, region, id)
			}
			if !utf8.ValidString(id.Value) || !utf8.ValidString(id.Display) {
				t.Fatalf("Normalize(%s, %q, %q) = %+v: invalid UTF-8", kind, raw, region, id)
			}
			// The Value is a fixed point: normalising it again changes nothing.
			again, err := Normalize(kind, id.Value, region)
			if err != nil || again.Value != id.Value {
				t.Fatalf("Normalize(%s, %q, %q).Value = %q, but normalising that gives %q, %v", kind, raw, region, id.Value, again.Value, err)
			}
			// What people are shown can be typed back in and matches.
			shown, err := Normalize(kind, id.Display, region)
			if err != nil || shown.Value != id.Value {
				t.Fatalf("Normalize(%s, %q, %q).Display = %q, but normalising that gives %q, %v", kind, raw, region, id.Display, shown.Value, err)
			}
		}
	})
}

func FuzzGuess(f *testing.F) {
	for _, s := range guessSamples {
		f.Add(s, uint8(0))
	}
	f.Fuzz(func(t *testing.T, raw string, r uint8) {
		checkGuess(t, raw, fuzzRegions[int(r)%len(fuzzRegions)])
	})
}
