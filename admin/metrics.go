package admin

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/paperboy-news/paperboy/store"
)

// Metrics holds paperboy's Prometheus metrics in a registry of its own (not
// the global one, so tests and several instances don't collide). Other
// packages report through its methods, wired by the daemon as callbacks.
// A nil *Metrics ignores every call.
type Metrics struct {
	reg            *prometheus.Registry
	itemsIngested  prometheus.Counter
	feedRenders    prometheus.Counter
	messagesSent   *prometheus.CounterVec
	messagesFailed *prometheus.CounterVec
	messagesRetry  *prometheus.CounterVec
	jobDuration    *prometheus.HistogramVec
	jobFailures    *prometheus.CounterVec
}

// NewMetrics registers paperboy's metrics, plus the Go runtime and process
// collectors, in a new registry.
func NewMetrics() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		itemsIngested: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "paperboy_items_ingested_total", Help: "Articles added or updated by ingests.",
		}),
		feedRenders: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "paperboy_feed_renders_total", Help: "Feed renders (each writes every format of every feed).",
		}),
		messagesSent: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "paperboy_messages_sent_total", Help: "Digest messages accepted by the mail server.",
		}, []string{"digest"}),
		messagesFailed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "paperboy_messages_failed_total", Help: "Digest messages that failed for good.",
		}, []string{"digest"}),
		messagesRetry: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "paperboy_messages_retried_total", Help: "Digest message attempts that failed temporarily and will be retried.",
		}, []string{"digest"}),
		jobDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "paperboy_job_duration_seconds",
			Help:    "How long job runs took, by job and outcome.",
			Buckets: []float64{0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900},
		}, []string{"job", "outcome"}),
		jobFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "paperboy_job_failures_total", Help: "Job runs that failed.",
		}, []string{"job"}),
	}
	m.reg.MustRegister(m.itemsIngested, m.feedRenders, m.messagesSent, m.messagesFailed, m.messagesRetry,
		m.jobDuration, m.jobFailures,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// ItemsIngested counts n articles added or updated by an ingest.
func (m *Metrics) ItemsIngested(n int) {
	if m != nil && n > 0 {
		m.itemsIngested.Add(float64(n))
	}
}

// FeedRendered counts one render of the feeds.
func (m *Metrics) FeedRendered() {
	if m != nil {
		m.feedRenders.Inc()
	}
}

// MessagesSent counts n digest messages the server accepted.
func (m *Metrics) MessagesSent(digest string, n int) { m.add(m.messagesSent, digest, n) }

// MessagesFailed counts n digest messages that failed permanently or ran
// out of retries.
func (m *Metrics) MessagesFailed(digest string, n int) { m.add(m.messagesFailed, digest, n) }

// MessagesRetried counts n temporary failures that will be retried.
func (m *Metrics) MessagesRetried(digest string, n int) { m.add(m.messagesRetry, digest, n) }

func (m *Metrics) add(c *prometheus.CounterVec, digest string, n int) {
	if m != nil && n > 0 {
		c.WithLabelValues(digest).Add(float64(n))
	}
}

// JobRun records a finished job run: its duration by outcome, and a
// failure if outcome is "failed". Its shape fits schedule.Config.OnRun via
// a one-line adapter.
func (m *Metrics) JobRun(job, outcome string, d time.Duration) {
	if m == nil {
		return
	}
	m.jobDuration.WithLabelValues(job, outcome).Observe(d.Seconds())
	if outcome == "failed" {
		m.jobFailures.WithLabelValues(job).Inc()
	}
}

// Handler serves the metrics in the Prometheus exposition format. A
// metric that could not be read (the store busy) is left out of that
// scrape, and the others are served.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg, ErrorHandling: promhttp.ContinueOnError})
}

// suppressionsDesc is paperboy_suppressed_addresses{reason}.
var suppressionsDesc = prometheus.NewDesc("paperboy_suppressed_addresses",
	"Addresses on the suppression list (no digest goes to them), by reason.", []string{"reason"}, nil)

// CountSuppressions has every scrape report the suppression list's size by
// reason, read from counter then: a gauge that is never stale, and a store
// read only when Prometheus asks.
func (m *Metrics) CountSuppressions(counter SuppressionCounter) error {
	if m == nil {
		return nil
	}
	if err := m.reg.Register(suppressionCollector{counter}); err != nil {
		return fmt.Errorf("admin: metrics: %w", err)
	}
	return nil
}

type suppressionCollector struct{ counter SuppressionCounter }

func (c suppressionCollector) Describe(ch chan<- *prometheus.Desc) { ch <- suppressionsDesc }

func (c suppressionCollector) Collect(ch chan<- prometheus.Metric) {
	// Collect has no context: the scrape's own timeout is unknown here.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	counts, err := c.counter.SuppressionCounts(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(suppressionsDesc, err)
		return
	}
	// Every reason is reported, 0 too, so an alert on a rise has a series
	// to compare with.
	for _, reason := range []string{store.SuppressHardBounce, store.SuppressSoftBounces, store.SuppressComplaint, store.SuppressManual} {
		if _, ok := counts[reason]; !ok {
			counts[reason] = 0
		}
	}
	for reason, n := range counts {
		ch <- prometheus.MustNewConstMetric(suppressionsDesc, prometheus.GaugeValue, float64(n), reason)
	}
}
