package schedule

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/paperboy-news/paperboy/store"
)

// LeaseHeldError is Start's error when another process holds the scheduler
// lease on the same database.
type LeaseHeldError struct {
	Holder    string
	ExpiresAt time.Time
}

// Error says who holds the lease and what to do.
func (e *LeaseHeldError) Error() string {
	return fmt.Sprintf("schedule: another paperboy (holder %s, lease valid until %s unless renewed) runs the schedule on this database; stop it or use another store.path",
		e.Holder, e.ExpiresAt.UTC().Format(time.RFC3339))
}

// Is makes errors.Is(err, ErrLeaseHeld) true.
func (e *LeaseHeldError) Is(target error) bool { return target == ErrLeaseHeld }

// newHolder names this process: hostname:pid:random, so that a restarted
// process on the same host can tell its dead predecessor from a live one.
func newHolder() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown-host"
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return fmt.Sprintf("%s:%d:%s", host, os.Getpid(), hex.EncodeToString(b))
}

// deadHolder reports whether holder names a process on this host that no
// longer exists, whose lease can be taken before it expires (a crash
// followed by a quick restart).
func deadHolder(holder string) bool {
	parts := strings.Split(holder, ":")
	if len(parts) < 3 {
		return false
	}
	host := strings.Join(parts[:len(parts)-2], ":")
	pid, err := strconv.Atoi(parts[len(parts)-2])
	me, _ := os.Hostname()
	if err != nil || host != me || pid == os.Getpid() || pid <= 0 {
		return false
	}
	return processGone(pid)
}

// acquireLease takes the scheduler lease or says who holds it.
func (s *Scheduler) acquireLease(ctx context.Context) error {
	now := s.now()
	l, err := s.store.AcquireLease(ctx, leaseName, s.holder, "", now, now.Add(s.cfg.LeaseTTL))
	if err != nil {
		return fmt.Errorf("schedule: start: %w", err)
	}
	if l.Holder != s.holder && deadHolder(l.Holder) {
		s.log.Info("lease_taken_from_dead_process", "previous_holder", l.Holder)
		l, err = s.store.AcquireLease(ctx, leaseName, s.holder, l.Holder, now, now.Add(s.cfg.LeaseTTL))
		if err != nil {
			return fmt.Errorf("schedule: start: %w", err)
		}
	}
	if l.Holder != s.holder {
		return &LeaseHeldError{Holder: l.Holder, ExpiresAt: l.ExpiresAt}
	}
	s.mu.Lock()
	s.leaseExpires = l.ExpiresAt
	s.mu.Unlock()
	return nil
}

// renewLease renews the lease every third of its TTL until Stop. If
// another process has taken it (this one stalled past the TTL), the
// scheduler stops taking runs and LeaseLost is closed.
func (s *Scheduler) renewLease() {
	defer s.leaseWG.Done()
	t := time.NewTicker(s.cfg.LeaseTTL / 3)
	defer t.Stop()
	lastPrune := s.now()
	for {
		select {
		case <-s.leaseEnd:
			return
		case <-t.C:
		}
		now := s.now()
		ctx, cancel := context.WithTimeout(s.runCtx, s.cfg.LeaseTTL/3)
		l, err := s.store.AcquireLease(ctx, leaseName, s.holder, "", now, now.Add(s.cfg.LeaseTTL))
		cancel()
		s.mu.Lock()
		expires := s.leaseExpires
		if err == nil && l.Holder == s.holder {
			s.leaseExpires = l.ExpiresAt
		}
		s.mu.Unlock()
		switch {
		case err != nil && now.Before(expires):
			s.log.Error("lease_renew_failed", "error", err, "expires", expires)
			continue
		case err != nil:
			// Another process may take the lease now: stop before it
			// could send what this one is sending.
			s.loseLease("the lease expired before it could be renewed: " + err.Error())
			return
		case l.Holder != s.holder:
			s.loseLease("another process (" + l.Holder + ") took over the schedule")
			return
		}
		if now.Sub(lastPrune) >= 24*time.Hour {
			lastPrune = now
			s.prune(s.runCtx)
		}
	}
}

// loseLease stops the scheduler taking runs and cancels the running ones
// (a digest stops between messages, leaving the rest pending for the new
// holder), then closes LeaseLost.
func (s *Scheduler) loseLease(why string) {
	s.log.Error("lease_lost", "error", why+"; this process stops running jobs")
	s.mu.Lock()
	s.leaseLost = true
	c := s.cron
	s.mu.Unlock()
	c.Stop()
	s.cancel()
	s.lostOnce.Do(func() { close(s.lost) })
}

// LeaseStore is what WithLease needs of the store.
type LeaseStore interface {
	AcquireLease(ctx context.Context, name, holder, evict string, now, expires time.Time) (store.Lease, error)
	ReleaseLease(ctx context.Context, name, holder string) error
}

// WithLease runs fn while holding the scheduler lease, renewing it until fn
// returns, so that no daemon's scheduler runs jobs meanwhile: a command
// that sends a digest by hand must not race the daemon sending the same
// run. If another live process holds the lease, fn does not run and the
// error is a *LeaseHeldError. fn's context is cancelled if the lease is
// lost.
func WithLease(ctx context.Context, st LeaseStore, ttl time.Duration, fn func(ctx context.Context) error) error {
	if ttl <= 0 {
		ttl = 30 * time.Second
	}
	holder := newHolder()
	acquire := func(evict string) (store.Lease, error) {
		now := time.Now()
		return st.AcquireLease(ctx, leaseName, holder, evict, now, now.Add(ttl))
	}
	l, err := acquire("")
	if err == nil && l.Holder != holder && deadHolder(l.Holder) {
		l, err = acquire(l.Holder)
	}
	if err != nil {
		return fmt.Errorf("schedule: lease: %w", err)
	}
	if l.Holder != holder {
		return &LeaseHeldError{Holder: l.Holder, ExpiresAt: l.ExpiresAt}
	}
	fctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	done := make(chan struct{})
	renewed := make(chan struct{})
	go func() {
		defer close(renewed)
		t := time.NewTicker(ttl / 3)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			if l, err := acquire(""); err == nil && l.Holder != holder {
				cancel(&LeaseHeldError{Holder: l.Holder, ExpiresAt: l.ExpiresAt})
				return
			}
		}
	}()
	err = fn(fctx)
	close(done)
	<-renewed
	if rerr := st.ReleaseLease(context.WithoutCancel(ctx), leaseName, holder); rerr != nil {
		err = errors.Join(err, fmt.Errorf("schedule: release lease: %w", rerr))
	}
	return err
}

// LeaseName is the name of the lease the scheduler holds in the database,
// for status pages that watch it.
const LeaseName = leaseName
