package mailer

import (
	"errors"
	"io"
	"net"
	"strconv"
	"sync"
	"testing"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// sinkAction is how the test SMTP server answers one RCPT.
type sinkAction int

const (
	accept sinkAction = iota
	tempFail
	permFail
	// dropAtRcpt closes the connection instead of answering RCPT.
	dropAtRcpt
	// dropAfterData keeps the message but closes the connection instead
	// of confirming it: the client must assume it was not delivered.
	dropAfterData
)

// sink is an in-process SMTP server on 127.0.0.1 that records what it
// accepts and answers chosen recipients with failures.
type sink struct {
	port int
	// rule decides the answer to a recipient's n-th RCPT (1-based); nil
	// accepts everything.
	rule func(rcpt string, attempt int) sinkAction
	// keep stores the raw messages; benchmarks only count them.
	keep bool
	// onAccept, if set, is called after each accepted message.
	onAccept func(rcpt string)
	// user and pass, if set, are required (AUTH PLAIN) before MAIL.
	user, pass string

	mu       sync.Mutex
	msgs     map[string][][]byte
	count    int
	attempts map[string]int
}

func startSink(tb testing.TB, keep bool, rule func(rcpt string, attempt int) sinkAction, opts ...func(*smtp.Server)) *sink {
	tb.Helper()
	s := &sink{rule: rule, keep: keep, msgs: map[string][][]byte{}, attempts: map[string]int{}}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &sinkSession{s: s, c: c}, nil
	}))
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.ErrorLog = discardLogger{}
	for _, o := range opts {
		o(srv)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	s.port = l.Addr().(*net.TCPAddr).Port
	go srv.Serve(l)
	tb.Cleanup(func() { srv.Close() })
	return s
}

type discardLogger struct{}

func (discardLogger) Printf(string, ...any) {}
func (discardLogger) Println(...any)        {}

// messages returns the recorded messages of rcpt.
func (s *sink) messages(rcpt string) [][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.msgs[rcpt]
}

// total is how many messages were accepted.
func (s *sink) total() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.count
}

// rcptAttempts is how often rcpt was offered.
func (s *sink) rcptAttempts(rcpt string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.attempts[rcpt]
}

type sinkSession struct {
	s      *sink
	c      *smtp.Conn
	rcpts  []string
	drop   bool
	authed bool
}

func (ss *sinkSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (ss *sinkSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if ss.s.user == "" || user != ss.s.user || pass != ss.s.pass {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "bad credentials"}
		}
		ss.authed = true
		return nil
	}), nil
}

func (ss *sinkSession) Reset()        { ss.rcpts, ss.drop = nil, false }
func (ss *sinkSession) Logout() error { return nil }

func (ss *sinkSession) Mail(string, *smtp.MailOptions) error {
	if ss.s.user != "" && !ss.authed {
		return smtp.ErrAuthRequired
	}
	return nil
}

func (ss *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s := ss.s
	n := 1
	if s.keep || s.rule != nil {
		// Benchmarks keep nothing per recipient, so the sink's memory does
		// not grow with the list.
		s.mu.Lock()
		s.attempts[to]++
		n = s.attempts[to]
		s.mu.Unlock()
	}
	action := accept
	if s.rule != nil {
		action = s.rule(to, n)
	}
	switch action {
	case tempFail:
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "mailbox busy, try again later"}
	case permFail:
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user " + to}
	case dropAtRcpt:
		ss.c.Conn().Close()
		return errors.New("dropped")
	case dropAfterData:
		ss.drop = true
	}
	ss.rcpts = append(ss.rcpts, to)
	return nil
}

func (ss *sinkSession) Data(r io.Reader) error {
	s := ss.s
	var (
		raw []byte
		err error
	)
	if s.keep {
		raw, err = io.ReadAll(r)
	} else {
		_, err = io.Copy(io.Discard, r) // benchmarks: count, keep nothing
	}
	if err != nil {
		return err
	}
	s.mu.Lock()
	for _, rc := range ss.rcpts {
		if s.keep {
			s.msgs[rc] = append(s.msgs[rc], raw)
		}
		s.count++
	}
	s.mu.Unlock()
	if ss.drop {
		ss.c.Conn().Close()
		return errors.New("dropped after data")
	}
	if s.onAccept != nil {
		for _, rc := range ss.rcpts {
			s.onAccept(rc)
		}
	}
	return nil
}

// addresses makes n recipient addresses, r0000@example.org ...
func addresses(n int) []string {
	as := make([]string, n)
	for i := range as {
		as[i] = "r" + strconv.Itoa(10000 + i)[1:] + "@example.org"
	}
	return as
}
