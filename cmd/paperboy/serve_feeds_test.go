package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/paperboy-news/paperboy/internal/fixture"
)

// mainArgsEnv makes the test binary run paperboy itself (run with these
// arguments, separated by \x1f) instead of the tests, so a test can start
// a real second process on the daemon's database.
const mainArgsEnv = "PAPERBOY_TEST_MAIN_ARGS"

func TestMain(m *testing.M) {
	if args := os.Getenv(mainArgsEnv); args != "" {
		if err := run(context.Background(), strings.Split(args, "\x1f"), os.Stdout, os.Stderr); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// runPaperboy runs paperboy with args in a separate process.
func runPaperboy(t *testing.T, args ...string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), mainArgsEnv+"="+strings.Join(args, "\x1f"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("paperboy %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// otherIngestConfig is the config of a second process on the daemon's
// database in dir, ingesting another pages directory (dir/pages2, made
// empty) that the daemon does not watch; it returns its path.
func otherIngestConfig(t *testing.T, dir string) string {
	t.Helper()
	other := filepath.Join(dir, "ingest.toml")
	text := strings.Replace(renderConfig(t, daemonConfig{SMTPPort: 1, Schedule: "0 0 1 1 *", Addresses: []string{"r1@example.org"}}), `pages_dir = "pages"`, `pages_dir = "pages2"`, 1)
	if !strings.Contains(text, `pages_dir = "pages2"`) {
		t.Fatal("the daemon's config has no pages_dir line to replace")
	}
	writeAtomic(t, other, []byte(text))
	if err := os.Mkdir(filepath.Join(dir, "pages2"), 0o755); err != nil {
		t.Fatal(err)
	}
	return other
}

// atomItems is the daemon's /atom.xml, read by gofeed.
func atomItems(t *testing.T, d *runningDaemon) []*gofeed.Item {
	t.Helper()
	code, body := d.request(t, "GET", "/atom.xml", "")
	if code != 200 {
		t.Fatalf("GET /atom.xml = %d", code)
	}
	fd, err := gofeed.NewParser().Parse(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return fd.Items
}

// atomEntries is the daemon's /atom.xml as id -> title.
func atomEntries(t *testing.T, d *runningDaemon) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, it := range atomItems(t, d) {
		out[it.GUID] = it.Title
	}
	return out
}

// TestServeSeesAnotherProcessesIngest: a `paperboy ingest` run as a
// separate process (another pages directory, the same database) reaches
// the running daemon's feeds within 5 s, with no reload or restart; its
// headline typo fix, ingested the same way, keeps the article's id and
// permalink.
func TestServeSeesAnotherProcessesIngest(t *testing.T) {
	dir, cfgPath := e2eSetup(t)
	writeConfig(t, cfgPath, daemonConfig{SMTPPort: 1, Schedule: "0 0 1 1 *", Addresses: []string{"r1@example.org"}})
	d := startDaemon(t, cfgPath)
	waitFor(t, 10*time.Second, "the sample edition in /atom.xml", func() (bool, string) { return feedHasItems(t, d) })

	other := otherIngestConfig(t, dir)
	page := filepath.Join(dir, "pages2", "2021-07-21.txt")
	writeAtomic(t, page, fixture.SamplePage())

	runPaperboy(t, "ingest", "-config", other)
	start := time.Now()
	var newID string
	waitFor(t, 5*time.Second, "the other process's edition in /atom.xml", func() (bool, string) {
		entries := atomEntries(t, d)
		for id, title := range entries {
			if strings.Contains(id, ":2021-07-21-") && strings.Contains(title, "示范区申报项目实现零突破") {
				newID = id
			}
		}
		return newID != "", fmt.Sprintf("%d entries", len(entries))
	})
	t.Logf("another process's ingest reached the feed in %v", time.Since(start).Round(time.Millisecond))

	fixed := bytes.Replace(fixture.SamplePage(), []byte("示范区申报项目实现零突破"), []byte("示范区申报项目实现零的突破"), 1)
	fixed = bytes.Replace(fixed, []byte("764万元"), []byte("765万元"), 1)
	writeAtomic(t, page, fixed)
	runPaperboy(t, "ingest", "-config", other)
	waitFor(t, 5*time.Second, "the corrected headline under the same id", func() (bool, string) {
		title := atomEntries(t, d)[newID]
		return strings.Contains(title, "示范区申报项目实现零的突破"), fmt.Sprintf("%s: %q", newID, title)
	})
	id := newID[strings.LastIndex(newID, ":")+1:]
	if code, body := d.request(t, "GET", "/articles/"+id+"/", ""); code != 200 || !bytes.Contains(body, []byte("零的突破")) {
		t.Errorf("old permalink /articles/%s/ = %d, want 200 with the corrected headline", id, code)
	}
	// The corrected figure (another article of the page) is in the feed.
	if _, body := d.request(t, "GET", "/atom.xml", ""); !bytes.Contains(body, []byte("765万元")) {
		t.Error("the corrected figure 765万元 is not in /atom.xml")
	}
}
