package subscribe

import (
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"
)

// IPLimiter limits the forms' requests per client IP address: a token
// bucket of Burst requests, refilled one per Every. An IPv6 address counts
// by its /64, which one client usually holds whole. It lives in memory
// and outlives configuration reloads (the daemon makes one).
type IPLimiter struct {
	Burst int
	Every time.Duration

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

// maxBuckets bounds the limiter's memory: past it, full buckets go.
const maxBuckets = 10000

// NewIPLimiter returns a limiter of burst requests per IP, refilled one
// per every.
func NewIPLimiter(burst int, every time.Duration) *IPLimiter {
	return &IPLimiter{Burst: burst, Every: every, buckets: map[string]*bucket{}}
}

// Allow takes a token from ip's bucket, if it has one.
func (l *IPLimiter) Allow(ip string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[ip]
	if !ok {
		if len(l.buckets) >= maxBuckets {
			l.prune(now)
		}
		b = &bucket{tokens: float64(l.Burst), at: now}
		l.buckets[ip] = b
	}
	b.tokens = min(float64(l.Burst), b.tokens+now.Sub(b.at).Seconds()/l.Every.Seconds())
	b.at = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// prune drops the buckets that have refilled (they hold nothing worth
// remembering), or, if none has, all of them.
func (l *IPLimiter) prune(now time.Time) {
	for ip, b := range l.buckets {
		if b.tokens+now.Sub(b.at).Seconds()/l.Every.Seconds() >= float64(l.Burst) {
			delete(l.buckets, ip)
		}
	}
	if len(l.buckets) >= maxBuckets {
		clear(l.buckets)
	}
}

// clientIP is the request's client address as the limiter counts it
// and the confirmation records it: the connection's address or, when
// that is a trusted proxy, the last address in X-Forwarded-For that is
// not one (the client as the first trusted proxy saw it; entries to its
// left could be forged by the client).
func clientIP(r *http.Request, trusted []netip.Prefix) string {
	ip := remoteIP(r.RemoteAddr)
	if ip.IsValid() && isTrusted(ip, trusted) {
		hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
		for i := len(hops) - 1; i >= 0; i-- {
			hop, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
			if err != nil {
				break
			}
			ip = hop.Unmap()
			if !isTrusted(ip, trusted) {
				break
			}
		}
	}
	if !ip.IsValid() {
		return r.RemoteAddr
	}
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return p.String()
	}
	return ip.String()
}

func remoteIP(remoteAddr string) netip.Addr {
	if ap, err := netip.ParseAddrPort(remoteAddr); err == nil {
		return ap.Addr().Unmap()
	}
	a, _ := netip.ParseAddr(remoteAddr)
	return a.Unmap()
}

func isTrusted(ip netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}
