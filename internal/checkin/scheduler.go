package checkin

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"time"

	"github.com/sisterline/sisterline/internal/db"
	"github.com/sisterline/sisterline/internal/notify"
)

const heartbeatName = "checkin"

// beatEvery is how often a working scheduler writes its heartbeat; admins
// are warned when it is 30 seconds old.
const beatEvery = 5 * time.Second

// Wake tells this process's scheduler that a deadline changed.
func (s *Service) Wake() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Run is the scheduler loop: it fires every due step, then sleeps until the
// next deadline (at most a second, so another instance's new check-ins are
// seen), or until woken. On start it catches up on everything that came due
// while no scheduler ran. After each round that worked it writes a
// heartbeat (none while a failed step waits for its retry), so a loop that
// stalls or keeps failing shows on the admin's home page and in the
// metrics. It returns when ctx ends.
func (s *Service) Run(ctx context.Context) {
	var failedAt, beatAt time.Time
	for {
		// The heartbeat says "every step due at start was handled".
		start := s.clock()
		_, err := s.Tick(ctx)
		switch {
		case err != nil:
			// When it failed, not when the round began: a round that began
			// before a jump of the clock (a test's, or a resumed VM's) would
			// otherwise leave failedAt so far back that the next round beats.
			failedAt = s.clock()
			if ctx.Err() == nil {
				s.logError("check-in scheduler round failed", err)
			}
		case start.Sub(failedAt) < 2*retryAfter:
			// A step failed lately and waits for its retry: no heartbeat
			// until it fires, so a step that keeps failing warns admins.
		case start.Sub(beatAt) < beatEvery && !start.Before(beatAt):
			// Beaten lately: a write per round would cost a commit (and, on
			// SQLite, a sync to disk) between every two batches of a burst.
		default:
			if err := s.store.heartbeat(ctx, heartbeatName, start); err != nil && ctx.Err() == nil {
				s.logError("check-in scheduler heartbeat failed", err)
			} else {
				beatAt = start
			}
		}
		wait := time.Second
		if next, err := s.store.nextDue(ctx); err != nil && ctx.Err() == nil {
			s.logError("check-in scheduler: next deadline", err)
		} else if next != nil {
			wait = min(wait, max(0, next.Sub(s.now())))
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-s.wake:
			t.Stop()
		case <-t.C:
		}
	}
}

// Tick fires every step due now, in batches of one transaction each, and
// returns how many it fired. A check-in whose later steps are also overdue
// (the server was down past them) climbs the ladder in the same tick: she
// did not come back, and her buddies' deadline has passed too.
//
// One check-in that cannot fire (a message the outbox refuses, say) must
// not hold up the others: when a batch fails, its steps are fired one by
// one, and a step that still fails is retried a little later. Tick then
// reports the failure, so the heartbeat stops and admins are warned.
func (s *Service) Tick(ctx context.Context) (int, error) {
	// On PostgreSQL two batches go at once: SKIP LOCKED keeps them apart,
	// and the database works on one while this process prepares the other.
	// SQLite has one writer; a second would only wait.
	workers := 1
	if s.db.Dialect == db.Postgres {
		workers = 2
	}
	var (
		mu     sync.Mutex
		total  int
		failed error
		wg     sync.WaitGroup
	)
	for range workers {
		wg.Go(func() {
			n, err := s.drain(ctx)
			mu.Lock()
			defer mu.Unlock()
			total += n
			if err != nil {
				failed = err
			}
		})
	}
	wg.Wait()
	if total > 0 {
		s.notify.Wake()
	}
	return total, failed
}

// drain fires batches until none is due, falling back to one step at a
// time when a batch fails.
func (s *Service) drain(ctx context.Context) (int, error) {
	total := 0
	var failed error
	for {
		n, err := s.fireBatch(ctx, nil)
		if err != nil && ctx.Err() == nil {
			var postponed int
			n, postponed, err = s.fireEach(ctx)
			if err != nil {
				failed = err
			}
			if n == 0 && postponed == 0 {
				break
			}
		}
		total += n
		if n == 0 && err == nil {
			break
		}
		if ctx.Err() != nil {
			failed = ctx.Err()
			break
		}
	}
	return total, failed
}

// retryAfter is how long a step that failed to fire waits for its next try.
const retryAfter = 15 * time.Second

