package admin

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/paperboy-news/paperboy/internal/seal"
)

// The console's access: a login form takes the admin token (or a named
// admin's password) and starts a session. The session is the cookie
// itself, sealed (AES-GCM, internal/seal) under a key derived from the
// admin token: any instance behind a load balancer opens it, a restart
// keeps everyone logged in, and changing the admin token logs everyone
// out. A session lasts sessionIdle from its last renewal; a request in its
// second half renews it. Wrong tokens are throttled, delayed and logged as
// on the bearer endpoints (Handler.checkToken); the cookie is HttpOnly,
// SameSite=Strict and Secure when the request came over https. Every form
// carries the session's CSRF token, and a POST without it is refused with
// 403 even with a valid cookie. The login form has its own token, bound to
// a short-lived cookie, so a login cannot be forged from another site
// either. Logging out clears the cookie; a copy of it stays valid until it
// expires, which HttpOnly, Secure and SameSite keep out of other hands. A
// named admin's session also ends when the admin leaves the admins file or
// gets a new password (Console.session), since no restart ends it.

const (
	sessionCookie = "paperboy_admin"
	loginCookie   = "paperboy_login"
	sessionIdle   = 12 * time.Hour
	// maxTestTo bounds the "test send to me" addresses remembered.
	maxTestTo = 1000
	// sessionPurpose names the session key (seal.New).
	sessionPurpose = "paperboy console session v1"
)

// session is one logged-in admin: what the cookie seals.
type session struct {
	Actor string `json:"a"`
	// Cred is credOf the named admin's password hash at login; "" for a
	// login with the admin token.
	Cred    string `json:"h,omitempty"`
	CSRF    string `json:"c"`
	Expires int64  `json:"e"` // Unix seconds
}

// credOf is what a session keeps of a named admin's password hash: enough
// to tell that the hash changed.
func credOf(hash string) string {
	sum := sha256.Sum256([]byte(hash))
	return base64.RawURLEncoding.EncodeToString(sum[:12])
}

// expires is when the session ends.
func (ss *session) expires() time.Time { return time.Unix(ss.Expires, 0) }

// sessions makes and opens the console's session cookies.
type sessions struct {
	keys *seal.Keys // nil without an admin token: the console is off
	now  func() time.Time

	mu sync.Mutex
	// testTo is where "test send to me" went last, by session CSRF token,
	// to fill the form again; this instance's memory only, a convenience.
	testTo map[string]string
}

// newSessions returns the sessions sealed under a key derived from token.
func newSessions(token string, now func() time.Time) *sessions {
	s := &sessions{now: now, testTo: map[string]string{}}
	if token != "" {
		// seal.New fails only without a secret, and token is one.
		s.keys, _ = seal.New(sessionPurpose, nil, [][]byte{[]byte(token)})
	}
	return s
}

func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails; crashes the program if it cannot read
	return base64.RawURLEncoding.EncodeToString(b)
}

// start creates a session for actor, logged in with cred (credOf a named
// admin's hash, or ""), and returns its cookie value.
func (s *sessions) start(actor, cred string) (string, *session) {
	ss := &session{Actor: actor, Cred: cred, CSRF: randomToken()}
	return s.seal(ss), ss
}

// seal renews ss for sessionIdle from now and returns its cookie value.
func (s *sessions) seal(ss *session) string {
	ss.Expires = s.now().Add(sessionIdle).Unix()
	plain, _ := json.Marshal(ss) // strings and a number always marshal
	return s.keys.Seal(plain)
}

// get returns the request's live session and, when it is in its second
// half, the renewed cookie value to set ("" otherwise).
func (s *sessions) get(r *http.Request) (ss *session, renewed string, ok bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || s.keys == nil {
		return nil, "", false
	}
	plain, err := s.keys.Open(c.Value)
	if err != nil {
		return nil, "", false
	}
	ss = &session{}
	if json.Unmarshal(plain, ss) != nil || ss.Actor == "" || ss.CSRF == "" {
		return nil, "", false
	}
	now := s.now()
	if !now.Before(ss.expires()) {
		return nil, "", false
	}
	if ss.expires().Sub(now) < sessionIdle/2 {
		renewed = s.seal(ss)
	}
	return ss, renewed, true
}

// rememberTestTo keeps where ss's last test message went.
func (s *sessions) rememberTestTo(ss *session, to string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.testTo) >= maxTestTo {
		clear(s.testTo) // a convenience: forgetting is harmless
	}
	s.testTo[ss.CSRF] = to
}

// lastTestTo is where ss's last test message went, or "".
func (s *sessions) lastTestTo(ss *session) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.testTo[ss.CSRF]
}

// validCSRF reports whether the form's csrf field is the session's token.
func validCSRF(r *http.Request, ss *session) bool {
	return sameSecret(r.PostFormValue("csrf"), ss.CSRF)
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
