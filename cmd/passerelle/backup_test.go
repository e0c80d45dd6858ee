package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBackupCommand: the copy is 0600, an existing file is kept unless --force, and the
// live store is never the target.
func TestBackupCommand(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	members := filepath.Join(dir, "members.json")
	if err := os.WriteFile(members, []byte(`[{"id": "acme", "name": "Acme", "tier": "premium", "skills": ["cybersécurité"]}]`), 0o644); err != nil {
		t.Fatal(err)
	}
	mustMain(t, "members", "import", members, "--data", data)

	dst := filepath.Join(dir, "copy.db")
	mustMain(t, "backup", dst, "--data", data)
	st, err := os.Stat(dst)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("backup mode %v, want 0600", st.Mode().Perm())
	}
	// The copy is a store: the member is in it.
	if out := mustMain(t, "members", "list", "--data", copyDir(t, dst)); !strings.Contains(out, "acme") {
		t.Errorf("the backup lacks the member: %s", out)
	}

	if err := os.WriteFile(dst, []byte("precious"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := runMain(t, "backup", dst, "--data", data)
	if code == 0 || !strings.Contains(errOut, "--force") {
		t.Errorf("backup over a file: exit %d, %s", code, errOut)
	}
	if b, _ := os.ReadFile(dst); string(b) != "precious" {
		t.Error("backup overwrote a file without --force")
	}
	mustMain(t, "backup", "--force", dst, "--data", data)
	if b, _ := os.ReadFile(dst); string(b) == "precious" {
		t.Error("--force did not replace the file")
	}

	live := filepath.Join(data, "passerelle.db")
	before, _ := os.ReadFile(live)
	code, _, errOut = runMain(t, "backup", "--force", live, "--data", data)
	if code == 0 || !strings.Contains(errOut, "live store") {
		t.Errorf("backup onto the live store: exit %d, %s", code, errOut)
	}
	if after, _ := os.ReadFile(live); len(after) != len(before) {
		t.Error("the live store changed")
	}
}

// copyDir makes a data directory holding the store file at path.
func copyDir(t *testing.T, path string) string {
	d := filepath.Join(t.TempDir(), "data")
	if err := os.MkdirAll(d, 0o700); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(d, "passerelle.db"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	return d
}
