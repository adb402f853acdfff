package main

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paperboy-news/paperboy/internal/pgtest"
)

// TestStoreCopyToPostgres: editions ingested into SQLite, copied with
// `paperboy store copy` into PostgreSQL: the same articles with the same
// ids, and `paperboy feeds` writes the same files byte for byte from
// either database.
func TestStoreCopyToPostgres(t *testing.T) {
	const editions = 60
	dsn := pgtest.Fresh(t)
	t.Setenv(failoverDSNEnv, dsn)
	dir, cfgPath := e2eSetup(t)
	day := time.Now().In(mustZone(t, "Asia/Shanghai"))
	for i := range editions {
		copyPage(t, dir, day.AddDate(0, 0, -3-i).Format(time.DateOnly))
	}
	cfg := daemonConfig{SMTPPort: 25, Addresses: []string{"a@example.org"}, Schedule: "0 0 1 1 *"}
	writeConfig(t, cfgPath, cfg)
	ctx := context.Background()
	var out, errOut bytes.Buffer
	must := func(args ...string) string {
		t.Helper()
		out.Reset()
		errOut.Reset()
		if err := run(ctx, args, &out, &errOut); err != nil {
			t.Fatalf("paperboy %s: %v\n%s", strings.Join(args, " "), err, errOut.String())
		}
		return out.String()
	}
	must("ingest", "-config", cfgPath)
	must("feeds", "-config", cfgPath, "-out", filepath.Join(dir, "from-sqlite"))

	// The move: dsn_env set, driver still sqlite; then the switch.
	cfg.DSNEnv, cfg.FailoverTimeout = failoverDSNEnv, "15s"
	conf := renderConfig(t, cfg)
	writeAtomic(t, cfgPath, []byte(strings.Replace(conf, `driver = "postgres"`, `driver = "sqlite"`, 1)))
	copied := must("store", "copy", "-config", cfgPath, "-from", "sqlite:"+filepath.Join(dir, "data", "paperboy.db"), "-to", "postgres")
	t.Log(strings.TrimSpace(copied))
	if !strings.Contains(copied, "articles ") || strings.Contains(copied, "articles 0 ") {
		t.Fatalf("store copy said %q; want the articles counted", copied)
	}
	writeAtomic(t, cfgPath, []byte(conf))
	must("feeds", "-config", cfgPath, "-out", filepath.Join(dir, "from-postgres"))

	a, b := readTree(t, filepath.Join(dir, "from-sqlite")), readTree(t, filepath.Join(dir, "from-postgres"))
	if len(a) < 10 {
		t.Fatalf("the SQLite export has %d files", len(a))
	}
	for name, want := range a {
		got, ok := b[name]
		switch {
		case !ok:
			t.Errorf("%s missing from the PostgreSQL export", name)
		case !bytes.Equal(got, want):
			t.Errorf("%s differs between the SQLite and PostgreSQL exports", name)
		}
	}
	for name := range b {
		if _, ok := a[name]; !ok {
			t.Errorf("%s only in the PostgreSQL export", name)
		}
	}
	if err := run(ctx, []string{"store", "copy", "-config", cfgPath, "-from", "sqlite:" + filepath.Join(dir, "data", "paperboy.db"), "-to", "postgres"}, &out, &errOut); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("a second copy: err = %v; want a refusal, the destination is not empty", err)
	}
}

// readTree reads every regular file under root (following the export's
// link), by slash path.
func readTree(t *testing.T, root string) map[string][]byte {
	t.Helper()
	real, err := filepath.EvalSymlinks(root)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	err = filepath.WalkDir(real, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(real, p)
		files[filepath.ToSlash(rel)] = b
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}
