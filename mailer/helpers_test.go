package mailer

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paperboy-news/paperboy/content"
	"github.com/paperboy-news/paperboy/internal/fixture"
	"github.com/paperboy-news/paperboy/site"
	"github.com/paperboy-news/paperboy/store"
)

// saveEdition stores arts as the edition of their date.
func saveEdition(tb testing.TB, st *store.Store, arts []content.Article) {
	tb.Helper()
	ed := content.Edition{Date: arts[0].Date, Source: "pages/" + arts[0].Date + ".txt", Articles: arts}
	if _, err := st.SaveEdition(context.Background(), ed, "hash-"+ed.Date); err != nil {
		tb.Fatal(err)
	}
}

// sampleEdition is the sample page's articles as edition date.
func sampleEdition(t testing.TB, date string) []content.Article {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "articles.json"))
	if err != nil {
		t.Fatal(err)
	}
	var arts []content.Article
	if err := json.Unmarshal(raw, &arts); err != nil {
		t.Fatal(err)
	}
	for i := range arts {
		a := &arts[i]
		a.Date = date
		a.ID = content.StableID(date, a.Kind, fmt.Sprintf("%s#%d", a.DisplayTitle(), i))
		if i%2 == 0 {
			a.Topics = []string{"politics"}
		}
	}
	return arts
}

var shanghai = time.FixedZone("CST", 8*3600)

var discardLog = slog.New(slog.DiscardHandler)

// clockAt is a clock that reads t now and runs on from there.
func clockAt(t time.Time) func() time.Time {
	offset := time.Until(t)
	return func() time.Time { return time.Now().Add(offset) }
}

// testSite is the site the mails come from.
func testSite(title, baseURL, lang string) *site.Site {
	s, ps := site.New(site.Settings{
		Title:            title,
		BaseURL:          baseURL,
		Language:         lang,
		TimeZone:         "Asia/Shanghai",
		PublisherAddress: "示范区报社 · 示范区龙源路1号",
		Topics:           []site.Topic{{Name: "时政", Slug: "politics", Keywords: []string{"会议"}}},
	})
	if ps != nil {
		panic(ps.Err("site"))
	}
	return s
}

// testConfig is a digest "daily" to list "residents" with n recipients,
// delivered to the sink with tiny back-offs.
func testConfig(s *sink, n int) Config {
	cfg := Config{
		Site:              testSite("示范区新闻", "https://news.example.cn", "zh-CN"),
		From:              "news@example.cn",
		FromName:          "示范区新闻",
		UnsubscribeSecret: []byte("test-secret-0123456789"),
		Lists:             map[string][]string{"residents": addresses(n)},
		Digests: []Digest{{
			Name: "daily", Lists: []string{"residents"},
			Subject: "{{.Site}} {{.Date}}：{{.Lead}} 等{{.Count}}条", SkipEmpty: true,
			// The sample edition is of 2021: its runs are within a
			// window of ten years. Tests of the window set their own.
			CatchUp: 10 * 365 * 24 * time.Hour,
		}},
		Connections: 4,
		MaxAttempts: 4,
		BackoffBase: time.Millisecond,
		BackoffMax:  5 * time.Millisecond,
		Logger:      discardLog,
	}
	cfg.FileDir = filepath.Join(os.TempDir(), "paperboy-unused")
	if s != nil {
		cfg.Transport = "smtp"
		cfg.SMTP = SMTPConfig{Host: "127.0.0.1", Port: s.port, TLSPolicy: TLSNone, Timeout: 5 * time.Second}
	}
	return cfg
}

// sampleStore is a fresh store holding the sample edition as 2021-07-20.
func sampleStore(tb testing.TB) *store.Store {
	tb.Helper()
	st := fixture.NewStore(tb)
	saveEdition(tb, st, sampleEdition(tb, "2021-07-20"))
	return st
}

