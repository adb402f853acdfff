package mailer

import (
	"context"
	"strings"
	"testing"

	"github.com/paperboy-news/paperboy/internal/fixture"
)

// TestArticleTextNeverGetsTheReadersLink: an article quoting the URL the
// renderer once used as its fixed placeholder for the unsubscribe link
// (or anything else) keeps its text; each reader's link appears only
// where the template puts it.
func TestArticleTextNeverGetsTheReadersLink(t *testing.T) {
	const quoted = "https://unsubscribe.paperboy.invalid/0c3f9e"
	s := startSink(t, true, nil)
	st := fixture.NewStore(t)
	arts := sampleEdition(t, "2021-07-20")
	// In the lead, which the digest shows.
	arts[0].Summary = ""
	arts[0].Paragraphs[0] = "读者来信附链接 " + quoted + " 。" + arts[0].Paragraphs[0]
	saveEdition(t, st, arts)
	cfg := testConfig(s, 2)
	m := newDigests(t, cfg, st, st)
	res, err := m.Run(context.Background(), "daily", slot)
	if err != nil || res.Sent != 2 {
		t.Fatalf("run = %+v, %v", res, err)
	}
	for _, rcpt := range []string{"r0000@example.org", "r0001@example.org"} {
		msgs := s.messages(rcpt)
		if len(msgs) != 1 {
			t.Fatalf("%s got %d messages", rcpt, len(msgs))
		}
		p := parseMessage(t, msgs[0])
		link := m.unsubscribeURL("residents", rcpt)
		for part, body := range map[string]string{"text": p.text, "html": p.html} {
			if !strings.Contains(body, quoted) {
				t.Errorf("%s %s part: the article's quoted URL is gone", rcpt, part)
			}
			if strings.Contains(body, unsubscribeSentinel) {
				t.Errorf("%s %s part: the placeholder was left in", rcpt, part)
			}
			// Once in the text footer; in the HTML, the footer's link.
			if n := strings.Count(body, strings.ReplaceAll(link, "&", "&amp;")); n != 1 {
				t.Errorf("%s %s part: the reader's link appears %d times, want once (the footer)", rcpt, part, n)
			}
		}
	}
}
