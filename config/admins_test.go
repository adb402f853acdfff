package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestAdminsFile(t *testing.T) {
	const hash = "$2a$04$E7fJGJQ/Nmkhck.IxvK01eM48JfEDRkbM8kLSzqkhIRMsOhxNOR1O" // bcrypt of "x", cost 4
	tests := []struct {
		name, file string
		admins     []string
		problems   []string
	}{
		{"good", "# console admins\n\nchen:" + hash + "\n王编辑 : " + hash + "\n", []string{"chen", "王编辑"}, nil},
		{"bad lines", "chen:" + hash + "\nno colon\nchen:" + hash + "\nli:plaintext\nsp ace:" + hash + "\n", []string{"chen"},
			[]string{`admins.txt:2: not "name:hash"`, `admins.txt:3: admin "chen" is also on line 1`, `admins.txt:4: admin "li": not a bcrypt hash`, `admins.txt:5: admin name "sp ace" has white space`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "admins.txt"), []byte(tt.file), 0o600); err != nil {
				t.Fatal(err)
			}
			admins, ps := readAdmins(filepath.Join(dir, "admins.txt"))
			var names []string
			for _, a := range admins {
				names = append(names, a.Name)
			}
			if strings.Join(names, ",") != strings.Join(tt.admins, ",") {
				t.Errorf("admins %q, want %q", names, tt.admins)
			}
			if len(ps) != len(tt.problems) {
				t.Fatalf("problems:\n%v\nwant %d", ps, len(tt.problems))
			}
			for i, p := range ps {
				if got := filepath.Base(p.File) + ":" + p.Error()[len(p.File)+1:]; !strings.HasPrefix(got, tt.problems[i]) {
					t.Errorf("problem %d = %q, want %q...", i, got, tt.problems[i])
				}
			}
		})
	}
}

func TestAdminsFileInConfig(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.toml")
	data := "[server]\nadmins_file = \"missing.txt\"\n\n[smtp]\nfrom = \"news@example.org\"\n"
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path)
	if err == nil || !strings.Contains(err.Error(), path+":2: server.admins_file: admins file: open ") {
		t.Fatalf("Load = %v, want the missing admins file at line 2", err)
	}
}
