package app_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/sisterline/sisterline/internal/app/apptest"
	"github.com/sisterline/sisterline/internal/seal"
	"github.com/sisterline/sisterline/internal/web"
)

// After a key rotation every sealed value moves to the new key, and sign-in
// (which opens the sealed handle) still works.
func TestKeyRotationResealsEverySealedColumn(t *testing.T) {
	s := apptest.Start(t)
	ctx := context.Background()
	old := s.Keys.Active()
	if _, err := s.Keys.Rotate(); err != nil {
		t.Fatal(err)
	}
	n, err := s.Keys.Reseal(ctx, s.DB.DB, s.Sealed())
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("nothing was resealed")
	}
	rows, err := s.DB.QueryContext(ctx, `SELECT handle_enc FROM users`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var v []byte
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		if id, _ := seal.KeyID(v); id == old || bytes.Equal(v, nil) {
			t.Fatalf("a handle is still sealed with key %d", id)
		}
	}
	s.Token(t, s.Login(t, 0, web.RoleMember))
	if n, _ := s.Keys.Reseal(ctx, s.DB.DB, s.Sealed()); n != 0 {
		t.Fatalf("second reseal rewrote %d values", n)
	}
}
