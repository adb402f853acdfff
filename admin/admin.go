// Package admin serves paperboy's operator endpoints: /admin/status (jobs,
// next and last runs, config load state, outbox counts), POST
// /admin/jobs/{name}/run, and /metrics in the Prometheus format. All of them
// need "Authorization: Bearer <token>"; with no token configured they are
// disabled and answer 404, so a forgotten token never exposes them.
package admin

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/paperboy-news/paperboy/config"
	"github.com/paperboy-news/paperboy/schedule"
	"github.com/paperboy-news/paperboy/store"
)

// Scheduler is what the admin endpoints need from the scheduler;
// *schedule.Scheduler has it.
type Scheduler interface {
	Status(ctx context.Context) ([]schedule.JobStatus, error)
	RunNow(ctx context.Context, name string) (store.JobRun, error)
}

// ConfigState reports the configuration's load state; the
// *config.Watcher has it.
type ConfigState interface {
	Status() config.LoadStatus
}

// OutboxCounter counts the outbox's deliveries by status (pending, sent,
// failed, ...) for the status page.
type OutboxCounter interface {
	OutboxCounts(ctx context.Context) (map[string]int, error)
}

// SuppressionCounter counts the suppression list by reason (hard bounce,
// complaint, ...): addresses no digest goes to any more.
type SuppressionCounter interface {
	SuppressionCounts(ctx context.Context) (map[string]int, error)
}

// SubscriberCounter counts each list's subscribers by state (confirmed,
// pending, unsubscribed, suppressed); *store.Store is one.
type SubscriberCounter interface {
	SubscriberCountsByList(ctx context.Context) (map[string]store.SubscriberCounts, error)
}

// MinTokenLength is the shortest admin token accepted; the rule is
// config.CheckAdminToken, so that check judges what serve refuses.
const MinTokenLength = config.MinAdminTokenLength

// Config configures the admin endpoints.
type Config struct {
	// Token is the bearer token (from an env var, never the file); ""
	// disables every endpoint here. A token shorter than MinTokenLength
	// is refused.
	Token string
	// TokenEnv names the variable the token came from, for messages;
	// default "PAPERBOY_ADMIN_TOKEN".
	TokenEnv  string
	Scheduler Scheduler
	// ConfigState, Outbox, Suppressions, Subscribers and Metrics are
	// optional.
	ConfigState  ConfigState
	Outbox       OutboxCounter
	Suppressions SuppressionCounter
	Subscribers  SubscriberCounter
	Metrics      *Metrics
	Logger       *slog.Logger
	Now          func() time.Time
	// FailureDelay is how long a request with a wrong token waits for its
	// 401; default 1s. Wrong tokens also draw from a budget of
	// FailureBurst (default 10) refilled at one per FailureDelay: while it
	// is empty every request gets 429 unchecked, so guesses cannot be
	// sped up by sending many at once.
	FailureDelay time.Duration
	FailureBurst int
}

// Handler serves the admin endpoints.
type Handler struct {
	cfg       Config
	log       *slog.Logger
	tokenHash [32]byte
	mux       *http.ServeMux
	guard     *guard
}

// New returns the admin handler, or an error if the token is too short
// to resist guessing.
func New(cfg Config) (*Handler, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.TokenEnv == "" {
		cfg.TokenEnv = "PAPERBOY_ADMIN_TOKEN"
	}
	if err := config.CheckAdminToken(cfg.Token, cfg.TokenEnv); err != nil {
		return nil, fmt.Errorf("admin: %w", err)
	}
	if cfg.FailureDelay <= 0 {
		cfg.FailureDelay = time.Second
	}
	if cfg.FailureBurst <= 0 {
		cfg.FailureBurst = 10
	}
	h := &Handler{cfg: cfg, log: cfg.Logger, tokenHash: sha256.Sum256([]byte(cfg.Token)), mux: http.NewServeMux(),
		guard: newGuard(cfg.FailureDelay, cfg.FailureBurst)}
	ps := h.patterns()
	h.mux.HandleFunc(ps[0], h.status)
	h.mux.HandleFunc(ps[1], h.runJob)
	if cfg.Metrics != nil {
		h.mux.Handle(ps[2], cfg.Metrics.Handler())
	}
	if cfg.Token == "" {
		h.log.Warn("admin_disabled", "reason", "no admin token configured")
	}
	return h, nil
}

