package site

import (
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/paperboy-news/paperboy/content"
)

func settings() Settings {
	return Settings{
		Title:    "示范区新闻",
		BaseURL:  "https://news.example.org/",
		Language: "zh-CN",
		TimeZone: "Asia/Shanghai",
		Topics:   []Topic{{Name: "防汛", Slug: "flood", Keywords: []string{"防汛"}}},
	}
}

func TestNew(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Settings)
		key    string // "" when the settings are fine
	}{
		{"shipped", func(*Settings) {}, ""},
		{"base URL with a path", func(s *Settings) { s.BaseURL = "https://example.org/paper/" }, ""},
		{"base URL with a path, no slash", func(s *Settings) { s.BaseURL = "https://example.org/paper" }, ""},
		{"base URL with a query", func(s *Settings) { s.BaseURL = "https://example.org/?a=1" }, "site.base_url"},
		{"base URL with an empty query", func(s *Settings) { s.BaseURL = "https://example.org/?" }, "site.base_url"},
		{"base URL with a fragment", func(s *Settings) { s.BaseURL = "https://example.org/#top" }, "site.base_url"},
		{"base URL with a password", func(s *Settings) { s.BaseURL = "https://a:b@example.org/" }, "site.base_url"},
		{"relative base URL", func(s *Settings) { s.BaseURL = "/news/" }, "site.base_url"},
		{"ftp base URL", func(s *Settings) { s.BaseURL = "ftp://example.org/" }, "site.base_url"},
		{"base URL with port 99999", func(s *Settings) { s.BaseURL = "http://127.0.0.1:99999/" }, "site.base_url"},
		{"base URL with port 0", func(s *Settings) { s.BaseURL = "http://127.0.0.1:0/" }, "site.base_url"},
		{"no title", func(s *Settings) { s.Title = " " }, "site.title"},
		{"two-line title", func(s *Settings) { s.Title = "a\nb" }, "site.title"},
		{"English", func(s *Settings) { s.Language = "en" }, ""},
		{"British English", func(s *Settings) { s.Language = "en-GB" }, ""},
		{"traditional Chinese", func(s *Settings) { s.Language = "zh-TW" }, ""},
		{"French: no words", func(s *Settings) { s.Language = "fr" }, "site.language"},
		{"not a language", func(s *Settings) { s.Language = "chinese!" }, "site.language"},
		{"no time zone", func(s *Settings) { s.TimeZone = "" }, "site.time_zone"},
		{"the machine's zone", func(s *Settings) { s.TimeZone = "Local" }, "site.time_zone"},
		{"unknown time zone", func(s *Settings) { s.TimeZone = "Mars/Olympus" }, "site.time_zone"},
		{"UTC", func(s *Settings) { s.TimeZone = "UTC" }, ""},
		{"no topics", func(s *Settings) { s.Topics = nil }, ""},
		{"topic without keywords", func(s *Settings) { s.Topics[0].Keywords = nil }, "topics[0].keywords"},
		{"topic with an empty keyword", func(s *Settings) { s.Topics[0].Keywords = []string{" "} }, "topics[0].keywords"},
		{"bad slug", func(s *Settings) { s.Topics[0].Slug = "Flood Control" }, "topics[0].slug"},
		{"slug twice", func(s *Settings) {
			s.Topics = append(s.Topics, Topic{Name: "汛", Slug: "flood", Keywords: []string{"汛"}})
		}, "topics[1].slug"},
		{"unnamed topic", func(s *Settings) { s.Topics[0].Name = "" }, "topics[0].name"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := settings()
			tc.change(&s)
			st, ps := New(s)
			if tc.key == "" {
				if ps != nil || st == nil || st.Location == nil || st.Words == nil {
					t.Fatalf("refused: %v", ps)
				}
				if !strings.HasSuffix(st.BaseURL.Path, "/") {
					t.Errorf("base path %q does not end in /", st.BaseURL.Path)
				}
				return
			}
			if st != nil || len(ps) != 1 || ps[0].Key != tc.key {
				t.Fatalf("problems %v, want one about %s", ps, tc.key)
			}
		})
	}
}