// fireEach fires the due steps one transaction each, postponing those that
// fail. It returns how many fired and how many were postponed, and the
// last failure.
func (s *Service) fireEach(ctx context.Context) (fired, postponed int, err error) {
	now := s.clock()
	ids, err := s.store.dueIDs(ctx, now, s.opt.Batch)
	if err != nil {
		return 0, 0, err
	}
	var last error
	for _, id := range ids {
		n, err := s.fireBatch(ctx, &id)
		if err == nil {
			fired += n
			continue
		}
		last = err
		// The id is opaque; nothing of her check-in is in the error.
		s.logError("check-in step failed to fire; retrying later", fmt.Errorf("checkin %s: %w", id, err))
		c, gerr := s.store.get(ctx, s.db, id)
		if gerr != nil || c.NextAt == nil {
			continue
		}
		if perr := s.store.postpone(ctx, id, *c.NextAt, now.Add(retryAfter)); perr == nil {
			postponed++
		}
	}
	return fired, postponed, last
}

// fired is a step fired in a batch, for the lateness it is reported with.
type fired struct {
	step string
	due  time.Time
}

// fireBatch claims up to a batch of due steps (or only the one named) and
// fires them in one transaction: the new state and the messages commit
// together or not at all, so a step fires at most once, whatever crashes.
// The batch is read in three queries and its new states and events written
// in one statement each, so a thousand deadlines in the same second are all
// met within it.
func (s *Service) fireBatch(ctx context.Context, only *string) (int, error) {
	now := s.clock()
	var done []fired
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		done = done[:0]
		var ids []string
		var err error
		if only != nil {
			ids, err = s.store.claimOne(ctx, tx, now, *only)
		} else {
			ids, err = s.store.claimDue(ctx, tx, now, s.opt.Batch)
		}
		if err != nil || len(ids) == 0 {
			return err
		}
		batch, err := s.store.getMany(ctx, tx, ids)
		if err != nil {
			return err
		}
		var (
			msgs   []notify.Message
			states []stepState
			events []eventRow
		)
		for i := range batch {
			c := &batch[i]
			f := fired{step: c.NextStep}
			if c.NextAt != nil {
				f.due = *c.NextAt
			}
			st, m, ev, err := s.fire(ctx, tx, c, now)
			if err != nil {
				return fmt.Errorf("checkin: fire %s: %w", c.ID, err)
			}
			states, msgs, events = append(states, st), append(msgs, m...), append(events, ev...)
			done = append(done, f)
		}
		if err := s.store.updateStates(ctx, tx, states); err != nil {
			return err
		}
		if err := s.store.addEvents(ctx, tx, events); err != nil {
			return err
		}
		return s.notify.Enqueue(ctx, tx, msgs...)
	})
	if err != nil {
		return 0, err
	}
	if s.opt.Observe != nil {
		// Lateness counts until the step is committed, messages included.
		at := s.now()
		for _, f := range done {
			s.opt.Observe(f.step, at.Sub(f.due))
		}
	}
	return len(done), nil
}

// fire runs the due step of c and moves it to the next one. It returns the
// new state and events for the batch to write, and the messages to send.
// The reminder carries a fresh "I'm safe" link: only its hash is kept, and
// it is written in the same transaction as the message that holds it.
func (s *Service) fire(ctx context.Context, tx *sql.Tx, c *Checkin, now time.Time) (stepState, []notify.Message, []eventRow, error) {
	var msgs []notify.Message
	var events []eventRow
	var err error
	st := stepState{}
	switch c.NextStep {
	case stepRemind:
		tok := newToken()
		st.safeHash = tokenHash(tok)
		msgs = []notify.Message{{Kind: notify.KindCheckinReminder, OrgID: c.OrgID, To: notify.ToMember(c.OwnerID), Data: map[string]string{"Path": SafeLinkPath(tok)}}}
		c.Status = StatusOverdue
		events = append(events, eventRow{checkinID: c.ID, kind: EventReminded, at: now})
		next := c.DueAt.Add(c.Grace)
		c.NextStep, c.NextAt = stepBuddy, &next
	case stepBuddy:
		if msgs, err = s.fireBuddies(ctx, tx, c, now); err != nil {
			return st, nil, nil, err
		}
		next := c.DueAt.Add(2 * c.Grace)
		c.NextStep, c.NextAt = stepStaff, &next
	case stepStaff:
		if msgs, err = s.fireStaff(ctx, tx, c, now); err != nil {
			return st, nil, nil, err
		}
		c.NextStep, c.NextAt = stepDone, nil
	default:
		c.NextAt = nil
	}
	if c.NextStep == stepDone {
		// She never came back: staff follow up through the case; the note
		// is kept long enough for that, then purged.
		t := now.Add(max(s.opt.Keep, 7*24*time.Hour))
		st.purgeAt = &t
	}
	st.c = *c
	return st, msgs, events, nil
}