// Register mounts the endpoints on mux (the site's server) with method
// patterns, which sit beside a site's "GET /" without conflict.
func (h *Handler) Register(mux *http.ServeMux) {
	for _, p := range h.patterns() {
		mux.Handle(p, h)
	}
}

func (h *Handler) patterns() []string {
	ps := []string{"GET /admin/status", "POST /admin/jobs/{name}/run"}
	if h.cfg.Metrics != nil {
		ps = append(ps, "GET /metrics")
	}
	return ps
}

// ServeHTTP checks the bearer token and serves the endpoint.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.cfg.Token == "" {
		http.Error(w, "admin endpoints are disabled: set the admin token environment variable", http.StatusNotFound)
		return
	}
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		token = ""
	}
	switch h.checkToken(r, token) {
	case tokenThrottled:
		w.Header().Set("Retry-After", strconv.Itoa(int(h.cfg.FailureDelay.Seconds()+1)))
		http.Error(w, "too many failed admin logins; try again later", http.StatusTooManyRequests)
	case tokenWrong:
		w.Header().Set("WWW-Authenticate", `Bearer realm="paperboy admin"`)
		http.Error(w, "unauthorized: send Authorization: Bearer <admin token>", http.StatusUnauthorized)
	default:
		h.mux.ServeHTTP(w, r)
	}
}

// tokenCheck is how a presented admin token fared.
type tokenCheck int

const (
	tokenRight tokenCheck = iota
	tokenWrong
	tokenThrottled
)

// checkToken judges a presented token, for the bearer endpoints and the
// console's login form alike. The check takes one unit of the failure
// budget and gives it back if the token is right, so simultaneous
// guesses cannot all slip through on one unit; a wrong token is answered
// only after FailureDelay.
func (h *Handler) checkToken(r *http.Request, token string) tokenCheck {
	return h.check(r, func() bool { return h.authorized(token) })
}

// check is checkToken for any secret: right says whether it is right.
func (h *Handler) check(r *http.Request, right func() bool) tokenCheck {
	if !h.guard.take() {
		h.failed(r, "throttled")
		return tokenThrottled
	}
	if !right() {
		h.failed(r, "wrong_token")
		// Slow each wrong guess down; a client that gives up frees it.
		select {
		case <-time.After(h.cfg.FailureDelay):
		case <-r.Context().Done():
		}
		return tokenWrong
	}
	h.guard.refund()
	return tokenRight
}

// failed logs a failed attempt, at most one line per minute with the
// number of failures since the last line, so a flood of guesses neither
// goes unnoticed nor floods the log.
func (h *Handler) failed(r *http.Request, reason string) {
	n := h.guard.failures.Add(1)
	h.guard.logEvery.Do(func() {
		h.log.Warn("admin_auth_failed", "reason", reason, "remote_addr", r.RemoteAddr, "path", r.URL.Path,
			"failures_since_last_report", n-h.guard.reported.Swap(n))
	})
}

// guard throttles wrong admin tokens: a token bucket of failures and a
// rate-limited log.
type guard struct {
	mu       sync.Mutex
	budget   float64
	max      float64
	per      time.Duration
	last     time.Time
	failures atomic.Int64
	reported atomic.Int64
	logEvery rate.Sometimes
}

func newGuard(per time.Duration, burst int) *guard {
	return &guard{budget: float64(burst), max: float64(burst), per: per, last: time.Now(),
		logEvery: rate.Sometimes{First: 1, Interval: time.Minute}}
}

func (g *guard) refill() {
	now := time.Now()
	g.budget = min(g.max, g.budget+float64(now.Sub(g.last))/float64(g.per))
	g.last = now
}

// take spends one unit of the budget, or reports that none is left.
func (g *guard) take() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.refill()
	if g.budget < 1 {
		return false
	}
	g.budget--
	return true
}

