// Package smtptest runs a real SMTP server (github.com/emersion/go-smtp) on
// 127.0.0.1 for tests: it records the messages it accepts per recipient,
// and can answer chosen recipients with temporary (451) or permanent (550)
// failures, refuse chosen messages with 554 (at the DATA command or after
// the data), drop the connection, require AUTH PLAIN, or accept slowly.
// Tests of the mailer and of the daemon deliver to it over TCP, as they
// would to a mail server.
package smtptest

import (
	"errors"
	"io"
	"net"
	"net/mail"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Action is how the server answers one RCPT.
type Action int

// The answers a Rule can choose.
const (
	// Accept takes the recipient and, after DATA, the message.
	Accept Action = iota
	// TempFail answers 451 4.3.0: the client should try again later.
	TempFail
	// PermFail answers 550 5.1.1: the client must not try again.
	PermFail
	// DropAtRcpt closes the connection instead of answering RCPT.
	DropAtRcpt
	// DropAfterData records the message but closes the connection instead
	// of confirming it: the client must assume it was not delivered.
	DropAfterData
)

// Config says how the server behaves. The zero Config accepts everything
// and keeps every message.
type Config struct {
	// Rule decides the answer to a recipient's n-th RCPT (1-based); nil
	// accepts everything.
	Rule func(rcpt string, attempt int) Action
	// CountOnly keeps neither messages nor per-recipient attempts, only
	// the total, so the server's memory does not grow with the recipient
	// count (benchmarks).
	CountOnly bool
	// DataDelay is how long the server takes over each message's DATA
	// before it answers: a slow server, so a test can stop a sender
	// midway.
	DataDelay time.Duration
	// User and Password, if User is set, are required (AUTH PLAIN, also
	// without TLS) before MAIL.
	User, Password string
	// Mechanisms are the AUTH mechanisms advertised; default PLAIN. Only
	// PLAIN can succeed; any other is counted and refused, so a test can
	// offer what real servers do (e.g. CRAM-MD5) and see whether a client
	// tries it.
	Mechanisms []string
	// RejectData, if set, is asked about each message at the end of its
	// DATA (n counts the server's messages, 1-based, whatever the
	// connection): true answers 554 5.6.0 and the message is not kept.
	RejectData func(n int) bool
	// RefuseDataCommand, if set, is asked about each DATA command (n
	// counts the server's DATA commands, 1-based): true answers it 554
	// 5.7.1 instead of 354, as Postfix's smtpd_data_restrictions do. The
	// transaction (MAIL, RCPT) stays open on the server, as on a real
	// one: a client that sends MAIL next without RSET gets 503.
	RefuseDataCommand func(n int) bool
	// OnAccept, if set, is called with each recipient of each accepted
	// message, after the message is recorded.
	OnAccept func(rcpt string)
	// Configure, if set, adjusts the go-smtp server before it starts
	// (timeouts, TLS).
	Configure func(*smtp.Server)
}

// Server is a running test SMTP server. It is closed by the test's
// cleanup.
type Server struct {
	// Host and Port are where it listens (Host is always 127.0.0.1).
	Host string
	Port int

	cfg Config
	srv *smtp.Server

	mu       sync.Mutex
	msgs     map[string][][]byte
	senders  map[string][]string
	count    int
	auths    int
	attempts map[string]int
	datas    int
	dataCmds int
}

// Start starts a server on 127.0.0.1 with a free port; tb's cleanup
// closes it.
func Start(tb testing.TB, cfg Config) *Server {
	tb.Helper()
	s := &Server{cfg: cfg, Host: "127.0.0.1", msgs: map[string][][]byte{}, senders: map[string][]string{}, attempts: map[string]int{}}
	s.srv = smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &session{s: s, c: c}, nil
	}))
	s.srv.Domain = "localhost"
	s.srv.AllowInsecureAuth = true
	s.srv.ErrorLog = discardLogger{}
	if cfg.Configure != nil {
		cfg.Configure(s.srv)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("smtptest: listen: %v", err)
	}
	s.Port = l.Addr().(*net.TCPAddr).Port
	if cfg.RefuseDataCommand != nil {
		l = &refusingListener{Listener: l, s: s}
	}
	go s.srv.Serve(l) //nolint:errcheck // returns ErrServerClosed at cleanup
	tb.Cleanup(func() { s.srv.Close() })
	return s
}

// Addr is host:port.
func (s *Server) Addr() string { return net.JoinHostPort(s.Host, strconv.Itoa(s.Port)) }

// Messages returns the raw messages accepted for rcpt, oldest first.
func (s *Server) Messages(rcpt string) [][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([][]byte(nil), s.msgs[rcpt]...)
}

// Senders returns the envelope sender (MAIL FROM) of each message
// accepted for rcpt, oldest first, as Messages orders them.
func (s *Server) Senders(rcpt string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.senders[rcpt]...)
}

// Recipients lists, sorted, every recipient that was sent a message.
func (s *Server) Recipients() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	rs := make([]string, 0, len(s.msgs))
	for r := range s.msgs {
		rs = append(rs, r)
	}
	sort.Strings(rs)
	return rs
}

// Total is how many messages were accepted, counting each recipient of a
// message once.
func (s *Server) Total() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.count
}

