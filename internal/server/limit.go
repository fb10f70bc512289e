package server

import (
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Login failures allowed per account and per address: five a minute; the
// sixth is answered 429 without checking the password.
const (
	loginBurst  = 5
	loginPer    = time.Minute
	maxLimiters = 100_000 // bound on remembered keys; full ones are dropped first
)

// loginLimiter counts failed logins per key ("account:…", "addr:…").
type loginLimiter struct {
	mu   sync.Mutex
	keys map[string]*rate.Limiter
	now  func() time.Time
}

func newLoginLimiter(now func() time.Time) *loginLimiter {
	return &loginLimiter{keys: map[string]*rate.Limiter{}, now: now}
}

func (l *loginLimiter) get(key string) *rate.Limiter {
	lim, ok := l.keys[key]
	if !ok {
		if len(l.keys) >= maxLimiters {
			l.prune()
		}
		lim = rate.NewLimiter(rate.Every(loginPer/loginBurst), loginBurst)
		l.keys[key] = lim
	}
	return lim
}

// prune forgets keys whose budget has refilled (they behave as new ones).
func (l *loginLimiter) prune() {
	now := l.now()
	for k, lim := range l.keys {
		if lim.TokensAt(now) >= loginBurst {
			delete(l.keys, k)
		}
	}
}

// blocked returns how long to wait when any key has no failure left.
func (l *loginLimiter) blocked(keys ...string) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	var wait time.Duration
	for _, k := range keys {
		lim := l.get(k)
		if tok := lim.TokensAt(now); tok < 1 {
			d := time.Duration(math.Ceil((1 - tok) / float64(lim.Limit()) * float64(time.Second)))
			wait = max(wait, d)
		}
	}
	return wait, wait > 0
}

// fail spends one failure of each key.
func (l *loginLimiter) fail(keys ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	for _, k := range keys {
		l.get(k).AllowN(now, 1)
	}
}
