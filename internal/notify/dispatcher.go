package notify

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/sisterline/sisterline/internal/web"
)

// Run is the dispatcher: it sends due deliveries until ctx ends. It starts
// with whatever came due while the process was down, then wakes on Enqueue
// in this process, and otherwise looks every Poll (other processes and
// instances enqueue too). Several dispatchers may run on one database: a
// claim is atomic, and on PostgreSQL skips rows another claim holds.
func (s *Service) Run(ctx context.Context) {
	quick := 0
	for ctx.Err() == nil {
		n, err := s.DispatchOnce(ctx)
		if err != nil && ctx.Err() == nil {
			s.log.Error("notify: dispatch failed", "err", err)
		}
		if n >= s.opt.Batch {
			continue // more are due
		}
		wait := s.opt.Poll
		if n == 0 && quick > 0 {
			// Woken by an Enqueue whose transaction may not have committed
			// yet: look again soon rather than a whole poll later.
			quick--
			wait = min(wait, 100*time.Millisecond)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-s.wake:
			quick = 3
		case <-t.C:
		}
		t.Stop()
	}
}

// lease is how long a claimed batch is held: long enough for every round of
// workers to time out, with room to record the outcomes. A process that dies
// mid-batch leaves its rows to be claimed again when the lease runs out.
func (s *Service) lease() time.Duration {
	rounds := (s.opt.Batch + s.opt.Workers - 1) / s.opt.Workers
	return s.opt.SendTimeout * time.Duration(rounds+2)
}

// backoff is the wait before try attempts+1: BackoffBase doubled for each
// earlier failure, capped at BackoffMax, half of it random so that many
// failed deliveries do not come back all at once.
func (s *Service) backoff(attempts int) time.Duration {
	d := s.opt.BackoffBase
	for i := 1; i < attempts && d < s.opt.BackoffMax; i++ {
		d *= 2
	}
	d = min(d, s.opt.BackoffMax)
	half := d / 2
	return half + rand.N(half+1) // #nosec G404 -- jitter spreads retries; it guards no secret
}

// job is one claimed delivery on its way out.
type job struct {
	row outboxRow
	d   Delivery
	ch  Channel
	err error
	// skip is set when the delivery cannot be sent at all: its outcome.
	skip *outcome
}

// DispatchOnce claims one batch of due deliveries, sends them with the
// worker pool, records the outcomes, and returns how many it claimed.
func (s *Service) DispatchOnce(ctx context.Context) (int, error) {
	now := s.clock()
	leaseUntil := now.Add(s.lease())
	rows, err := s.store.claim(ctx, now, leaseUntil, s.opt.Batch)
	if err != nil || len(rows) == 0 {
		return 0, err
	}
	jobs, err := s.prepare(ctx, rows)
	if err != nil {
		// The rows stay leased and come back when the lease runs out.
		return len(rows), err
	}
	s.sendAll(ctx, jobs)

	// Record what happened even when ctx ended meanwhile (shutdown): a
	// message that went out must not go out again.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	done := s.clock()
	outs := make([]outcome, 0, len(jobs))
	var fanouts []string
	for _, j := range jobs {
		if j.row.FanoutID != "" {
			fanouts = append(fanouts, j.row.FanoutID)
		}
		o := s.outcomeOf(j, done)
		outs = append(outs, o)
		if o.State == "failed" {
			// Admins see it on the delivery page; the log holds only ids.
			s.log.Warn("notification given up", "message", j.row.MessageID, "kind", string(j.row.Kind), "channel", string(j.row.Channel), "attempts", j.row.Attempts, "error", o.Code)
		}
	}
	if err := s.store.finish(rctx, leaseUntil, done, outs, dedupe(fanouts)); err != nil {
		return len(rows), err
	}
	return len(rows), nil
}

