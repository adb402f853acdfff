package main

// The admin console in headless Chromium on a phone-sized window, driven
// by chromedp: log in, change the daily digest's time, see the new next
// runs, run it now. Without Chromium the test skips, except in CI.

import (
	"bytes"
	"context"
	"flag"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/paperboy-news/paperboy/internal/browsertest"
	"github.com/paperboy-news/paperboy/internal/linediff"
)

var screenshotDir = flag.String("screenshots", "", "write the console's screenshots into `dir` (e.g. ../../docs/screenshots)")

// browser starts headless Chromium (internal/browsertest: the one way
// the browser tests start it; it skips without Chromium, except in CI)
// and returns a context for chromedp actions.
func browser(t *testing.T) context.Context {
	t.Helper()
	return browsertest.Start(t, 375, 812, 90*time.Second)
}

func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	buf, err := chromedp.Run(sctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	img, err := png.Decode(bytes.NewReader(buf))
	if err != nil {
		t.Fatalf("screenshot %s is not a PNG: %v", name, err)
	}
	if w := img.Bounds().Dx(); w != 375*2 {
		t.Errorf("screenshot %s is %d px wide, want 750 (375 px at 2x)", name, w)
	}
	dir := *screenshotDir
	if dir == "" {
		dir = t.TempDir()
	}
	if err := os.WriteFile(filepath.Join(dir, name), buf, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestConsoleBrowser(t *testing.T) {
	ctx := browser(t)
	// The shipped config.toml and sample page, the page also as today's
	// edition so that "run now" has something to send.
	cfgPath := freshClone(t)
	dir := filepath.Dir(cfgPath)
	copyPage(t, dir, time.Now().In(mustZone(t, "Asia/Shanghai")).Format(time.DateOnly))
	shippedConfig(t, dir, [2]string{`listen = "127.0.0.1:8080"`, `listen = "127.0.0.1:0"`})
	token := e2eToken // d.status sends it
	t.Setenv("PAPERBOY_ADMIN_TOKEN", token)
	d := startDaemon(t, cfgPath)
	before := readFile(t, cfgPath)

	// text reads an element's text into *dst, as a step of Do.
	text := func(sel chromedp.CSS, dst *string) chromedp.Action[chromedp.Void] {
		return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
			s, err := chromedp.Text(sel)(ctx, tg)
			*dst = s
			return chromedp.Void{}, err
		}
	}
	var words, next, flash string
	err := chromedp.Do(ctx,
		chromedp.EmulateViewport(375, 812, chromedp.EmulateScale(2)),
		chromedp.Navigate(d.base+"/admin/"),
		// No session: the login form.
		chromedp.WaitVisible(chromedp.ID("token")),
	)
	if err != nil {
		t.Fatalf("login form: %v", err)
	}
	screenshot(t, ctx, "admin-login-phone.png")
	err = chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("token"), token),
		chromedp.SendKeys(chromedp.ID("name"), "编辑部"),
		chromedp.Click(chromedp.ID("login")),
		chromedp.WaitVisible(chromedp.ID("digest-daily")),
		text("#digest-daily .words", &words),
		chromedp.Click(chromedp.CSS(`#digest-daily a[href="/admin/digests/daily"]`)),
		chromedp.WaitVisible(chromedp.ID("schedule")),
		chromedp.Clear(chromedp.ID("schedule")),
		chromedp.SendKeys(chromedp.ID("schedule"), "30 6 * * *"),
		chromedp.Click(chromedp.ID("preview")),
		chromedp.WaitVisible(chromedp.ID("preview-hint")),
		text("#next", &next),
	)
	if err != nil {
		t.Fatalf("log in and preview: %v\n%s", err, d.log.String())
	}
	if words != "每天 07:00（北京时间）" {
		t.Errorf("the overview says the schedule as %q", words)
	}
	if strings.Count(next, "06:30") != 5 {
		t.Errorf("the preview's next runs are not five at 06:30:\n%s", next)
	}
	if readFile(t, cfgPath) != before {
		t.Fatal("the preview changed config.toml")
	}
	screenshot(t, ctx, "admin-edit-phone.png")

	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.ID("save")),
		chromedp.WaitVisible(chromedp.ID("next-hint")),
		text(".flash", &flash),
		text("#next", &next),
		text("#words", &words),
	)
	if err != nil {
		t.Fatalf("save: %v", err)
	}
	if !strings.Contains(flash, "已保存") || strings.Count(next, "06:30") != 5 || words != "每天 06:30（北京时间）" {
		t.Errorf("after saving: flash %q, words %q, next runs:\n%s", flash, words, next)
	}
	after := readFile(t, cfgPath)
	diff := linediff.Changed(before, after)
	t.Logf("config.toml diff:\n%s", strings.Join(diff, "\n"))
	if want := []string{`-schedule = "0 7 * * *"`, `+schedule = "30 6 * * *"`}; strings.Join(diff, "\n") != strings.Join(want, "\n") {
		t.Errorf("config.toml diff is not the one schedule line:\n%s", strings.Join(diff, "\n"))
	}
	if spec, _, _ := d.lastDigestRun(t); spec != "30 6 * * *" {
		t.Errorf("the daemon runs %q after the save", spec)
	}

	// Run now, then the overview shows the run with what it sent.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`form[action="/admin/run/digest:daily"] button`))); err != nil {
		t.Fatalf("run now: %v", err)
	}
	// The page before the click had the save's flash: wait for the next.
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(flash, "已开始运行"); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no flash saying the run started; last %q", flash)
		}
		flash, _ = chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".flash")))
	}
	var card string
	deadline := time.Now().Add(20 * time.Second)
	for {
		if err := chromedp.Do(ctx,
			chromedp.Navigate(d.base+"/admin/"),
			chromedp.WaitVisible(chromedp.ID("digest-daily")),
			text("#digest-daily", &card),
		); err != nil {
			t.Fatalf("overview: %v", err)
		}
		if strings.Contains(card, "完成") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the overview shows no finished run:\n%s\n%s", card, d.log.String())
		}
		time.Sleep(300 * time.Millisecond)
	}
	if !strings.Contains(card, "每天 06:30（北京时间）") {
		t.Errorf("the overview's digest card lacks the new schedule:\n%s", card)
	}
	screenshot(t, ctx, "admin-overview-phone.png")

	// The run's page: its deliveries, each with its status.
	var deliveries string
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#digest-daily ul.runs a`)),
		chromedp.WaitVisible(chromedp.ID("deliveries")),
		text("#deliveries", &deliveries),
	)
	if err != nil {
		t.Fatalf("run page: %v", err)
	}
	for _, want := range []string{"reader1@example.org", "reader2@example.org", "已发"} {
		if !strings.Contains(deliveries, want) {
			t.Errorf("the run's deliveries lack %q:\n%s", want, deliveries)
		}
	}
	screenshot(t, ctx, "admin-run-phone.png")
}