// SafeLinkPath is the path of her "I'm safe" link with token.
func SafeLinkPath(token string) string { return "/c/safe/" + token }

// BuddyLinkPath is the path of an outside buddy's link with token.
func BuddyLinkPath(token string) string { return "/c/buddy/" + token }

// fireBuddies alerts her buddies with her note. With no buddies, the step
// passes on to staff at once.
func (s *Service) fireBuddies(ctx context.Context, tx *sql.Tx, c *Checkin, now time.Time) ([]notify.Message, error) {
	first := c.Status != StatusEscalated
	c.Status = StatusEscalated
	if first {
		if err := s.store.count(ctx, tx, c.OrgID, day(now), "escalated"); err != nil {
			return nil, err
		}
	}
	if len(c.Buddies) == 0 {
		return s.fireStaff(ctx, tx, c, now)
	}
	handle, err := s.users.HandleOf(ctx, c.OwnerID)
	if err != nil {
		return nil, err
	}
	tokens, err := s.rotateBuddyTokens(ctx, tx, *c)
	if err != nil {
		return nil, err
	}
	data := map[string]string{"Handle": handle, "Note": c.Note}
	var msgs []notify.Message
	for _, b := range c.Buddies {
		msgs = append(msgs, s.toBuddy(*c, b, notify.KindCheckinBuddy, data, tokens[b.ID]))
	}
	if err := s.store.markAlerted(ctx, tx, c.ID, now); err != nil {
		return nil, err
	}
	for i := range c.Buddies {
		if c.Buddies[i].AlertedAt == nil {
			c.Buddies[i].AlertedAt = &now
		}
	}
	c.Events = append(c.Events, Event{At: now, Kind: EventBuddyAlerted})
	return msgs, s.store.addEvent(ctx, tx, c.ID, EventBuddyAlerted, now)
}

// rotateBuddyTokens gives each outside buddy a fresh link token now, when
// her link is sent (only its hash is kept).
func (s *Service) rotateBuddyTokens(ctx context.Context, tx *sql.Tx, c Checkin) (map[string]string, error) {
	tokens := map[string]string{}
	for _, b := range c.Buddies {
		if b.UserID != "" {
			continue
		}
		tok := newToken()
		if _, err := tx.ExecContext(ctx, `UPDATE checkin_buddies SET ack_hash = $1 WHERE id = $2`, tokenHash(tok), b.ID); err != nil {
			return nil, fmt.Errorf("checkin: buddy token: %w", err)
		}
		tokens[b.ID] = tok
	}
	return tokens, nil
}

// fireStaff alerts her organisation's on-call staff and opens a case.
func (s *Service) fireStaff(ctx context.Context, tx *sql.Tx, c *Checkin, now time.Time) ([]notify.Message, error) {
	if c.Status != StatusEscalated {
		c.Status = StatusEscalated
		if err := s.store.count(ctx, tx, c.OrgID, day(now), "escalated"); err != nil {
			return nil, err
		}
	}
	if hasEvent(*c, EventStaffAlerted) {
		return nil, nil
	}
	staff, err := s.notify.OnCall(ctx, tx, c.OrgID)
	if err != nil {
		return nil, err
	}
	handle, err := s.users.HandleOf(ctx, c.OwnerID)
	if err != nil {
		return nil, err
	}
	data := map[string]string{"Handle": handle, "Note": c.Note, "Path": "/checkins/" + c.ID}
	var msgs []notify.Message
	for _, id := range staff {
		msgs = append(msgs, notify.Message{Kind: notify.KindCheckinStaff, OrgID: c.OrgID, To: notify.ToMember(id), Data: data})
	}
	if s.cases != nil && c.CaseID == "" {
		if c.CaseID, err = s.cases.OpenCase(ctx, tx, c.OrgID, "checkin", "other"); err != nil {
			return nil, err
		}
	}
	c.Events = append(c.Events, Event{At: now, Kind: EventStaffAlerted})
	return msgs, s.store.addEvent(ctx, tx, c.ID, EventStaffAlerted, now)
}
