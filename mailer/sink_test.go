package mailer

import (
	"strconv"
	"testing"

	"github.com/emersion/go-smtp"

	"github.com/paperboy-news/paperboy/internal/smtptest"
)

// sinkAction is how the test SMTP server answers one RCPT.
type sinkAction = smtptest.Action

const (
	accept        = smtptest.Accept
	tempFail      = smtptest.TempFail
	permFail      = smtptest.PermFail
	dropAtRcpt    = smtptest.DropAtRcpt
	dropAfterData = smtptest.DropAfterData
)

// sink is an in-process SMTP server on 127.0.0.1 (internal/smtptest) that
// records what it accepts and answers chosen recipients with failures.
type sink struct {
	srv  *smtptest.Server
	port int
	// onAccept, if set, is called after each accepted message.
	onAccept func(rcpt string)
}

// startSink starts a sink; keep false counts messages without keeping
// them (benchmarks), rule nil accepts everything.
func startSink(tb testing.TB, keep bool, rule func(rcpt string, attempt int) sinkAction, opts ...func(*smtp.Server)) *sink {
	tb.Helper()
	return startSinkWith(tb, smtptest.Config{Rule: rule, CountOnly: !keep && rule == nil}, opts...)
}

// startSinkWith starts a sink with cfg (e.g. AUTH credentials); opts
// adjust the go-smtp server.
func startSinkWith(tb testing.TB, cfg smtptest.Config, opts ...func(*smtp.Server)) *sink {
	tb.Helper()
	s := &sink{}
	cfg.OnAccept = func(rcpt string) {
		if s.onAccept != nil {
			s.onAccept(rcpt)
		}
	}
	cfg.Configure = func(srv *smtp.Server) {
		for _, o := range opts {
			o(srv)
		}
	}
	s.srv = smtptest.Start(tb, cfg)
	s.port = s.srv.Port
	return s
}

// messages returns the recorded messages of rcpt.
func (s *sink) messages(rcpt string) [][]byte { return s.srv.Messages(rcpt) }

// total is how many messages were accepted.
func (s *sink) total() int { return s.srv.Total() }

// rcptAttempts is how often rcpt was offered.
func (s *sink) rcptAttempts(rcpt string) int { return s.srv.Attempts(rcpt) }

// addresses makes n recipient addresses, r0000@example.org ...
func addresses(n int) []string {
	as := make([]string, n)
	for i := range as {
		as[i] = "r" + strconv.Itoa(10000 + i)[1:] + "@example.org"
	}
	return as
}
