package subscribe_test

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/paperboy-news/paperboy/internal/browsertest"
	"github.com/paperboy-news/paperboy/store"
)

var screenshots = flag.String("screenshots", "", "write the browser test's 375 px screenshots (signup-footer-phone.png, signup-form-phone.png, preferences-phone.png) into `dir`, e.g. ../docs/screenshots")

// TestBrowserSignupOnAPhone: a resident on a 375 px phone signs up from
// the footer of the home page, confirms from the link in the mail the
// SMTP server received, narrows the digest to one topic on the
// preferences page, and unsubscribes; no JavaScript on any page.
func TestBrowserSignupOnAPhone(t *testing.T) {
	start := time.Now()
	e := newEnv(t, envOptions{digestTopics: []string{"flood", "economy"}})
	ctx := browsertest.Start(t, 375, 812, 90*time.Second)
	w := e.site.Words
	const reader = "phone@example.net"
	shot := func(name string) {
		t.Helper()
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		if len(png) < 1000 {
			t.Fatalf("screenshot %s: %d bytes", name, len(png))
		}
		if *screenshots != "" {
			if err := os.WriteFile(filepath.Join(*screenshots, name), png, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	// fitsPhone checks the page on screen: no sideways scrolling, no
	// script.
	fitsPhone := func(page string) {
		t.Helper()
		width, err := chromedp.Run(ctx, chromedp.Evaluate[int]("document.documentElement.scrollWidth"))
		if err != nil {
			t.Fatal(err)
		}
		if width > 375 {
			t.Errorf("%s is %d px wide on a 375 px phone: it scrolls sideways", page, width)
		}
		if n, err := chromedp.Run(ctx, chromedp.Evaluate[int]("document.scripts.length")); err != nil || n != 0 {
			t.Errorf("%s has %d scripts (%v), want none", page, n, err)
		}
	}
	// waitText waits for the page (after a navigation) whose sel says want.
	waitText := func(sel, want string) {
		t.Helper()
		var got string
		for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector(`+"`"+sel+"`"+`) || {}).textContent || ""`))
			if got = strings.TrimSpace(s); err == nil && got == want {
				return
			}
		}
		t.Fatalf("%s says %q, want %q", sel, got, want)
	}
	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}

	do("footer form", chromedp.Navigate(e.srv.URL+e.site.Path("/")),
		chromedp.WaitVisible(chromedp.ID("signup-email")),
		chromedp.SendKeys(chromedp.ID("signup-email"), reader))
	fitsPhone("the home page")
	footer, err := chromedp.Run(ctx, chromedp.Screenshot(chromedp.CSS("footer.site")))
	if err != nil || len(footer) < 1000 {
		t.Fatalf("footer screenshot: %d bytes, %v", len(footer), err)
	}
	if *screenshots != "" {
		if err := os.WriteFile(filepath.Join(*screenshots, "signup-footer-phone.png"), footer, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	do("open the sign-up page",
		chromedp.Click(chromedp.CSS("form.signup button")),
		chromedp.WaitVisible(chromedp.ID("email")))
	fitsPhone("the sign-up page")
	if v, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("email").value`)); err != nil || v != reader {
		t.Fatalf("the sign-up page has %q, want the footer's %q (%v)", v, reader, err)
	}
	do("choose a topic", chromedp.Click(chromedp.CSS(`input[name="topic:residents"][value="flood"]`)))
	shot("signup-form-phone.png")
	do("submit", chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)))
	waitText("h1", w.SignupSentTitle)
	e.h.Wait()

	link := e.confirmLink(reader)
	do("confirmation link", chromedp.Navigate(link))
	waitText("h1", w.ConfirmTitle)
	fitsPhone("the confirmation page")
	do("confirm", chromedp.Click(chromedp.CSS("main form button")))
	waitText("h1", w.ConfirmedTitle)
	subs, err := e.st.SubscriptionsOf(context.Background(), reader)
	if err != nil || len(subs) != 1 || subs[0].Status != store.SubConfirmed || !slices.Equal(subs[0].Topics, []string{"flood"}) {
		t.Fatalf("after confirming in the browser: %+v, %v", subs, err)
	}

	do("preferences", chromedp.Click(chromedp.CSS("main p a")))
	waitText("h1", w.ManageTitle)
	fitsPhone("the preferences page")
	do("change topics",
		chromedp.Click(chromedp.CSS(`input[name="topic:residents"][value="flood"]`)),
		chromedp.Click(chromedp.CSS(`input[name="topic:residents"][value="economy"]`)),
		chromedp.Click(chromedp.CSS(`button[value="save"]`)))
	waitText(".notice", w.ManageSaved)
	shot("preferences-phone.png")
	subs, _ = e.st.SubscriptionsOf(context.Background(), reader)
	if !slices.Equal(subs[0].Topics, []string{"economy"}) {
		t.Fatalf("topics after saving in the browser: %v, want [economy]", subs[0].Topics)
	}
	do("unsubscribe", chromedp.Click(chromedp.CSS(`button[value="unsubscribe"]`)))
	waitText(".notice", w.ManageUnsubscribed)
	subs, _ = e.st.SubscriptionsOf(context.Background(), reader)
	if subs[0].Status != store.SubUnsubscribed {
		t.Fatalf("after unsubscribing in the browser: %s", subs[0].Status)
	}
	t.Logf("browser test took %s", time.Since(start).Round(10*time.Millisecond))
}