// refund gives back the unit of a request whose token was right.
func (g *guard) refund() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.budget = min(g.max, g.budget+1)
}

// authorized compares hashes in constant time, so neither the token's
// bytes nor its length leak through timing.
func (h *Handler) authorized(token string) bool {
	if token == "" {
		return false
	}
	got := sha256.Sum256([]byte(strings.TrimSpace(token)))
	return subtle.ConstantTimeCompare(got[:], h.tokenHash[:]) == 1
}

// jobJSON is a job in /admin/status.
type jobJSON struct {
	Name      string      `json:"name"`
	Spec      string      `json:"spec"`
	TimeZone  string      `json:"time_zone,omitempty"`
	SlotKeyed bool        `json:"slot_keyed"`
	CatchUp   string      `json:"catch_up,omitempty"`
	Next      []time.Time `json:"next"`
	Running   bool        `json:"running"`
	LastRun   *runJSON    `json:"last_run"`
}

// runJSON is a job run in the admin responses.
type runJSON struct {
	Job        string    `json:"job"`
	Slot       time.Time `json:"slot"`
	Trigger    string    `json:"trigger"`
	Outcome    string    `json:"outcome"`
	Error      string    `json:"error,omitempty"`
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at,omitzero"`
	DurationMS int64     `json:"duration_ms"`
}

func toRunJSON(r store.JobRun) *runJSON {
	return &runJSON{Job: r.Job, Slot: r.Slot, Trigger: r.Trigger, Outcome: string(r.Outcome), Error: redact(r.Error),
		StartedAt: r.StartedAt, FinishedAt: r.FinishedAt, DurationMS: r.Duration.Milliseconds()}
}

// configJSON is the configuration's load state in /admin/status. The
// status may be read by more people than the server's files: a failed
// reload is shown as where the problems are (file name, line, key), never
// their text, which can quote a subscriber's address from a list file.
type configJSON struct {
	File        string    `json:"file"`
	LoadedAt    time.Time `json:"loaded_at"`
	LastAttempt time.Time `json:"last_attempt,omitzero"`
	Reloads     int       `json:"reloads"`
	// LastErrorProblems counts the problems of the latest failed reload;
	// LastErrorAt lists where they are ("residents.txt:7 lists.addresses").
	// The server log has the whole text.
	LastErrorProblems int      `json:"last_error_problems,omitempty"`
	LastErrorAt       []string `json:"last_error_at,omitempty"`
}

func toConfigJSON(cs config.LoadStatus) *configJSON {
	c := &configJSON{File: filepath.Base(cs.Path), LoadedAt: cs.LoadedAt, LastAttempt: cs.LastAttempt, Reloads: cs.Reloads}
	if cs.LastError == "" {
		return c
	}
	if cs.Problems == nil {
		// Refused other than by the file's problems: only the log says why.
		c.LastErrorProblems = 1
		c.LastErrorAt = []string{"(see the server log)"}
		return c
	}
	c.LastErrorProblems = len(cs.Problems)
	for _, p := range cs.Problems {
		at := filepath.Base(p.File)
		if p.Line > 0 {
			at += ":" + strconv.Itoa(p.Line)
		}
		if p.Key != "" {
			at += " " + p.Key
		}
		c.LastErrorAt = append(c.LastErrorAt, at)
	}
	return c
}

var (
	addressRE = regexp.MustCompile(`[^\s<>"'(),;:\[\]]+@[^\s<>"'(),;:\[\]]+`)
	absPathRE = regexp.MustCompile(`(^|[\s"'(=])/[^\s"':,)]*`)
)

// redact takes email addresses and absolute paths out of an error shown in
// /admin/status (an SMTP reply quoting a recipient, a file's full path):
// addresses become "<address>", paths their base name.
func redact(s string) string {
	s = addressRE.ReplaceAllString(s, "<address>")
	return absPathRE.ReplaceAllStringFunc(s, func(m string) string {
		i := strings.IndexByte(m, '/')
		return m[:i] + filepath.Base(m[i:])
	})
}

