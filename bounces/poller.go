package bounces

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/paperboy-news/paperboy/internal/address"
	"github.com/paperboy-news/paperboy/site"
	"github.com/paperboy-news/paperboy/store"
)

// maxMessageBytes is how much of each message is fetched: a report's
// status part comes before the returned message, and a huge message in the
// mailbox must not cost more.
const maxMessageBytes = 512 << 10

// fetchBatch is how many messages are fetched per command (at most 25 MB
// held at once); the mark is saved after each batch, so a long backlog is
// worked through in steps.
const fetchBatch = 50

// Store is where reports are recorded; *store.Store is one.
type Store interface {
	RecordBounce(ctx context.Context, b store.Bounce, softLimit int) (store.BounceOutcome, error)
	MailboxMark(ctx context.Context, mailbox string) (uidValidity, lastUID uint32, err error)
	SetMailboxMark(ctx context.Context, mailbox string, uidValidity, lastUID uint32) error
}

// TLS modes of the IMAP connection.
const (
	// TLSImplicit speaks TLS from the first byte (IMAPS, port 993).
	TLSImplicit = "implicit"
	// TLSStartTLS upgrades a plain connection (port 143) and refuses to go
	// on without it.
	TLSStartTLS = "starttls"
	// TLSNone never encrypts: a test server or one on the same host.
	TLSNone = "none"
)

// IMAPConfig is the bounce mailbox.
type IMAPConfig struct {
	Host string
	// Port defaults to 993 (143 for TLSStartTLS and TLSNone).
	Port int
	// TLS is TLSImplicit (the default), TLSStartTLS or TLSNone.
	TLS string
	// User and Password log in; Password comes from the environment.
	User, Password string
	// Mailbox defaults to INBOX.
	Mailbox string
	// Timeout bounds dialing; default 30 s.
	Timeout time.Duration
	// TLSConfig, if set, replaces the default (system roots, server name
	// Host).
	TLSConfig *tls.Config
}

// Config configures a Poller.
type Config struct {
	IMAP IMAPConfig
	// ReturnPath is the base of the VERP return paths
	// ("bounces@news.example.cn"); Secret is the key their tokens were
	// made with.
	ReturnPath string
	Secret     []byte
	// Addresses are the recipients paperboy mails (every list): a report
	// is matched to one of them, through its VERP token or, failing that,
	// the address it names.
	Addresses []string
	// SoftBounceLimit is how many soft bounces in a row suppress an
	// address; default 3.
	SoftBounceLimit int
	Logger          *slog.Logger
}

// Result counts what one Run did.
type Result struct {
	// Read is how many new messages were looked at.
	Read int
	// Hard, Soft, Delayed and Complaints count the reports matched to a
	// recipient and not recorded before; Unknown what was left alone (not
	// a report, or one about nobody paperboy mails).
	Hard, Soft, Delayed, Complaints, Unknown int
	// Suppressed is how many addresses this run put on the suppression
	// list.
	Suppressed int
}

// Poller reads the bounce mailbox.
type Poller struct {
	cfg   Config
	st    Store
	res   *Resolver
	known map[string]string
	log   *slog.Logger
}

// Validate reports the problems of cfg's settings, keyed by config.toml
// key. The return path is the mailer's to check (CheckReturnPath), and
// the host is needed only to read the mailbox: NewPoller checks both.
func (cfg Config) Validate() site.Problems {
	var ps site.Problems
	switch cfg.IMAP.TLS {
	case "", TLSImplicit, TLSStartTLS, TLSNone:
	default:
		ps.Add("bounces.imap_tls", "%q is not \"implicit\" (port 993), \"starttls\" (port 143) or \"none\"", cfg.IMAP.TLS)
	}
	if cfg.IMAP.Port < 0 || cfg.IMAP.Port > 65535 {
		ps.Add("bounces.imap_port", "%d is not a port from 1 to 65535 (0 for the default, 993 or 143)", cfg.IMAP.Port)
	}
	if cfg.SoftBounceLimit < 0 {
		ps.Add("bounces.soft_bounce_limit", "must be 1 or more (0 for the default, 3), got %d", cfg.SoftBounceLimit)
	}
	return ps
}

// NewPoller checks cfg and returns a Poller.
func NewPoller(cfg Config, st Store) (*Poller, error) {
	ps := cfg.Validate()
	if strings.TrimSpace(cfg.IMAP.Host) == "" {
		ps.Add("bounces.imap_host", "the bounce mailbox's IMAP server is not set")
	}
	if cfg.ReturnPath != "" {
		if err := CheckReturnPath(cfg.ReturnPath); err != nil {
			ps.Add("bounces.return_path", "%v", err)
		}
	}
	if err := ps.Err("bounces"); err != nil {
		return nil, err
	}
	cfg = cfg.WithDefaults()
	p := &Poller{cfg: cfg, st: st, log: cfg.Logger, known: make(map[string]string, len(cfg.Addresses))}
	if cfg.ReturnPath != "" {
		p.res = NewResolver(cfg.ReturnPath, cfg.Secret, cfg.Addresses)
	}
	for _, a := range cfg.Addresses {
		p.known[address.Key(strings.TrimSpace(a))] = strings.TrimSpace(a)
	}
	return p, nil
}

