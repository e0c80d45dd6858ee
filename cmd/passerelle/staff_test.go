package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/passerelle/passerelle"
	"github.com/passerelle/passerelle/store"
)

func TestStaffCommand(t *testing.T) {
	data := t.TempDir()
	// Reading a store that does not exist is a mistake, not an empty list.
	if code, _, errOut := runMain(t, "staff", "list", "--data", data); code == 0 || !strings.Contains(errOut, data) {
		t.Errorf("staff list on an empty --data: exit %d, %s", code, errOut)
	}
	out := mustMain(t, "staff", "add", "--email", "Claire@Cluster.example", "--name", "Claire Dubois", "--data", data)
	if !strings.Contains(out, "email: claire@cluster.example") || !strings.Contains(out, "staff user: su_") {
		t.Errorf("staff add: %s", out)
	}
	for _, bad := range [][]string{
		{"staff", "add", "--email", "claire@cluster.example", "--name", "Encore"}, // taken
		{"staff", "add", "--email", "pas-une-adresse", "--name", "X"},
		{"staff", "add", "--name", "Sans adresse"},
		{"staff", "remove", "--email", "nobody@cluster.example"},
		{"staff", "fire"},
	} {
		if code, _, errOut := runMain(t, append(bad, "--data", data)...); code == 0 || strings.TrimSpace(errOut) == "" {
			t.Errorf("%v: exit %d, stderr %q", bad, code, errOut)
		}
	}
	mustMain(t, "staff", "add", "--email", "alain@cluster.example", "--name", "Alain Petit", "--data", data)
	list := mustMain(t, "staff", "list", "--data", data)
	if lines := strings.Split(strings.TrimSpace(list), "\n"); len(lines) != 2 || !strings.Contains(lines[0], "Alain Petit") {
		t.Errorf("staff list:\n%s", list)
	}
	mustMain(t, "staff", "remove", "--email", "ALAIN@cluster.example", "--data", data)

	// What the command stored is what a sign-in finds.
	db, err := store.Open(filepath.Join(data, "passerelle.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	p, ok, err := db.PrincipalFor(context.Background(), "claire@cluster.example")
	if err != nil || !ok || p.Role != passerelle.RoleStaff {
		t.Errorf("Claire after staff add: %+v %v %v", p, ok, err)
	}
	if _, ok, _ := db.PrincipalFor(context.Background(), "alain@cluster.example"); ok {
		t.Error("Alain is still staff after staff remove")
	}
}