// statusJSON is the /admin/status document.
type statusJSON struct {
	Time        time.Time      `json:"time"`
	Jobs        []jobJSON      `json:"jobs"`
	Config      *configJSON    `json:"config,omitempty"`
	Outbox      map[string]int `json:"outbox,omitempty"`
	OutboxError string         `json:"outbox_error,omitempty"`
	// Suppressions counts the suppressed addresses by reason.
	Suppressions      map[string]int `json:"suppressions,omitempty"`
	SuppressionsError string         `json:"suppressions_error,omitempty"`
	// Subscribers counts each list's subscribers by state.
	Subscribers      map[string]subscriberJSON `json:"subscribers,omitempty"`
	SubscribersError string                    `json:"subscribers_error,omitempty"`
}

type subscriberJSON struct {
	Confirmed    int `json:"confirmed"`
	Pending      int `json:"pending"`
	Unsubscribed int `json:"unsubscribed"`
	Suppressed   int `json:"suppressed"`
}

func (h *Handler) status(w http.ResponseWriter, r *http.Request) {
	jobs, err := h.cfg.Scheduler.Status(r.Context())
	if err != nil {
		h.log.Error("admin_status_failed", "error", err)
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "job status unavailable; see the server log"})
		return
	}
	doc := statusJSON{Time: h.cfg.Now().UTC(), Jobs: make([]jobJSON, 0, len(jobs))}
	for _, j := range jobs {
		jj := jobJSON{Name: string(j.Name), Spec: j.Spec, TimeZone: j.TimeZone, SlotKeyed: j.SlotKeyed, Next: j.Next, Running: j.Running}
		if j.Next == nil {
			jj.Next = []time.Time{}
		}
		if j.CatchUp > 0 {
			jj.CatchUp = j.CatchUp.String()
		}
		if j.LastRun != nil {
			jj.LastRun = toRunJSON(*j.LastRun)
		}
		doc.Jobs = append(doc.Jobs, jj)
	}
	if h.cfg.ConfigState != nil {
		doc.Config = toConfigJSON(h.cfg.ConfigState.Status())
	}
	if h.cfg.Outbox != nil {
		counts, err := h.cfg.Outbox.OutboxCounts(r.Context())
		if err != nil {
			h.log.Error("admin_outbox_counts_failed", "error", err)
			doc.OutboxError = "outbox counts unavailable; see the server log"
		} else {
			doc.Outbox = counts
		}
	}
	if h.cfg.Suppressions != nil {
		counts, err := h.cfg.Suppressions.SuppressionCounts(r.Context())
		if err != nil {
			h.log.Error("admin_suppression_counts_failed", "error", err)
			doc.SuppressionsError = "suppression counts unavailable; see the server log"
		} else {
			doc.Suppressions = counts
		}
	}
	if h.cfg.Subscribers != nil {
		counts, err := h.cfg.Subscribers.SubscriberCountsByList(r.Context())
		if err != nil {
			h.log.Error("admin_subscriber_counts_failed", "error", err)
			doc.SubscribersError = "subscriber counts unavailable; see the server log"
		} else {
			doc.Subscribers = make(map[string]subscriberJSON, len(counts))
			for list, c := range counts {
				doc.Subscribers[list] = subscriberJSON(c)
			}
		}
	}
	writeJSON(w, http.StatusOK, doc)
}

func (h *Handler) runJob(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	run, err := h.cfg.Scheduler.RunNow(r.Context(), name)
	code := http.StatusAccepted
	switch {
	case err == nil:
		h.log.Info("admin_job_run", "job", name, "slot", run.Slot)
		writeJSON(w, code, toRunJSON(run))
		return
	case errors.Is(err, schedule.ErrUnknownJob):
		code = http.StatusNotFound
	case errors.Is(err, schedule.ErrBusy):
		code = http.StatusConflict
	case errors.Is(err, schedule.ErrStopped):
		code = http.StatusServiceUnavailable
	default:
		h.log.Error("admin_job_run_failed", "job", name, "error", err)
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "could not start the run; see the server log"})
		return
	}
	writeJSON(w, code, map[string]string{"error": err.Error()})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v) // the status line is out; a write error means the client left
}