func TestURLs(t *testing.T) {
	tests := []struct {
		base, path, wantPath, wantURL string
	}{
		{"https://news.example.org", ArticlePath("2021-07-20-1f3a9c0b2d4e"), "/articles/2021-07-20-1f3a9c0b2d4e/", "https://news.example.org/articles/2021-07-20-1f3a9c0b2d4e/"},
		{"https://example.org/paper/", EditionPath("2021-07-20"), "/paper/editions/2021-07-20/", "https://example.org/paper/editions/2021-07-20/"},
		{"https://example.org/paper", TopicPath("flood"), "/paper/topics/flood/", "https://example.org/paper/topics/flood/"},
		{"https://example.org/paper/", TopicPath(""), "/paper/", "https://example.org/paper/"},
		{"http://127.0.0.1:8080/", FeedPath("flood", "atom.xml"), "/topics/flood/atom.xml", "http://127.0.0.1:8080/topics/flood/atom.xml"},
		{"https://example.org/a%20b/", FeedPath("", "rss.xml"), "/a%20b/rss.xml", "https://example.org/a%20b/rss.xml"},
		{"https://example.org/paper/", UnsubscribePath, "/paper/unsubscribe", "https://example.org/paper/unsubscribe"},
	}
	for _, tc := range tests {
		s := settings()
		s.BaseURL = tc.base
		st, ps := New(s)
		if ps != nil {
			t.Fatal(ps)
		}
		if got := st.Path(tc.path); got != tc.wantPath {
			t.Errorf("%s: Path(%s) = %s, want %s", tc.base, tc.path, got, tc.wantPath)
		}
		if got := st.URL(tc.path); got != tc.wantURL {
			t.Errorf("%s: URL(%s) = %s, want %s", tc.base, tc.path, got, tc.wantURL)
		}
		if back, ok := st.SitePath(tc.wantPath); !ok || back != tc.path {
			t.Errorf("%s: SitePath(%s) = %s, %v, want %s", tc.base, tc.wantPath, back, ok, tc.path)
		}
	}
}

func TestWordsFor(t *testing.T) {
	tests := []struct{ lang, want string }{
		{"zh-CN", "zh-CN"}, {"zh", "zh-CN"}, {"zh-Hans", "zh-CN"}, {"en-GB", "en"}, {"en", "en"}, {"fr", ""}, {"", ""},
	}
	for _, tc := range tests {
		got := ""
		if w := WordsFor(tc.lang); w != nil {
			got = w.Lang
		}
		if got != tc.want {
			t.Errorf("WordsFor(%q) = %q, want %q", tc.lang, got, tc.want)
		}
	}
	// Every language fills every word, so adding one cannot leave a blank
	// in a reader's page, feed or mail.
	for tag, w := range catalogue {
		v := reflect.ValueOf(*w)
		for i := range v.NumField() {
			if f := v.Field(i); f.Kind() == reflect.String && f.String() == "" {
				t.Errorf("words %s: %s is empty", tag, v.Type().Field(i).Name)
			}
		}
	}
}

func TestDates(t *testing.T) {
	zh, en := WordsFor("zh-CN"), WordsFor("en")
	mailed2021 := time.Date(2021, 7, 21, 7, 0, 0, 0, time.UTC)
	mailed2026 := time.Date(2026, 12, 1, 7, 0, 0, 0, time.UTC)
	tests := []struct {
		w        *Words
		date     string
		now      time.Time
		want     string
		wantLong string
	}{
		{zh, "2021-07-20", mailed2021, "7月20日", "2021年7月20日 星期二"},
		{zh, "2021-07-20", mailed2026, "2021年7月20日", "2021年7月20日 星期二"},
		{en, "2021-07-20", mailed2021, "July 20", "Tuesday, July 20, 2021"},
		{en, "2021-07-20", mailed2026, "July 20, 2021", "Tuesday, July 20, 2021"},
		{zh, "not a date", mailed2026, "not a date", "not a date"},
	}
	for _, tc := range tests {
		if got := tc.w.EditionDate(tc.date, tc.now); got != tc.want {
			t.Errorf("%s EditionDate(%s, %d) = %q, want %q", tc.w.Lang, tc.date, tc.now.Year(), got, tc.want)
		}
		if got := tc.w.LongEditionDate(tc.date); got != tc.wantLong {
			t.Errorf("%s LongEditionDate(%s) = %q, want %q", tc.w.Lang, tc.date, got, tc.wantLong)
		}
	}
}

func TestHeadlinesAndLeads(t *testing.T) {
	zh := WordsFor("zh-CN")
	long := strings.Repeat("长", 150)
	tests := []struct {
		name                          string
		a                             content.Article
		wantTitle, wantMain, wantLead string
	}{
		{"summary field wins", content.Article{Title: "T", Summary: "摘要", Paragraphs: []string{"正文"}}, "T", "T", "摘要"},
		{"lead is cut", content.Article{Title: "T", Paragraphs: []string{"", long}}, "T", "T", strings.Repeat("长", 100) + "……"},
		{"photo without title", content.Article{Kind: content.KindPhoto, Paragraphs: []string{"短说明"}}, "图片新闻：短说明", "短说明", "短说明"},
		{"photo with title", content.Article{Kind: content.KindPhoto, Title: "抢险", Paragraphs: []string{"说明"}}, "图片新闻：抢险", "抢险", "说明"},
		{"article without title", content.Article{Paragraphs: []string{"正文"}}, "正文", "正文", "正文"},
		{"photo without text", content.Article{Kind: content.KindPhoto}, "图片新闻", "", ""},
		{"title parts", content.Article{Kicker: "引", Title: "主", Subtitle: "副"}, "引 主 副", "主", ""},
		{"control characters", content.Article{Title: "标\x00题\n续"}, "标题 续", "标题 续", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := zh.Title(tc.a); got != tc.wantTitle {
				t.Errorf("Title = %q, want %q", got, tc.wantTitle)
			}
			if got := MainTitle(tc.a); got != tc.wantMain {
				t.Errorf("MainTitle = %q, want %q", got, tc.wantMain)
			}
			if got := Lead(tc.a); got != tc.wantLead {
				t.Errorf("Lead = %q, want %q", got, tc.wantLead)
			}
		})
	}
}

