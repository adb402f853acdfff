package mailer

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/wneessen/go-mail"

	"github.com/paperboy-news/paperboy/internal/fsutil"
)

// Sender delivers messages one at a time over one connection. The mailer
// opens Config.Connections of them per run, each used by one goroutine.
type Sender interface {
	// Send delivers msg. A failure is a *DeliveryError saying whether it
	// is worth retrying.
	Send(ctx context.Context, msg *mail.Msg) error
	Close() error
}

// DeliveryError is a failed delivery: the SMTP reply code (0 for a network
// or local error), whether a later attempt may succeed, and the reply.
type DeliveryError struct {
	Code      int
	Temporary bool
	Err       error
}

func (e *DeliveryError) Error() string { return e.Err.Error() }
func (e *DeliveryError) Unwrap() error { return e.Err }

// newSender opens a Sender for the configured transport.
func (m *Digests) newSender() Sender {
	if m.cfg.Transport == "smtp" {
		return &smtpSender{cfg: m.cfg.SMTP}
	}
	return &fileSender{dir: m.cfg.FileDir}
}

// smtpSender keeps one SMTP connection, dialing it on first use and again
// after it dropped.
type smtpSender struct {
	cfg    SMTPConfig
	client *mail.Client
}

func (s *smtpSender) dial(ctx context.Context) error {
	opts := []mail.Option{
		mail.WithPort(s.cfg.Port),
		mail.WithTimeout(s.cfg.Timeout),
		mail.WithHELO(s.cfg.HELO),
	}
	switch s.cfg.effectivePolicy() {
	case TLSNone:
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	case TLSOpportunistic:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSOpportunistic))
	case TLSImplicit:
		opts = append(opts, mail.WithSSL())
	default:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	}
	opts = append(opts, mail.WithTLSConfig(s.cfg.tlsConfig()))
	if s.cfg.Username != "" {
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthAutoDiscover),
			mail.WithUsername(s.cfg.Username), mail.WithPassword(s.cfg.Password))
	}
	c, err := mail.NewClient(s.cfg.Host, opts...)
	if err == nil {
		err = c.DialWithContext(ctx)
	}
	if err != nil {
		why := ""
		if s.cfg.effectivePolicy() != s.cfg.TLSPolicy {
			why = " (TLS is required because a user is set: the password must not cross the network in clear; allow_plaintext_auth permits it for a relay on this host)"
		}
		return &DeliveryError{Temporary: true, Err: fmt.Errorf("connect to %s:%d%s: %w", s.cfg.Host, s.cfg.Port, why, err)}
	}
	s.client = c
	return nil
}

// Send delivers msg, re-dialing once if the connection turned out dead
// before anything was sent.
func (s *smtpSender) Send(ctx context.Context, msg *mail.Msg) error {
	for try := 0; ; try++ {
		if s.client == nil {
			if err := s.dial(ctx); err != nil {
				return err
			}
		}
		err := s.client.Send(msg)
		if err == nil {
			return nil
		}
		if msg.IsDelivered() {
			// Accepted; only the RSET after it failed. Start afresh next
			// time rather than trust the connection.
			s.drop()
			return nil
		}
		var se *mail.SendError
		if errors.As(err, &se) && se.Reason == mail.ErrConnCheck && try == 0 {
			// The server closed the idle connection: nothing was sent.
			s.drop()
			continue
		}
		code := 0
		if se != nil {
			code = se.ErrorCode()
		}
		s.endTransaction(se)
		switch {
		case code >= 500:
			return &DeliveryError{Code: code, Err: err}
		case code >= 400:
			return &DeliveryError{Code: code, Temporary: true, Err: err}
		default:
			// go-mail reports network errors as permanent with code 0:
			// a dropped connection is worth another try on a new one.
			s.drop()
			return &DeliveryError{Temporary: true, Err: err}
		}
	}
}

// endTransaction leaves the connection ready for the next message after
// msg failed, so that its failure is never charged to the next recipient.
// go-mail resets after a refused MAIL or RCPT, but not after an error at
// or after DATA: a server that refused the DATA command still holds the
// sender and recipients (the next MAIL meets 503, or worse, adds a
// recipient to the old transaction), and one that failed mid-data is in
// an unknown state. A refused DATA is followed by RSET; anything else, or
// a failed RSET, by a new connection on the next message.
func (s *smtpSender) endTransaction(se *mail.SendError) {
	if s.client == nil {
		return
	}
	reason := mail.ErrWriteContent // unknown: assume the worst
	if se != nil {
		reason = se.Reason
	}
	switch reason {
	case mail.ErrSMTPMailFrom, mail.ErrSMTPRcptTo:
		// go-mail said RSET already; if that failed, the NOOP before the
		// next message finds out and it re-dials.
	case mail.ErrSMTPData, mail.ErrSMTPDataClose:
		if err := s.client.Reset(); err != nil {
			s.drop()
		}
	default:
		s.drop()
	}
}

func (s *smtpSender) drop() {
	if s.client != nil {
		_ = s.client.Close() // the connection is already broken
		s.client = nil
	}
}

// Close says QUIT and closes the connection.
func (s *smtpSender) Close() error {
	if s.client == nil {
		return nil
	}
	err := s.client.Close()
	s.client = nil
	if err != nil {
		return fmt.Errorf("close smtp connection: %w", err)
	}
	return nil
}

// fileSender writes each message to dir as <Message-ID>.eml, atomically,
// so a re-sent message replaces its earlier copy.
type fileSender struct{ dir string }

// Send writes msg into the directory.
func (f *fileSender) Send(_ context.Context, msg *mail.Msg) error {
	if err := writeEML(f.dir, emlName(msg.GetMessageID()), msg); err != nil {
		return &DeliveryError{Temporary: true, Err: err}
	}
	return nil
}

// Close does nothing: files are closed as they are written.
func (f *fileSender) Close() error { return nil }

// emlName turns a Message-ID into a safe file name.
func emlName(messageID string) string {
	id := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_', r == '@':
			return r
		case r == '<' || r == '>':
			return -1
		}
		return '_'
	}, messageID)
	return id + ".eml"
}

// writeEML writes msg to dir/name through a temporary file and a rename.
// Messages carry their recipient's address and unsubscribe link: the
// directory and the file are private to the service's user.
func writeEML(dir, name string, msg *mail.Msg) error {
	if err := fsutil.MkdirPrivate(dir); err != nil {
		return fmt.Errorf("write %s: %w", filepath.Join(dir, name), err)
	}
	return writeFileAtomic(filepath.Join(dir, name), func(f *os.File) error {
		_, err := msg.WriteTo(f)
		return err
	})
}

// writeFileAtomic writes path, mode 0600, via a temporary file in the same
// directory, so readers never see half a file.
func writeFileAtomic(path string, write func(*os.File) error) error {
	return fsutil.WriteFileAtomic(path, fsutil.PrivateFile, write)
}
