package checkin

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/sisterline/sisterline/internal/account"
	"github.com/sisterline/sisterline/internal/db"
	"github.com/sisterline/sisterline/internal/db/dbtest"
	"github.com/sisterline/sisterline/internal/seal"
	"github.com/sisterline/sisterline/internal/web"
)

// The scheduler sleeps until the next deadline: if it could not read it, it
// would poll once a second and every reminder would be up to a second late.
func TestTheNextDeadlineIsReadExactlyOnBothEngines(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		keys, _ := seal.New()
		opt := account.DefaultOptions()
		opt.Hash = seal.TestHashParams
		acc := account.NewService(d, keys, opt, time.Now, slog.New(slog.NewTextHandler(io.Discard, nil)))
		u, err := acc.Bootstrap(ctx, "Org", "org", "admin", "long enough pass", "en")
		if err != nil {
			t.Fatal(err)
		}
		now := time.Date(2026, 11, 28, 20, 0, 0, 0, time.UTC)
		s := NewService(d, keys, nil, acc.Store(), nil, Options{Grace: time.Minute}, func() time.Time { return now }, nil)
		if next, err := s.store.nextDue(ctx); err != nil || next != nil {
			t.Fatalf("with no check-in: %v, %v", next, err)
		}
		p := &web.Principal{UserID: u.ID, OrgID: u.OrgID, Role: web.RoleAdmin}
		for _, in := range []time.Duration{90 * time.Minute, 45*time.Minute + 1500*time.Microsecond, 2 * time.Hour} {
			if _, err := s.Start(ctx, p, Start{DueIn: in}); err != nil {
				t.Fatal(err)
			}
		}
		next, err := s.store.nextDue(ctx)
		if err != nil || next == nil || !next.Equal(now.Add(45*time.Minute+1500*time.Microsecond)) {
			t.Fatalf("next deadline %v, %v; want the 45-minute one to the microsecond", next, err)
		}
	})
}