// prepare turns claimed rows into deliveries: it opens the members'
// addresses, finds their handles and languages, and renders the texts.
func (s *Service) prepare(ctx context.Context, rows []outboxRow) ([]*job, error) {
	var userIDs, addrIDs, orgIDs []string
	for _, r := range rows {
		if r.UserID != "" {
			userIDs = append(userIDs, r.UserID)
		}
		if r.AddressID != "" {
			addrIDs = append(addrIDs, r.AddressID)
		}
		orgIDs = append(orgIDs, r.OrgID)
	}
	users := map[string]User{}
	if len(userIDs) > 0 {
		var err error
		if users, err = s.dir.Users(ctx, dedupe(userIDs)); err != nil {
			return nil, fmt.Errorf("notify: recipients: %w", err)
		}
	}
	addrs, err := s.store.addressValues(ctx, dedupe(addrIDs))
	if err != nil {
		return nil, err
	}
	full, err := s.store.fullTexts(ctx, dedupe(orgIDs))
	if err != nil {
		return nil, err
	}
	jobs := make([]*job, len(rows))
	for i, r := range rows {
		j := &job{row: r, ch: s.channels[r.Channel]}
		jobs[i] = j
		j.d = Delivery{ID: r.MessageID, Kind: r.Kind, Recipient: Recipient{Type: r.RcptType, UserID: r.UserID}, CreatedAt: r.CreatedAt, Address: r.Address}
		switch r.RcptType {
		case RecipientPhone:
			j.d.Recipient.Phone = r.Address
		case RecipientEmail:
			j.d.Recipient.Email = r.Address
		}
		lang := r.Lang
		if r.RcptType == RecipientMember {
			u, ok := users[r.UserID]
			if !ok {
				// Deleted since: nothing to send.
				j.skip = &outcome{ID: r.ID, State: "gone"}
				continue
			}
			j.d.Handle = u.Handle
			if web.ValidLang(u.Lang) {
				lang = u.Lang
			}
		}
		if !web.ValidLang(lang) {
			lang = s.opt.DefaultLang
		}
		if r.AddressID != "" {
			v, ok := addrs[r.AddressID]
			if !ok {
				j.skip = &outcome{ID: r.ID, State: "gone"}
				continue
			}
			j.d.Address = v
		}
		if j.ch == nil {
			// The channel was switched off since the message was enqueued.
			j.skip = &outcome{ID: r.ID, State: "failed", Code: "channel_off"}
			continue
		}
		s.render(&j.d, r, lang, full[r.OrgID])
	}
	return jobs, nil
}

// sendAll sends the jobs with at most Workers at once, each bounded by
// SendTimeout. A send in flight is not cut short when ctx ends (shutdown):
// cutting it could lose the receiver's answer and send the message twice.
func (s *Service) sendAll(ctx context.Context, jobs []*job) {
	ctx = context.WithoutCancel(ctx)
	work := make(chan *job)
	var wg sync.WaitGroup
	for range min(s.opt.Workers, len(jobs)) {
		wg.Go(func() {
			for j := range work {
				sctx, cancel := context.WithTimeout(ctx, s.opt.SendTimeout)
				j.err = j.ch.Send(sctx, j.d)
				cancel()
			}
		})
	}
	for _, j := range jobs {
		if j.skip == nil {
			work <- j
		}
	}
	close(work)
	wg.Wait()
}

// outcomeOf decides what becomes of a sent (or unsendable) delivery.
func (s *Service) outcomeOf(j *job, now time.Time) outcome {
	if j.skip != nil {
		return *j.skip
	}
	o := outcome{ID: j.row.ID, AddressID: j.row.AddressID}
	if j.err == nil {
		o.State = "sent"
		return o
	}
	code, permanent, gone := failureOf(j.err)
	o.Code = code
	switch {
	case gone && j.row.AddressID != "":
		o.State = "gone"
	case permanent || j.row.Attempts >= s.opt.MaxAttempts:
		o.State = "failed"
	default:
		o.State = "retry"
		o.NextAt = now.Add(s.backoff(j.row.Attempts))
	}
	return o
}

func dedupe(ids []string) []string {
	seen := make(map[string]bool, len(ids))
	out := ids[:0:0]
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
