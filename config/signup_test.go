package config

import (
	"strings"
	"testing"
)

// TestSignupLists: a list open for sign-up may have no addresses of its
// own, its title defaults to its name, and a closed list still needs
// addresses, a file, or signup = true (the problem says so).
func TestSignupLists(t *testing.T) {
	c, err := loadWith(t, "[[lists]]\nname = \"open\"\nsignup = true\ndescription = \"每天早上\"\n\n[[lists]]\nname = \"titled\"\nsignup = true\ntitle = \"每日新闻摘要\"\n")
	if err != nil {
		t.Fatal(err)
	}
	if l, _ := c.List("open"); !l.Signup || l.Title != "open" || l.Description != "每天早上" {
		t.Errorf("open = %+v", l)
	}
	if l, _ := c.List("titled"); l.Title != "每日新闻摘要" {
		t.Errorf("titled = %+v", l)
	}
	rs, err := LoadRecipients(c.Lists[0])
	if err != nil || len(rs) != 0 {
		t.Errorf("recipients of an open list without addresses: %v, %v", rs, err)
	}
	_, err = loadWith(t, "[[lists]]\nname = \"closed\"\n")
	if err == nil || !strings.Contains(err.Error(), "signup = true") {
		t.Errorf("a closed list without addresses: %v", err)
	}
}

func TestTrustedProxies(t *testing.T) {
	c, err := loadWith(t, "[server]\ntrusted_proxies = [\"127.0.0.1\", \"10.1.2.3/8\", \"::1\"]\n")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range c.Server.TrustedProxies {
		got = append(got, p.String())
	}
	if strings.Join(got, " ") != "127.0.0.1/32 10.0.0.0/8 ::1/128" {
		t.Errorf("trusted proxies = %q", got)
	}
	_, err = loadWith(t, "[server]\ntrusted_proxies = [\"nginx\"]\n")
	if err == nil || !strings.Contains(err.Error(), ":2: server.trusted_proxies: \"nginx\" is not an IP address or prefix") {
		t.Errorf("bad proxy: %v", err)
	}
}
