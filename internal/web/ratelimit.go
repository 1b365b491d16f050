package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limiter is a set of token buckets by key, in memory only. Keys that have
// been idle for a while are dropped, so memory stays bounded.
type Limiter struct {
	mu      sync.Mutex
	every   rate.Limit
	burst   int
	buckets map[string]*bucket
	swept   time.Time
	now     func() time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

// NewLimiter allows burst events at once and then one every interval, per key.
func NewLimiter(interval time.Duration, burst int) *Limiter {
	return &Limiter{every: rate.Every(interval), burst: burst, buckets: map[string]*bucket{}, now: time.Now}
}

// Allow takes one token from key's bucket and reports whether there was one.
func (l *Limiter) Allow(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if now.Sub(l.swept) > time.Minute {
		for k, b := range l.buckets {
			if now.Sub(b.seen) > 30*time.Minute {
				delete(l.buckets, k)
			}
		}
		l.swept = now
	}
	b := l.buckets[key]
	if b == nil {
		b = &bucket{lim: rate.NewLimiter(l.every, l.burst)}
		l.buckets[key] = b
	}
	b.seen = now
	return b.lim.AllowN(now, 1)
}

// Addresses turns client addresses into keys for rate limits. The address is
// never kept: only an HMAC under a secret that lives in memory and is replaced
// every day, so not even a memory dump links a key to an address for long.
type Addresses struct {
	mu         sync.Mutex
	secret     []byte
	made       time.Time
	trustProxy bool
}

// NewAddresses returns an address keyer. With trustProxy the client address
// is the last X-Forwarded-For hop (set by our own reverse proxy).
func NewAddresses(trustProxy bool) *Addresses { return &Addresses{trustProxy: trustProxy} }

// Key returns the keyed, rotating identifier of the request's client address.
func (a *Addresses) Key(r *http.Request) string {
	addr := r.RemoteAddr
	if a.trustProxy {
		if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
			parts := strings.Split(xff, ",")
			addr = strings.TrimSpace(parts[len(parts)-1])
		}
	}
	if host, _, err := net.SplitHostPort(addr); err == nil {
		addr = host
	}
	a.mu.Lock()
	if a.secret == nil || time.Since(a.made) > 24*time.Hour {
		a.secret = make([]byte, 32)
		_, _ = rand.Read(a.secret)
		a.made = time.Now()
	}
	m := hmac.New(sha256.New, a.secret)
	a.mu.Unlock()
	m.Write([]byte(addr))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:12])
}