// Attempts is how often rcpt was offered in a RCPT command.
func (s *Server) Attempts(rcpt string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.attempts[rcpt]
}

// MessageIDs returns the Message-ID header of each message accepted for
// rcpt, oldest first, without angle brackets; a message without a
// parseable header gives "".
func (s *Server) MessageIDs(rcpt string) []string {
	msgs := s.Messages(rcpt)
	ids := make([]string, len(msgs))
	for i, raw := range msgs {
		m, err := mail.ReadMessage(strings.NewReader(string(raw)))
		if err != nil {
			continue
		}
		ids[i] = strings.Trim(m.Header.Get("Message-Id"), "<> ")
	}
	return ids
}

type discardLogger struct{}

func (discardLogger) Printf(string, ...any) {}
func (discardLogger) Println(...any)        {}

type session struct {
	s      *Server
	c      *smtp.Conn
	rcpts  []string
	from   string
	drop   bool
	authed bool
}

// AuthAttempts is how many AUTH commands clients sent, whatever their
// mechanism or outcome.
func (s *Server) AuthAttempts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.auths
}

func (ss *session) AuthMechanisms() []string {
	if len(ss.s.cfg.Mechanisms) > 0 {
		return ss.s.cfg.Mechanisms
	}
	return []string{sasl.Plain}
}

func (ss *session) Auth(mech string) (sasl.Server, error) {
	ss.s.mu.Lock()
	ss.s.auths++
	ss.s.mu.Unlock()
	if mech != sasl.Plain {
		return nil, &smtp.SMTPError{Code: 504, EnhancedCode: smtp.EnhancedCode{5, 5, 4}, Message: "mechanism not supported here"}
	}
	return sasl.NewPlainServer(func(_, user, pass string) error {
		cfg := ss.s.cfg
		if cfg.User == "" || user != cfg.User || pass != cfg.Password {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "bad credentials"}
		}
		ss.authed = true
		return nil
	}), nil
}

func (ss *session) Reset()        { ss.rcpts, ss.drop = nil, false }
func (ss *session) Logout() error { return nil }

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	ss.from = from
	if ss.s.cfg.User != "" && !ss.authed {
		return smtp.ErrAuthRequired
	}
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s := ss.s
	n := 1
	if !s.cfg.CountOnly {
		s.mu.Lock()
		s.attempts[to]++
		n = s.attempts[to]
		s.mu.Unlock()
	}
	action := Accept
	if s.cfg.Rule != nil {
		action = s.cfg.Rule(to, n)
	}
	switch action {
	case TempFail:
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "mailbox busy, try again later"}
	case PermFail:
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user " + to}
	case DropAtRcpt:
		ss.c.Conn().Close()
		return errors.New("smtptest: connection dropped at RCPT")
	case DropAfterData:
		ss.drop = true
	}
	ss.rcpts = append(ss.rcpts, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	s := ss.s
	var (
		raw []byte
		err error
	)
	if s.cfg.CountOnly {
		_, err = io.Copy(io.Discard, r)
	} else {
		raw, err = io.ReadAll(r)
	}
	if err != nil {
		return err
	}
	if s.cfg.DataDelay > 0 {
		time.Sleep(s.cfg.DataDelay)
	}
	s.mu.Lock()
	s.datas++
	if s.cfg.RejectData != nil && s.cfg.RejectData(s.datas) {
		s.mu.Unlock()
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "message content rejected"}
	}
	for _, rc := range ss.rcpts {
		if !s.cfg.CountOnly {
			s.msgs[rc] = append(s.msgs[rc], raw)
			s.senders[rc] = append(s.senders[rc], ss.from)
		}
		s.count++
	}
	s.mu.Unlock()
	if ss.drop {
		ss.c.Conn().Close()
		return errors.New("smtptest: connection dropped after DATA")
	}
	if s.cfg.OnAccept != nil {
		for _, rc := range ss.rcpts {
			s.cfg.OnAccept(rc)
		}
	}
	return nil
}

// refusingListener hands go-smtp connections that answer chosen DATA
// commands themselves (Config.RefuseDataCommand): go-smtp always answers
// DATA with 354, so the refusal is made on the wire, before it.
type refusingListener struct {
	net.Listener
	s *Server
}

func (l *refusingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &refusingConn{Conn: c, s: l.s}, nil
}

type refusingConn struct {
	net.Conn
	s *Server
}

// Read passes the client's bytes on, except a read that is a DATA command
// alone (clients flush each command; a message body never arrives as the
// one line "DATA") which it may answer 554 and swallow.
func (c *refusingConn) Read(p []byte) (int, error) {
	for {
		n, err := c.Conn.Read(p)
		if n == 0 || err != nil || !strings.EqualFold(string(p[:n]), "DATA\r\n") {
			return n, err
		}
		c.s.mu.Lock()
		c.s.dataCmds++
		refuse := c.s.cfg.RefuseDataCommand(c.s.dataCmds)
		c.s.mu.Unlock()
		if !refuse {
			return n, err
		}
		if _, err := io.WriteString(c.Conn, "554 5.7.1 DATA refused by policy\r\n"); err != nil {
			return 0, err
		}
	}
}
