// Package imaptest runs an IMAP server in-process for tests: go-imap's
// in-memory backend on 127.0.0.1, one user with an INBOX, reached over
// real TCP like any mail server.
package imaptest

import (
	"net"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
)

// The test user's login.
const (
	User     = "bounces"
	Password = "imap-test-password"
)

// Server is a running test IMAP server, closed by the test's cleanup.
type Server struct {
	// Host and Port are where it listens (Host is always 127.0.0.1); it
	// speaks plain IMAP (no TLS).
	Host string
	Port int
}

// Start starts a server with a free port.
func Start(tb testing.TB) *Server {
	tb.Helper()
	mem := imapmemserver.New()
	user := imapmemserver.NewUser(User, Password)
	if err := user.Create("INBOX", nil); err != nil {
		tb.Fatal(err)
	}
	mem.AddUser(user)
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return mem.NewSession(), nil, nil
		},
		InsecureAuth: true,
		Caps:         imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}},
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	go srv.Serve(ln) //nolint:errcheck // ends when the server closes
	tb.Cleanup(func() { srv.Close() })
	return &Server{Host: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port}
}

// client logs in as a person looking at the mailbox would.
func (s *Server) client(tb testing.TB) *imapclient.Client {
	tb.Helper()
	c, err := imapclient.DialInsecure(net.JoinHostPort(s.Host, strconv.Itoa(s.Port)), nil)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { c.Close() })
	if err := c.Login(User, Password).Wait(); err != nil {
		tb.Fatal(err)
	}
	return c
}

// Deliver appends raw to INBOX, as an MTA delivering it would.
func (s *Server) Deliver(tb testing.TB, raw []byte) {
	tb.Helper()
	cmd := s.client(tb).Append("INBOX", int64(len(raw)), nil)
	if _, err := cmd.Write(raw); err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Close(); err != nil {
		tb.Fatal(err)
	}
	if _, err := cmd.Wait(); err != nil {
		tb.Fatal(err)
	}
}

// Contents maps the Message-ID (without angle brackets) of every message
// in INBOX to whether it is flagged \Seen.
func (s *Server) Contents(tb testing.TB) map[string]bool {
	tb.Helper()
	c := s.client(tb)
	sel, err := c.Select("INBOX", &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		tb.Fatal(err)
	}
	out := map[string]bool{}
	if sel.NumMessages == 0 {
		return out
	}
	msgs, err := c.Fetch(imap.SeqSet{{Start: 1, Stop: 0}}, &imap.FetchOptions{
		Flags:       true,
		BodySection: []*imap.FetchItemBodySection{{Specifier: imap.PartSpecifierHeader, HeaderFields: []string{"Message-Id"}, Peek: true}},
	}).Collect()
	if err != nil {
		tb.Fatal(err)
	}
	for _, m := range msgs {
		var id string
		if len(m.BodySection) > 0 {
			_, id, _ = strings.Cut(string(m.BodySection[0].Bytes), ":")
		}
		out[strings.Trim(strings.TrimSpace(id), "<>")] = slices.Contains(m.Flags, imap.FlagSeen)
	}
	return out
}
