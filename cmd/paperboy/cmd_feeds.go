package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"

	"github.com/paperboy-news/paperboy/config"
	"github.com/paperboy-news/paperboy/feed"
	"github.com/paperboy-news/paperboy/mailer"
	"github.com/paperboy-news/paperboy/store"
	"github.com/paperboy-news/paperboy/web"
)

// runFeeds writes the feeds and pages as static files.
func runFeeds(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, path := commandFlags("feeds", "feeds -out DIR [-config FILE]",
		"Writes the RSS, Atom and JSON feeds and every web page into DIR, for nginx or a CDN.", stderr)
	out := fs.String("out", "", "output `directory`: a link, switched atomically, to the new export beside it; must be new, empty or an earlier export")
	if help, err := parseFlags(fs, args); help || err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: feeds takes no arguments, got %q", errUsage, fs.Args())
	}
	if *out == "" {
		return fmt.Errorf("%w: feeds needs -out DIR", errUsage)
	}
	c, st, err := openConfigured(ctx, *path, stderr)
	if err != nil {
		return err
	}
	defer st.Close()
	logger := c.Logger(stderr)
	archive, err := archiveDigests(c, st, logger)
	if err != nil {
		return err
	}
	site, err := newSite(c, st, logger, archive)
	if err != nil {
		return err
	}
	n, err := site.Export(ctx, *out, web.ExportOptions{Protected: exportProtected(c)})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %d files to %s\n", n, *out)
	return nil
}

// exportProtected is what an export directory must keep apart from: the
// files and directories paperboy reads or writes besides the site. The
// config file itself rather than its directory: the shipped layout puts the
// export (public/) beside config.toml, data/ and pages/.
func exportProtected(c *config.Config) []web.ProtectedPath {
	ps := []web.ProtectedPath{
		{Path: c.Path, What: "the config file"},
		{Path: filepath.Dir(c.Store.Path), What: "the store's directory"},
		{Path: c.Content.PagesDir, What: "the pages directory"},
		{Path: c.Content.MarkdownDir, What: "the Markdown directory"},
	}
	if c.SMTP.Transport == "file" {
		ps = append(ps, web.ProtectedPath{Path: c.SMTP.FileDir, What: "the mail outbox directory"})
	}
	for _, l := range c.Lists {
		ps = append(ps, web.ProtectedPath{Path: l.File, What: fmt.Sprintf("list %q's address file", l.Name)})
	}
	return ps
}

// newSite builds the feeds and the website from the configuration; the
// server mounts the result with Register and calls Feeds().Refresh after
// every ingest that changed something.
func newSite(c *config.Config, st *store.Store, logger *slog.Logger, digests web.DigestArchive) (*web.Site, error) {
	feeds, err := feed.NewService(c.Feed(logger), st)
	if err != nil {
		return nil, err
	}
	return web.New(web.Config{Logger: logger, Digests: digests}, st, feeds)
}

// archiveDigests is the mailer as the archive of sent digests, for a
// static export: it renders the pages of digests already sent and sends
// nothing, so it needs neither the SMTP password nor the unsubscribe
// secret (the pages carry no unsubscribe link) nor the lists.
func archiveDigests(c *config.Config, st *store.Store, logger *slog.Logger) (*mailer.Digests, error) {
	mc := c.Mailer()
	mc.Logger = logger
	mc.UnsubscribeSecret = processSecret()
	return mailer.New(mc, st, st)
}
