package mailer

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/paperboy-news/paperboy/content"
	"github.com/paperboy-news/paperboy/internal/address"
	"github.com/paperboy-news/paperboy/store"
)

// pageSize is how many pending deliveries are read at a time: memory stays
// flat however long the list.
const pageSize = 256

// maxReplyLen caps a server reply kept in the store.
const maxReplyLen = 500

// errWindowClosed stops a run whose catch-up window closed while it sent.
var errWindowClosed = errors.New("the run's catch-up window closed")

// Progress is a run's progress, for a terminal.
type Progress struct {
	// Sent, Failed, Skipped and Retried count this call's outcomes;
	// Retried are temporary failures that will be tried again.
	Sent, Failed, Skipped, Retried int
	// Remaining is what was pending when the call began minus what has
	// been settled since.
	Remaining int
	// Rate is messages sent per second so far.
	Rate    float64
	Elapsed time.Duration
}

// sendRun is one call's delivery of a run.
type sendRun struct {
	m      *Digests
	d      *digestConf
	run    store.DigestRun
	bodies *bodies
	// topics are the readers' chosen topics, by list and address.Key.
	topics  map[string]map[string][]string
	limiter *rate.Limiter
	// rec is for store writes, which must land even after ctx is
	// cancelled: a message the server accepted is recorded as sent.
	rec context.Context
	// fail stops the run on an error it cannot go on after (the store).
	fail context.CancelCauseFunc
	// deadline is when the run's window closes; zero: it has none.
	deadline time.Time

	sent, failed, skipped, retried atomic.Int64
}

// deliver sends every due delivery of run, with Config.Connections
// senders in parallel, until none is pending or ctx is cancelled; it
// waits out retry back-offs.
func (m *Digests) deliver(ctx context.Context, d *digestConf, run store.DigestRun, arts []content.Article, progress func(Progress)) error {
	counts, err := m.store.DeliveryCounts(ctx, run.ID)
	if err != nil {
		return err
	}
	ctx, fail := context.WithCancelCause(ctx)
	defer fail(nil)
	s := &sendRun{
		m: m, d: d, run: run, rec: context.WithoutCancel(ctx), fail: fail,
		bodies: &bodies{m: m, by: map[string]*body{}, page: digestPage{
			subject: run.Subject, site: m.cfg.Site.Title, digest: d.Title, articles: arts,
			archiveURL: m.IssueURL(d.Name, run.Slot), at: run.Slot,
		}},
		topics: m.readTopics(ctx, d.Lists),
	}
	if m.cfg.RatePerSecond > 0 {
		s.limiter = rate.NewLimiter(rate.Limit(m.cfg.RatePerSecond), 1)
	}
	s.deadline, _ = WindowEnd(run.Slot, d.CatchUp)

	start := time.Now()
	report := func() {
		if progress == nil {
			return
		}
		p := Progress{
			Sent: int(s.sent.Load()), Failed: int(s.failed.Load()), Skipped: int(s.skipped.Load()),
			Retried: int(s.retried.Load()), Elapsed: time.Since(start),
		}
		p.Remaining = max(0, counts.Pending-p.Sent-p.Failed-p.Skipped)
		if secs := p.Elapsed.Seconds(); secs > 0 {
			p.Rate = float64(p.Sent) / secs
		}
		progress(p)
	}
	stopReports := make(chan struct{})
	reportsDone := make(chan struct{})
	go func() {
		defer close(reportsDone)
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				report()
			case <-stopReports:
				return
			}
		}
	}()

	jobs := make(chan store.Delivery, m.cfg.Connections)
	var inPass, workers sync.WaitGroup
	for range m.cfg.Connections {
		workers.Go(func() {
			sender := m.newSender()
			defer func() {
				if err := sender.Close(); err != nil {
					m.log.Warn("smtp_close_failed", "err", err)
				}
			}()
			for dl := range jobs {
				s.deliverOne(ctx, sender, dl)
				inPass.Done()
			}
		})
	}

	err = s.passes(ctx, jobs, &inPass)
	close(jobs)
	workers.Wait()
	close(stopReports)
	<-reportsDone
	report()
	if cause := context.Cause(ctx); err == nil && cause != nil {
		err = cause
	}
	return err
}

// passes feeds the workers every due delivery, page by page, then waits
// for the earliest retry and goes again, until nothing is pending.
func (s *sendRun) passes(ctx context.Context, jobs chan<- store.Delivery, inPass *sync.WaitGroup) error {
	for {
		after := ""
	pages:
		for ctx.Err() == nil {
			page, err := s.page(ctx, after)
			if err != nil {
				inPass.Wait()
				return err
			}
			if len(page) == 0 {
				break
			}
			for _, dl := range page {
				inPass.Add(1)
				select {
				case jobs <- dl:
				case <-ctx.Done():
					inPass.Done()
					break pages
				}
			}
			after = page[len(page)-1].Recipient
		}
		inPass.Wait()
		if ctx.Err() != nil {
			return nil // deliver reports the cause
		}
		c, err := s.m.store.DeliveryCounts(ctx, s.run.ID)
		if err != nil {
			return err
		}
		if c.Pending == 0 {
			return nil
		}
		if s.closed(c.NextAttempt) {
			return nil
		}
		wait := c.NextAttempt.Sub(s.m.cfg.Now())
		if share := s.m.cfg.Share; share != nil && wait <= 0 {
			// Pending but not due: others' claims. Look again soon; a
			// claim of an instance that died runs out.
			wait = min(share.ClaimTTL/4, time.Second)
		}
		if wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return nil
			}
		}
	}
}

