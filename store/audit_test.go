package store

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

// TestMigration8AddsAuditToAnOlderFile: a file left at version 7 gains the audit log on open,
// and entries then page newest first without loss or repetition.
func TestMigration8AddsAuditToAnOlderFile(t *testing.T) {
	db, path := openAt(t, 7)
	db.Close()
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	at := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	for i := range 5 {
		if _, err := db.AppendAudit(ctx, AuditEntry{At: at, Actor: "k1", Action: "source.update", Target: fmt.Sprintf("s%d", i),
			Changes: []AuditChange{{Field: "enabled", Before: true, After: false}}}); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	cursor := ""
	for range 10 {
		pg, err := db.Audit(ctx, 2, cursor)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range pg.Entries {
			got = append(got, e.Target)
		}
		if cursor = pg.Next; cursor == "" {
			break
		}
	}
	if fmt.Sprint(got) != "[s4 s3 s2 s1 s0]" {
		t.Errorf("pages gave %v, want newest first, each once", got)
	}
	if _, err := db.Audit(ctx, 2, "not-a-cursor"); err == nil {
		t.Error("a made-up cursor was accepted")
	}
}

func TestAuditEmptyAndKeyUse(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	pg, err := db.Audit(ctx, 10, "")
	if err != nil || pg.Entries == nil || len(pg.Entries) != 0 || pg.Next != "" {
		t.Fatalf("empty log: %+v, %v (want an empty, non-nil list)", pg, err)
	}
	at := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	if err := db.MarkKeyUsed(ctx, "k1", at); err != nil {
		t.Fatal(err)
	}
	used, err := db.KeysLastUsed(ctx)
	if err != nil || !used["k1"].Equal(at) || len(used) != 1 {
		t.Fatalf("last used: %v, %v", used, err)
	}
}
