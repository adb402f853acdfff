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
	"log/slog"
	"net/http"
	"strings"
	"time"

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

// Config configures the admin endpoints.
type Config struct {
	// Token is the bearer token (from an env var, never the file); ""
	// disables every endpoint here.
	Token     string
	Scheduler Scheduler
	// ConfigState, Outbox and Metrics are optional.
	ConfigState ConfigState
	Outbox      OutboxCounter
	Metrics     *Metrics
	Logger      *slog.Logger
	Now         func() time.Time
}

// Handler serves the admin endpoints.
type Handler struct {
	cfg       Config
	log       *slog.Logger
	tokenHash [32]byte
	mux       *http.ServeMux
}

// New returns the admin handler.
func New(cfg Config) *Handler {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	h := &Handler{cfg: cfg, log: cfg.Logger, tokenHash: sha256.Sum256([]byte(cfg.Token)), mux: http.NewServeMux()}
	ps := h.patterns()
	h.mux.HandleFunc(ps[0], h.status)
	h.mux.HandleFunc(ps[1], h.runJob)
	if cfg.Metrics != nil {
		h.mux.Handle(ps[2], cfg.Metrics.Handler())
	}
	if cfg.Token == "" {
		h.log.Warn("admin_disabled", "reason", "no admin token configured")
	}
	return h
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
	if !h.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="paperboy admin"`)
		http.Error(w, "unauthorized: send Authorization: Bearer <admin token>", http.StatusUnauthorized)
		return
	}
	h.mux.ServeHTTP(w, r)
}

// authorized compares hashes in constant time, so neither the token's
// bytes nor its length leak through timing.
func (h *Handler) authorized(r *http.Request) bool {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
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
	return &runJSON{Job: r.Job, Slot: r.Slot, Trigger: r.Trigger, Outcome: string(r.Outcome), Error: r.Error,
		StartedAt: r.StartedAt, FinishedAt: r.FinishedAt, DurationMS: r.Duration.Milliseconds()}
}

// statusJSON is the /admin/status document.
type statusJSON struct {
	Time        time.Time          `json:"time"`
	Jobs        []jobJSON          `json:"jobs"`
	Config      *config.LoadStatus `json:"config,omitempty"`
	Outbox      map[string]int     `json:"outbox,omitempty"`
	OutboxError string             `json:"outbox_error,omitempty"`
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
		cs := h.cfg.ConfigState.Status()
		doc.Config = &cs
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
