package admin

import (
	"context"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
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

// WatchSubscribers exports paperboy_subscribers{list,state}, read from
// counts at each scrape (a few rows of the store, so always current).
func (m *Metrics) WatchSubscribers(counts SubscriberCounter) {
	if m == nil {
		return
	}
	m.reg.MustRegister(&subscriberCollector{counts: counts})
}

var subscribersDesc = prometheus.NewDesc("paperboy_subscribers",
	"Subscribers of lists open for sign-up, by state (confirmed, pending, unsubscribed, suppressed).",
	[]string{"list", "state"}, nil)

type subscriberCollector struct{ counts SubscriberCounter }

func (c *subscriberCollector) Describe(ch chan<- *prometheus.Desc) { ch <- subscribersDesc }

func (c *subscriberCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	counts, err := c.counts.SubscriberCountsByList(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(subscribersDesc, err)
		return
	}
	for list, n := range counts {
		for state, v := range map[string]int{"confirmed": n.Confirmed, "pending": n.Pending, "unsubscribed": n.Unsubscribed, "suppressed": n.Suppressed} {
			ch <- prometheus.MustNewConstMetric(subscribersDesc, prometheus.GaugeValue, float64(v), list, state)
		}
	}
}

// Handler serves the metrics in the Prometheus exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}