func TestCredit(t *testing.T) {
	zh, en := WordsFor("zh-CN"), WordsFor("en")
	two := []content.Author{{Role: "记者", Name: "郭树勋"}, {Role: "通讯员", Name: "王小明"}}
	tests := []struct {
		name string
		w    *Words
		a    content.Article
		want string
	}{
		{"authors before the byline", zh, content.Article{Byline: "本报讯（记者郭树勋 通讯员王小明）", Authors: two}, "记者 郭树勋、通讯员 王小明"},
		{"English separator", en, content.Article{Authors: two}, "记者 郭树勋, 通讯员 王小明"},
		{"photographers", zh, content.Article{Kind: content.KindPhoto, Byline: "本报记者 翟鹏程 摄", Authors: two[:1]}, "记者 郭树勋 摄"},
		{"byline without authors", zh, content.Article{Kind: content.KindPhoto, Byline: "新华社 供图"}, "新华社 供图"},
		{"no role", zh, content.Article{Authors: []content.Author{{Name: "张三"}, {Name: " "}}}, "张三"},
		{"nothing", zh, content.Article{}, ""},
	}
	for _, tc := range tests {
		if got := tc.w.Credit(tc.a); got != tc.want {
			t.Errorf("%s: Credit = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestConfigDuration(t *testing.T) {
	tests := []struct {
		name string
		in   time.Duration
		want string
	}{
		{"whole hours", 24 * time.Hour, "24h"},
		{"hours and minutes", 90 * time.Minute, "1h30m"},
		{"minutes", 15 * time.Minute, "15m"},
		{"seconds stay", 8 * time.Second, "8s"},
		{"hours minutes seconds", time.Hour + time.Minute + time.Second, "1h1m1s"},
		{"zero", 0, "0s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ConfigDuration(tt.in); got != tt.want {
				t.Errorf("ConfigDuration(%v) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestLinkScope checks what signed links are bound to: the same site
// under another scheme, host case or trailing slash is the same scope, a
// different host or path is not.
func TestLinkScope(t *testing.T) {
	scope := func(raw string) string {
		t.Helper()
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		return LinkScope(u)
	}
	tests := []struct {
		name, a, b string
		same       bool
	}{
		{"http and https", "http://example.org/", "https://example.org/", true},
		{"host case", "https://Example.ORG/", "https://example.org/", true},
		{"trailing slash", "https://example.org/paper/", "https://example.org/paper", true},
		{"another host", "https://example.org/", "https://example.net/", false},
		{"another path", "https://example.org/paper/", "https://example.org/", false},
		{"another port", "https://example.org:8443/", "https://example.org/", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := scope(tt.a) == scope(tt.b); got != tt.same {
				t.Errorf("LinkScope(%s) = %q, LinkScope(%s) = %q: same = %v, want %v", tt.a, scope(tt.a), tt.b, scope(tt.b), got, tt.same)
			}
		})
	}
}

// TestParseArchivePath reads back what ArchivePath builds, and nothing else.
func TestParseArchivePath(t *testing.T) {
	for _, tc := range []struct{ slug, month, file string }{
		{"", "2021-07", "atom.xml"}, {"flood", "2021-07", "rss.xml"}, {"economy", "1999-12", "feed.json"},
	} {
		slug, month, file, ok := ParseArchivePath(ArchivePath(tc.slug, tc.month, tc.file))
		if !ok || slug != tc.slug || month != tc.month || file != tc.file {
			t.Errorf("ParseArchivePath(ArchivePath(%q, %q, %q)) = %q, %q, %q, %v", tc.slug, tc.month, tc.file, slug, month, file, ok)
		}
	}
	for _, path := range []string{
		"/atom.xml", "/archive/2021-07/", "/archive/2021-7/atom.xml", "/archive/2021-07/a/atom.xml",
		"/topics//archive/2021-07/atom.xml", "/topics/flood/atom.xml", "/topics/flood", "archive/2021-07/atom.xml",
		"/archive/2021-07/atom.xml/", "/topics/flood/x/archive/2021-07/atom.xml",
	} {
		if slug, month, file, ok := ParseArchivePath(path); ok {
			t.Errorf("ParseArchivePath(%q) = %q, %q, %q, true; want not an archive path", path, slug, month, file)
		}
	}
}