// WithDefaults is cfg with its zero values replaced by the defaults:
// implicit TLS on port 993 (143 for the others), INBOX, 30 s, 3 soft
// bounces, slog.Default().
func (cfg Config) WithDefaults() Config {
	if cfg.IMAP.TLS == "" {
		cfg.IMAP.TLS = TLSImplicit
	}
	if cfg.IMAP.Port == 0 {
		cfg.IMAP.Port = 993
		if cfg.IMAP.TLS != TLSImplicit {
			cfg.IMAP.Port = 143
		}
	}
	if cfg.IMAP.Mailbox == "" {
		cfg.IMAP.Mailbox = "INBOX"
	}
	if cfg.IMAP.Timeout <= 0 {
		cfg.IMAP.Timeout = 30 * time.Second
	}
	if cfg.SoftBounceLimit <= 0 {
		cfg.SoftBounceLimit = 3
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return cfg
}

// Run reads the messages that arrived in the mailbox since the last run,
// records the reports about paperboy's recipients, and flags those \Seen.
// Anything else stays as it was: nothing is ever deleted or moved.
func (p *Poller) Run(ctx context.Context) (Result, error) {
	res, err := p.run(ctx)
	if err != nil {
		return res, fmt.Errorf("bounces: read %s on %s: %w", p.cfg.IMAP.Mailbox, p.cfg.IMAP.Host, err)
	}
	return res, nil
}

func (p *Poller) dial(ctx context.Context) (*imapclient.Client, error) {
	c := p.cfg.IMAP
	addr := net.JoinHostPort(c.Host, strconv.Itoa(c.Port))
	tlsConf := c.TLSConfig
	if tlsConf == nil {
		tlsConf = &tls.Config{ServerName: c.Host, MinVersion: tls.VersionTLS12}
	}
	opts := &imapclient.Options{TLSConfig: tlsConf, Dialer: &net.Dialer{Timeout: c.Timeout}}
	var (
		cl  *imapclient.Client
		err error
	)
	switch c.TLS {
	case TLSStartTLS:
		cl, err = imapclient.DialStartTLS(addr, opts)
	case TLSNone:
		cl, err = imapclient.DialInsecure(addr, opts)
	default:
		cl, err = imapclient.DialTLS(addr, opts)
	}
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	if err := cl.WaitGreeting(); err != nil {
		cl.Close()
		return nil, fmt.Errorf("greeting: %w", err)
	}
	return cl, nil
}

func (p *Poller) run(ctx context.Context) (Result, error) {
	var res Result
	cl, err := p.dial(ctx)
	if err != nil {
		return res, err
	}
	defer cl.Close()
	// The client takes no context: closing the connection ends whatever
	// command is waiting.
	stop := context.AfterFunc(ctx, func() { cl.Close() })
	defer stop()
	if p.cfg.IMAP.User != "" {
		if err := cl.Login(p.cfg.IMAP.User, p.cfg.IMAP.Password).Wait(); err != nil {
			return res, fmt.Errorf("login as %s: %w", p.cfg.IMAP.User, err)
		}
	}
	mbox := p.cfg.IMAP.Mailbox
	sel, err := cl.Select(mbox, nil).Wait()
	if err != nil {
		return res, fmt.Errorf("select: %w", err)
	}
	// The mark is kept per server, login and folder: another mailbox's
	// UIDs say nothing about this one's.
	mark := fmt.Sprintf("imap://%s@%s:%d/%s", p.cfg.IMAP.User, p.cfg.IMAP.Host, p.cfg.IMAP.Port, mbox)
	validity, last, err := p.st.MailboxMark(ctx, mark)
	if err != nil {
		return res, err
	}
	if validity != sel.UIDValidity {
		// A new mailbox, or one the server renumbered: read it all again.
		// Reports recorded before are recognised by their Message-ID.
		last = 0
	}
	found, err := cl.UIDSearch(&imap.SearchCriteria{UID: []imap.UIDSet{{{Start: imap.UID(last + 1), Stop: 0}}}}, nil).Wait()
	if err != nil {
		return res, fmt.Errorf("search: %w", err)
	}
	var uids []imap.UID
	for _, u := range found.AllUIDs() {
		if uint32(u) > last { // "N:*" includes the last message even when its UID is below N
			uids = append(uids, u)
		}
	}
	for len(uids) > 0 && ctx.Err() == nil {
		batch := uids[:min(fetchBatch, len(uids))]
		uids = uids[len(batch):]
		handled, err := p.batch(ctx, cl, sel.UIDValidity, batch, &res)
		if len(handled) > 0 {
			set := imap.UIDSetNum(handled...)
			if serr := cl.Store(set, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagSeen}}, nil).Close(); serr != nil {
				// The reports are recorded; the flag is only for people.
				p.log.Warn("bounce_flag_failed", "mailbox", mbox, "err", serr)
			}
		}
		if err != nil {
			return res, err
		}
		if err := p.st.SetMailboxMark(ctx, mark, sel.UIDValidity, uint32(batch[len(batch)-1])); err != nil {
			return res, err
		}
	}
	if ctx.Err() != nil {
		return res, ctx.Err()
	}
	if err := cl.Logout().Wait(); err != nil {
		p.log.Debug("imap_logout_failed", "err", err)
	}
	return res, nil
}

