package checkin

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/sisterline/sisterline/internal/notify"
)

const heartbeatName = "checkin"

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
// while no scheduler ran. It returns when ctx ends.
func (s *Service) Run(ctx context.Context) {
	for {
		if _, err := s.Tick(ctx); err != nil && ctx.Err() == nil {
			s.logError("check-in scheduler round failed", err)
		}
		if err := s.store.heartbeat(ctx, heartbeatName, s.clock()); err != nil && ctx.Err() == nil {
			s.logError("check-in scheduler heartbeat failed", err)
		}
		wait := time.Second
		if next, err := s.store.nextDue(ctx); err == nil && next != nil {
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
func (s *Service) Tick(ctx context.Context) (int, error) {
	total := 0
	for {
		n, err := s.fireBatch(ctx)
		total += n
		if err != nil || n == 0 {
			if total > 0 {
				s.notify.Wake()
			}
			return total, err
		}
	}
}

// fireBatch claims up to a batch of due steps and fires them in one
// transaction: the new state and the messages commit together or not at all,
// so a step fires at most once, whatever crashes.
func (s *Service) fireBatch(ctx context.Context) (int, error) {
	now := s.clock()
	n := 0
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		ids, err := s.store.claimDue(ctx, tx, now, s.opt.Batch)
		if err != nil {
			return err
		}
		var msgs []notify.Message
		for _, id := range ids {
			c, err := s.store.get(ctx, tx, id)
			if err != nil {
				return err
			}
			m, err := s.fire(ctx, tx, &c, now)
			if err != nil {
				return fmt.Errorf("checkin: fire %s: %w", id, err)
			}
			msgs = append(msgs, m...)
		}
		n = len(ids)
		return s.notify.Enqueue(ctx, tx, msgs...)
	})
	return n, err
}

// fire runs the due step of c and moves it to the next one.
func (s *Service) fire(ctx context.Context, tx *sql.Tx, c *Checkin, now time.Time) ([]notify.Message, error) {
	var msgs []notify.Message
	var err error
	switch c.NextStep {
	case stepRemind:
		msgs = []notify.Message{{Kind: notify.KindCheckinReminder, OrgID: c.OrgID, To: notify.ToMember(c.OwnerID), Data: map[string]string{"Path": "/checkins/" + c.ID}}}
		c.Status = StatusOverdue
		if err := s.store.addEvent(ctx, tx, c.ID, EventReminded, now); err != nil {
			return nil, err
		}
		next := c.DueAt.Add(c.Grace)
		c.NextStep, c.NextAt = stepBuddy, &next
	case stepBuddy:
		if msgs, err = s.fireBuddies(ctx, tx, c, now); err != nil {
			return nil, err
		}
		next := c.DueAt.Add(2 * c.Grace)
		c.NextStep, c.NextAt = stepStaff, &next
	case stepStaff:
		if msgs, err = s.fireStaff(ctx, tx, c, now); err != nil {
			return nil, err
		}
		c.NextStep, c.NextAt = stepDone, nil
	default:
		return nil, nil
	}
	var purge *time.Time
	if c.NextStep == stepDone {
		// She never came back: staff follow up through the case; the note
		// is kept long enough for that, then purged.
		t := now.Add(max(s.opt.Keep, 7*24*time.Hour))
		purge = &t
	}
	return msgs, s.store.update(ctx, tx, *c, purge)
}

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
