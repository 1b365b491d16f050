package seal

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

func TestSealOpensOnlyInItsPlace(t *testing.T) {
	k, err := New()
	if err != nil {
		t.Fatal(err)
	}
	ad := AD{"reports", "narrative", "r1"}
	ct := k.SealString("he hit me", ad)
	if bytes.Contains(ct, []byte("he hit me")) {
		t.Fatal("ciphertext contains the plain text")
	}
	got, err := k.OpenString(ct, ad)
	if err != nil || got != "he hit me" {
		t.Fatalf("open = %q, %v", got, err)
	}
	for _, other := range []AD{{"reports", "narrative", "r2"}, {"reports", "place", "r1"}, {"users", "narrative", "r1"}} {
		if _, err := k.Open(ct, other); !errors.Is(err, ErrOpen) {
			t.Errorf("opened in %v: err = %v", other, err)
		}
	}
	ct[len(ct)-1] ^= 1
	if _, err := k.Open(ct, ad); !errors.Is(err, ErrOpen) {
		t.Errorf("tampered value opened: %v", err)
	}
}

func TestSealEmptyIsNil(t *testing.T) {
	k, _ := New()
	if ct := k.SealString("", AD{"t", "c", "r"}); ct != nil {
		t.Fatalf("empty sealed to %x", ct)
	}
	if s, err := k.OpenString(nil, AD{"t", "c", "r"}); s != "" || err != nil {
		t.Fatalf("nil opened to %q, %v", s, err)
	}
}

func TestRotateKeepsOldValuesOpen(t *testing.T) {
	dir := t.TempDir()
	k, err := LoadOrCreate(dir)
	if err != nil {
		t.Fatal(err)
	}
	ad := AD{"t", "c", "r"}
	old := k.SealString("x", ad)
	idx := k.BlindIndex("d", "v")
	id, err := k.Rotate()
	if err != nil || id != 2 {
		t.Fatalf("rotate = %d, %v", id, err)
	}
	newer := k.SealString("x", ad)
	if kid, _ := KeyID(newer); kid != 2 {
		t.Fatalf("new value sealed with key %d", kid)
	}
	k2, err := LoadOrCreate(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, ct := range [][]byte{old, newer} {
		if s, err := k2.OpenString(ct, ad); s != "x" || err != nil {
			t.Fatalf("reloaded ring: %q, %v", s, err)
		}
	}
	if !bytes.Equal(idx, k2.BlindIndex("d", "v")) {
		t.Fatal("blind index changed across rotation")
	}
}

func TestKeyringFileIsOwnerOnly(t *testing.T) {
	dir := t.TempDir()
	if _, err := LoadOrCreate(dir); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, KeyringFile))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", fi.Mode().Perm())
	}
	if err := os.Chmod(filepath.Join(dir, KeyringFile), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreate(dir); err == nil {
		t.Fatal("loaded a world-readable key ring")
	}
}

func TestBlindIndexDependsOnKeyAndDomain(t *testing.T) {
	a, _ := New()
	b, _ := New()
	if bytes.Equal(a.BlindIndex("phone", "+8613800138000"), b.BlindIndex("phone", "+8613800138000")) {
		t.Fatal("two rings give the same index")
	}
	if bytes.Equal(a.BlindIndex("phone", "x"), a.BlindIndex("handle", "x")) {
		t.Fatal("domains collide")
	}
	if !bytes.Equal(a.BlindIndex("phone", "x"), a.BlindIndex("phone", "x")) {
		t.Fatal("index is not stable")
	}
}

func TestPassphraseHash(t *testing.T) {
	h := HashPassphrase("correct horse", TestHashParams)
	ok, rehash, err := VerifyPassphrase("correct horse", h, TestHashParams)
	if !ok || rehash || err != nil {
		t.Fatalf("verify = %v %v %v", ok, rehash, err)
	}
	if ok, _, _ := VerifyPassphrase("wrong", h, TestHashParams); ok {
		t.Fatal("wrong passphrase accepted")
	}
	if _, rehash, _ := VerifyPassphrase("correct horse", h, DefaultHashParams); !rehash {
		t.Fatal("weak hash not flagged for re-hashing")
	}
	if _, _, err := VerifyPassphrase("x", "$2a$10$bcrypt", TestHashParams); err == nil {
		t.Fatal("accepted a non-argon2 hash")
	}
}

func BenchmarkHashPassphraseDefault(b *testing.B) {
	for b.Loop() {
		HashPassphrase("correct horse battery staple", DefaultHashParams)
	}
}

// TestBlindIndexIsTheSameOnEveryCall: the keyed states BlindIndex reuses
// must start clean every time, also when goroutines share them.
func TestBlindIndexIsTheSameOnEveryCall(t *testing.T) {
	k, err := LoadOrCreate(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	mac := hmac.New(sha256.New, k.index)
	mac.Write([]byte("ident\x00phone:+8613800138000"))
	want := mac.Sum(nil)[:16]
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 500 {
				k.BlindIndex("ident", fmt.Sprintf("other:%d-%d", g, i)) // leaves state behind, if any
				if got := k.BlindIndex("ident", "phone:+8613800138000"); !bytes.Equal(got, want) {
					t.Errorf("call %d: %x, want %x", i, got, want)
					return
				}
			}
		})
	}
	wg.Wait()
}
