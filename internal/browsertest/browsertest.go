// Package browsertest starts a real headless Chromium for tests, driven by
// github.com/chromedp/chromedp: one way of starting it for every browser
// test, with flags that keep it off the network and a fresh profile.
//
// Chromium is Debian's `chromium` package (.ci/run installs it). Without
// it a test skips with a message saying so, except when CI=true, where it
// fails: CI must run the browser tests.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Names are where Chromium is looked for, in order; $PAPERBOY_CHROMIUM,
// if set, comes first.
var Names = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}

// Path is the Chromium binary to run, or "" if none is installed.
func Path() string {
	if p := os.Getenv("PAPERBOY_CHROMIUM"); p != "" {
		return p
	}
	for _, n := range Names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	return ""
}

// Start launches headless Chromium with a window of width×height CSS
// pixels and returns a chromedp context for its first tab, which tb's
// cleanup closes. The whole browser session is bounded by timeout.
func Start(tb testing.TB, width, height int, timeout time.Duration) context.Context {
	tb.Helper()
	path := Path()
	if path == "" {
		if os.Getenv("CI") == "true" {
			tb.Fatal("browsertest: chromium is not installed, and CI=true: .ci/run installs it (apt-get install -y chromium)")
		}
		tb.Skip("browsertest: chromium is not installed (apt-get install -y chromium); skipping the browser test (it never skips with CI=true)")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.UserDataDir(tb.TempDir()),
		chromedp.WindowSize(width, height),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("mute-audio", true),
	}
	ctx, cancelTimeout := context.WithTimeout(context.Background(), timeout)
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx, chromedp.WithErrorf(tb.Logf))
	tb.Cleanup(func() {
		cancelBrowser()
		cancelAlloc()
		cancelTimeout()
	})
	// Start the browser now, so that a broken install fails here, named.
	if err := chromedp.Do(bctx, chromedp.EmulateViewport(int64(width), int64(height), chromedp.EmulateScale(1))); err != nil {
		tb.Fatalf("browsertest: start %s: %v", path, err)
	}
	return bctx
}
