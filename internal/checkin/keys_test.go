package checkin_test

import (
	"context"
	"testing"
	"time"

	"github.com/sisterline/sisterline/internal/checkin"
	"github.com/sisterline/sisterline/internal/seal"
	"github.com/sisterline/sisterline/internal/web"
)

func TestKeyRotationResealsNotesAndOutsideBuddiesAddresses(t *testing.T) {
	onEngines(t, func(t *testing.T, s *site) {
		ctx := context.Background()
		p := s.principal(t, s.Login(t, 0, web.RoleMember))
		c, err := s.Checkins.Start(ctx, p, checkin.Start{DueIn: time.Hour, Note: "room 12",
			Buddies: []checkin.BuddyIn{{Phone: "139 0000 0004"}, {Email: "friend@example.org"}}})
		if err != nil {
			t.Fatal(err)
		}
		old := s.Keys.Active()
		if _, err := s.Keys.Rotate(); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Keys.Reseal(ctx, s.DB.DB, s.Sealed()); err != nil {
			t.Fatal(err)
		}
		var sealed [][]byte
		var note []byte
		if err := s.DB.QueryRowContext(ctx, `SELECT note_enc FROM checkins WHERE id = $1`, c.ID).Scan(&note); err != nil {
			t.Fatal(err)
		}
		sealed = append(sealed, note)
		rows, err := s.DB.QueryContext(ctx, `SELECT phone_enc, email_enc FROM checkin_buddies WHERE checkin_id = $1`, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var phone, email []byte
			if err := rows.Scan(&phone, &email); err != nil {
				t.Fatal(err)
			}
			sealed = append(sealed, phone, email)
		}
		rows.Close()
		for i, v := range sealed {
			if id, ok := seal.KeyID(v); ok && id == old {
				t.Errorf("sealed value %d is still under key %d", i, old)
			}
		}
		got, err := s.Checkins.Get(ctx, p, c.ID)
		if err != nil || got.Note != "room 12" || got.Buddies[0].Phone+got.Buddies[1].Phone != "+8613900000004" {
			t.Fatalf("after reseal: %+v, %v", got, err)
		}
	})
}