// batch fetches and handles one batch, returning the UIDs of the reports
// it recorded.
func (p *Poller) batch(ctx context.Context, cl *imapclient.Client, validity uint32, uids []imap.UID, res *Result) ([]imap.UID, error) {
	section := &imap.FetchItemBodySection{Peek: true, Partial: &imap.SectionPartial{Offset: 0, Size: maxMessageBytes}}
	msgs, err := cl.Fetch(imap.UIDSetNum(uids...), &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{section}}).Collect()
	if err != nil {
		return nil, fmt.Errorf("fetch: %w", err)
	}
	var handled []imap.UID
	for _, m := range msgs {
		res.Read++
		var raw []byte
		for _, s := range m.BodySection {
			raw = s.Bytes
		}
		id := fmt.Sprintf("imap:%s/%d/%d", p.cfg.IMAP.Mailbox, validity, m.UID)
		ok, err := p.Handle(ctx, raw, id, res)
		if err != nil {
			return handled, err
		}
		if ok {
			handled = append(handled, m.UID)
		}
	}
	return handled, nil
}

// Handle records the report in raw, if it is one about a recipient
// paperboy mails; where names where it was read, for reports without a
// Message-ID. handled is false for anything else, which is left alone.
func (p *Poller) Handle(ctx context.Context, raw []byte, where string, res *Result) (handled bool, err error) {
	rep, err := Parse(raw)
	if err != nil {
		res.Unknown++
		return false, nil
	}
	reportID := rep.MessageID
	if reportID == "" {
		reportID = where
	}
	var bounces []store.Bounce
	switch rep.Type {
	case "delivery-status":
		verp := p.verpAddress(rep.To...)
		for _, r := range rep.Recipients {
			kind := r.kind()
			if kind == "" {
				continue
			}
			addr := verp
			if addr == "" && !p.verpOnly() {
				addr = p.knownAddress(r.Address)
			}
			if addr == "" {
				continue
			}
			bounces = append(bounces, store.Bounce{
				Address: addr, Kind: kind, Status: r.Status, Detail: r.Diagnostic,
				MessageID: rep.Original.MessageID, ReportID: reportID,
			})
		}
	case "feedback-report":
		if rep.FeedbackType != "abuse" && rep.FeedbackType != "fraud" {
			break // not-spam, auth-failure (DMARC) and the like are no complaint
		}
		addr := p.verpAddress(rep.Original.ReturnPath)
		if addr == "" && !p.verpOnly() {
			addr = p.knownAddress(rep.OriginalRcptTo)
			if addr == "" {
				addr = p.knownAddress(rep.Original.To)
			}
		}
		if addr != "" {
			bounces = append(bounces, store.Bounce{
				Address: addr, Kind: store.BounceComplaint, Detail: "feedback-type " + rep.FeedbackType,
				MessageID: rep.Original.MessageID, ReportID: reportID,
			})
		}
	}
	if len(bounces) == 0 {
		res.Unknown++
		return false, nil
	}
	for _, b := range bounces {
		out, err := p.st.RecordBounce(ctx, b, p.cfg.SoftBounceLimit)
		if err != nil {
			return false, err
		}
		if out.Duplicate {
			continue // read before, e.g. under an older UIDVALIDITY
		}
		switch b.Kind {
		case store.BounceHard:
			res.Hard++
		case store.BounceSoft:
			res.Soft++
		case store.BounceDelayed:
			res.Delayed++
		case store.BounceComplaint:
			res.Complaints++
		}
		if out.Suppressed {
			res.Suppressed++
			p.log.Info("address_suppressed", "reason", out.Reason, "status", b.Status, "report", reportID)
		}
	}
	return true, nil
}

// verpOnly is true when the return paths carry tokens: then a report must
// come back through one (or quote it) to count, so that nobody can
// suppress an address by mailing a made-up bounce to the mailbox.
func (p *Poller) verpOnly() bool { return p.res != nil }

func (p *Poller) verpAddress(addrs ...string) string {
	for _, a := range addrs {
		if addr, ok := p.res.Address(a); ok {
			return addr
		}
	}
	return ""
}

func (p *Poller) knownAddress(a string) string {
	return p.known[address.Key(strings.TrimSpace(a))]
}

// kind classifies a DSN recipient: failed with a 5.x.x status is a hard
// bounce, failed with 4.x.x (the remote server gave up retrying) a soft
// one, delayed a delay notice; delivered, relayed and expanded are
// nothing to act on.
func (r Recipient) kind() string {
	switch r.Action {
	case "failed":
		class := r.Status
		if class == "" {
			class = r.Diagnostic // "452 mailbox full": the reply code's class
		}
		if strings.HasPrefix(class, "4") {
			return store.BounceSoft
		}
		return store.BounceHard
	case "delayed":
		return store.BounceDelayed
	}
	return ""
}