// page is the next deliveries to send after recipient after (keyset
// paging): sending alone, the due ones; sharing, a batch claimed for this
// instance, a few per connection, so that a batch is sent well within its
// claim. What a pass leaves behind (others' claims, retries not yet due)
// the next pass, from "", takes.
func (s *sendRun) page(ctx context.Context, after string) ([]store.Delivery, error) {
	now := s.m.cfg.Now()
	if share := s.m.cfg.Share; share != nil {
		return s.m.store.ClaimDeliveries(ctx, s.run.ID, share.Holder, after, now, now.Add(share.ClaimTTL), 4*s.m.cfg.Connections)
	}
	return s.m.store.DueDeliveries(ctx, s.run.ID, after, now, pageSize)
}

// deliverOne sends one delivery and records the outcome.
func (s *sendRun) deliverOne(ctx context.Context, sender Sender, dl store.Delivery) {
	m := s.m
	if dl.Unsubscribed {
		s.record(m.store.MarkDeliverySkipped(s.rec, s.run.ID, dl.Recipient, "unsubscribed"))
		s.skipped.Add(1)
		return
	}
	if s.limiter != nil {
		if err := s.limiter.Wait(ctx); err != nil {
			return // cancelled: it stays pending
		}
	}
	if ctx.Err() != nil {
		return
	}
	if s.closed(m.cfg.Now()) {
		return // it stays pending, and the run is closed
	}
	b, err := s.bodies.get(dl.List, s.topics[dl.List][address.Key(dl.Recipient)])
	if errors.Is(err, errNothingInTopics) {
		s.record(m.store.MarkDeliverySkipped(s.rec, s.run.ID, dl.Recipient, "nothing in the reader's topics"))
		s.skipped.Add(1)
		return
	}
	if err != nil {
		s.fail(fmt.Errorf("render digest: %w", err))
		return
	}
	msg, err := m.message(s.d, s.run.Subject, b, envelope{to: dl.Recipient, name: m.lists.name(dl.Recipient), list: dl.List, messageID: dl.MessageID}, m.cfg.Now())
	if err != nil {
		s.record(m.store.MarkDeliveryFailed(s.rec, s.run.ID, dl.Recipient, 0, err.Error()))
		s.failed.Add(1)
		return
	}
	err = sender.Send(ctx, msg)
	if err == nil {
		s.record(m.store.MarkDeliverySent(s.rec, s.run.ID, dl.Recipient, m.cfg.Now()))
		s.sent.Add(1)
		return
	}
	var de *DeliveryError
	if !errors.As(err, &de) {
		de = &DeliveryError{Temporary: true, Err: err}
	}
	reply := de.Error()
	if len(reply) > maxReplyLen {
		// On a character boundary: the store keeps UTF-8 text.
		reply = strings.ToValidUTF8(reply[:maxReplyLen], "")
	}
	attempts := dl.Attempts + 1
	switch {
	case de.Temporary && attempts < m.cfg.MaxAttempts:
		next := m.cfg.Now().Add(m.backoff(attempts))
		s.record(m.store.MarkDeliveryRetry(s.rec, s.run.ID, dl.Recipient, de.Code, reply, next))
		s.retried.Add(1)
		m.log.Debug("delivery_deferred", "run", s.run.ID, "code", de.Code, "attempts", attempts, "err", reply)
	default:
		if de.Temporary {
			reply = fmt.Sprintf("gave up after %d attempts: %s", attempts, reply)
		}
		s.record(m.store.MarkDeliveryFailed(s.rec, s.run.ID, dl.Recipient, de.Code, reply))
		s.failed.Add(1)
		m.log.Warn("delivery_failed", "run", s.run.ID, "code", de.Code, "attempts", attempts, "err", reply)
	}
}

// closed reports whether the run's window is closed at t, and if so stops
// the run: nothing is sent past it.
func (s *sendRun) closed(t time.Time) bool {
	if s.deadline.IsZero() || !t.After(s.deadline) {
		return false
	}
	s.fail(errWindowClosed)
	return true
}

// record stops the run if the store could not record an outcome: going on
// would risk sending twice what it failed to mark.
func (s *sendRun) record(err error) {
	if err != nil {
		s.fail(err)
	}
}

// backoff is the wait before attempt n+1: base * 2^(n-1), at most max.
func (m *Digests) backoff(n int) time.Duration {
	d := m.cfg.BackoffBase
	for i := 1; i < n && d < m.cfg.BackoffMax; i++ {
		d *= 2
	}
	return min(d, m.cfg.BackoffMax)
}
