package account

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/sisterline/sisterline/internal/seal"
)

// At most one passphrase hash per core runs at once: a caller waits for a
// slot, and gives up when her request ends.
func TestPassphraseHashingWaitsForAFreeSlot(t *testing.T) {
	s := &Service{opt: Options{Hash: seal.TestHashParams}, hashing: make(chan struct{}, 1)}
	s.hashing <- struct{}{} // the one slot is taken
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := s.hash(ctx, "a passphrase"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("hash with no free slot: %v", err)
	}
	go func() {
		time.Sleep(20 * time.Millisecond)
		<-s.hashing
	}()
	h, err := s.hash(context.Background(), "a passphrase")
	if err != nil || h == "" {
		t.Fatalf("hash after the slot freed: %q %v", h, err)
	}
	if len(s.hashing) != 0 {
		t.Fatal("the slot was not given back")
	}
}
