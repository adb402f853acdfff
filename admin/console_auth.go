package admin

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The console's access: a login form takes the admin token and starts a
// session kept in memory (a restart logs everybody out, which is fine for
// a handful of editors); wrong tokens are throttled, delayed and logged
// as on the bearer endpoints (Handler.checkToken); the cookie is HttpOnly, SameSite=Strict and
// Secure when the request came over https. Every form carries the
// session's CSRF token, and a POST without it is refused with 403 even
// with a valid cookie. The login form has its own token, bound to a
// short-lived cookie, so a login cannot be forged from another site
// either.

const (
	sessionCookie = "paperboy_admin"
	loginCookie   = "paperboy_login"
	sessionIdle   = 12 * time.Hour
	// maxSessions bounds the memory sessions take; the oldest goes first.
	maxSessions = 1000
)

// session is one logged-in admin.
type session struct {
	actor   string
	csrf    string
	expires time.Time
	// testTo is where "test send to me" went last, to fill the form.
	testTo atomic.Pointer[string]
}

// sessions holds the console's sessions.
type sessions struct {
	mu   sync.Mutex
	byID map[string]*session
	now  func() time.Time
}

func newSessions(now func() time.Time) *sessions {
	return &sessions{byID: map[string]*session{}, now: now}
}

func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails; crashes the program if it cannot read
	return base64.RawURLEncoding.EncodeToString(b)
}

// start creates a session for actor and returns its id.
func (s *sessions) start(actor string) (string, *session) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if len(s.byID) >= maxSessions {
		var oldest string
		for id, ss := range s.byID {
			if oldest == "" || ss.expires.Before(s.byID[oldest].expires) {
				oldest = id
			}
		}
		delete(s.byID, oldest)
	}
	id := randomToken()
	ss := &session{actor: actor, csrf: randomToken(), expires: now.Add(sessionIdle)}
	s.byID[id] = ss
	return id, ss
}

// get returns the request's live session, extending it.
func (s *sessions) get(r *http.Request) (*session, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ss, ok := s.byID[c.Value]
	if !ok {
		return nil, false
	}
	now := s.now()
	if now.After(ss.expires) {
		delete(s.byID, c.Value)
		return nil, false
	}
	ss.expires = now.Add(sessionIdle)
	return ss, true
}

func (s *sessions) end(r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		s.mu.Lock()
		delete(s.byID, c.Value)
		s.mu.Unlock()
	}
}

// validCSRF reports whether the form's csrf field is the session's token.
func validCSRF(r *http.Request, ss *session) bool {
	return sameSecret(r.PostFormValue("csrf"), ss.csrf)
}

// sameSecret compares hashes in constant time, so neither a secret's
// bytes nor its length leak through timing.
func sameSecret(got, want string) bool {
	if want == "" {
		return false
	}
	g, w := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(want))
	return subtle.ConstantTimeCompare(g[:], w[:]) == 1
}

// secure reports whether the client reached us over https, directly or
// through a proxy that says so: then cookies are Secure.
func secure(r *http.Request) bool {
	return r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

func setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge time.Duration) {
	http.SetCookie(w, &http.Cookie{
		Name:     name,
		Value:    value,
		Path:     "/admin/",
		MaxAge:   int(maxAge.Seconds()),
		HttpOnly: true,
		Secure:   secure(r),
		SameSite: http.SameSiteStrictMode,
	})
}