func newDigests(tb testing.TB, cfg Config, st OutboxStore, arts ArticleSource) *Digests {
	tb.Helper()
	m, err := New(cfg, st, arts)
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

// parsed is a delivered message, read back with net/mail and
// mime/multipart.
type parsed struct {
	header  mail.Header
	subject string
	to      []*mail.Address
	html    string
	text    string
}

func parseMessage(t testing.TB, raw []byte) parsed {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("parse message: %v", err)
	}
	p := parsed{header: msg.Header}
	dec := new(mime.WordDecoder)
	if p.subject, err = dec.DecodeHeader(msg.Header.Get("Subject")); err != nil {
		t.Fatalf("decode subject: %v", err)
	}
	if p.to, err = msg.Header.AddressList("To"); err != nil {
		t.Fatalf("To: %v", err)
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("Content-Type = %q (%v), want multipart/alternative", msg.Header.Get("Content-Type"), err)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("next part: %v", err)
		}
		var r io.Reader = part
		switch strings.ToLower(part.Header.Get("Content-Transfer-Encoding")) {
		case "base64":
			r = base64.NewDecoder(base64.StdEncoding, part)
		case "quoted-printable":
			r = quotedprintable.NewReader(part)
		}
		body, err := io.ReadAll(r)
		if err != nil {
			t.Fatalf("read part: %v", err)
		}
		ct, _, _ := mime.ParseMediaType(part.Header.Get("Content-Type"))
		switch ct {
		case "text/html":
			p.html = string(body)
		case "text/plain":
			p.text = string(body)
		default:
			t.Fatalf("unexpected part %s", ct)
		}
	}
	if p.html == "" || p.text == "" {
		t.Fatalf("message lacks a part: html %d bytes, text %d bytes", len(p.html), len(p.text))
	}
	return p
}

var permalinkRE = regexp.MustCompile(`https://news\.example\.cn/articles/[0-9a-f-]+`)

// permalinks lists the article links in s, each once, in order.
func permalinks(s string) []string {
	var out []string
	for _, l := range permalinkRE.FindAllString(s, -1) {
		if !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	return out
}

// checkMessage checks what every digest message must have.
func checkMessage(t testing.TB, raw []byte, wantTo, wantSubject string, wantArticles int) parsed {
	t.Helper()
	p := parseMessage(t, raw)
	if len(p.to) != 1 || p.to[0].Address != wantTo {
		t.Fatalf("To = %v, want just %s", p.to, wantTo)
	}
	if p.subject != wantSubject {
		t.Fatalf("Subject = %q, want %q", p.subject, wantSubject)
	}
	if id := p.header.Get("Message-Id"); !strings.HasPrefix(id, "<") || !strings.HasSuffix(id, "@news.example.cn>") {
		t.Fatalf("Message-ID = %q, want <...@news.example.cn>", id)
	}
	unsub := p.header.Get("List-Unsubscribe")
	if !strings.HasPrefix(unsub, "<https://news.example.cn/unsubscribe?t=") || p.header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
		t.Fatalf("List-Unsubscribe = %q, -Post = %q", unsub, p.header.Get("List-Unsubscribe-Post"))
	}
	if link := strings.Trim(unsub, "<>"); !strings.Contains(p.text, link) || !strings.Contains(p.html, link) {
		t.Fatalf("the bodies lack the recipient's unsubscribe link %s", link)
	}
	for _, h := range []string{"List-Id", "Date", "From"} {
		if p.header.Get(h) == "" {
			t.Fatalf("header %s missing", h)
		}
	}
	if got := p.header.Get("Content-Language"); got != "zh-CN" {
		t.Fatalf("Content-Language = %q", got)
	}
	h, x := permalinks(p.html), permalinks(p.text)
	if !slices.Equal(h, x) || len(h) != wantArticles {
		t.Fatalf("articles: html lists %d %v, text lists %d %v; want the same %d", len(h), h, len(x), x, wantArticles)
	}
	return p
}
