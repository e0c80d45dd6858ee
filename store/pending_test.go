package store

import (
	"context"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/passerelle/passerelle"
	bolt "go.etcd.io/bbolt"
)

func pendingIDs(t *testing.T, db *DB) map[string]PendingKind {
	t.Helper()
	ps, err := db.PendingWork(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]PendingKind{}
	for _, p := range ps {
		out[p.ID] = p.Kind
	}
	return out
}

// The marker is written with the change, and only a material change (or a new record)
// calls for a match; re-putting the same record adds no work.
func TestPutMarksPendingWork(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	a, b := benchOpp(1), benchOpp(2)
	if _, err := db.PutOpportunities(ctx, []passerelle.Opportunity{a, b}, t0); err != nil {
		t.Fatal(err)
	}
	if got := pendingIDs(t, db); !reflect.DeepEqual(got, map[string]PendingKind{a.ID: PendingMatch, b.ID: PendingMatch}) {
		t.Fatalf("after first put: %v", got)
	}
	ps, _ := db.PendingWork(ctx)
	if _, err := db.PutMatchesDone(ctx, nil, ps, t0); err != nil {
		t.Fatal(err)
	}
	if n, _ := db.CountPending(ctx); n != 0 {
		t.Fatalf("%d pending after PutMatchesDone", n)
	}
	if _, err := db.PutOpportunities(ctx, []passerelle.Opportunity{a, b}, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if n, _ := db.CountPending(ctx); n != 0 {
		t.Fatalf("re-putting unchanged records left %d pending", n)
	}
	b.Deadline = tp(b.Deadline.Add(24 * time.Hour))
	a.URL = "https://example.org/other"
	if _, err := db.PutOpportunities(ctx, []passerelle.Opportunity{a, b}, t0.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got := pendingIDs(t, db); !reflect.DeepEqual(got, map[string]PendingKind{a.ID: PendingIndex, b.ID: PendingMatch}) {
		t.Fatalf("after a refresh and a new deadline: %v", got)
	}
}

// A marker re-written while its opportunity was being matched survives the clearing of the
// old one: the newer change still gets matched.
func TestClearPendingKeepsNewerMarker(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	a := benchOpp(1)
	if _, err := db.PutOpportunities(ctx, []passerelle.Opportunity{a}, t0); err != nil {
		t.Fatal(err)
	}
	seen, _ := db.PendingWork(ctx)
	a.Deadline = tp(a.Deadline.Add(24 * time.Hour))
	if _, err := db.PutOpportunities(ctx, []passerelle.Opportunity{a}, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := db.ClearPending(ctx, seen); err != nil {
		t.Fatal(err)
	}
	if got := pendingIDs(t, db); got[a.ID] != PendingMatch {
		t.Fatalf("newer marker lost: %v", got)
	}
}

// A write that fails leaves no marker either: both are one transaction.
func TestRejectedBatchMarksNothing(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	bad := benchOpp(2)
	bad.ID = ""
	if _, err := db.PutOpportunities(ctx, []passerelle.Opportunity{benchOpp(1), bad}, t0); err == nil {
		t.Fatal("a batch with an empty id was accepted")
	}
	if n, _ := db.CountPending(ctx); n != 0 {
		t.Fatalf("%d pending after a rejected batch", n)
	}
}

// Migration 7 marks what an older program may have left unmatched: everything updated since
// the start of the last good run or of any run that never ended well.
func TestMigration7MarksUnmatchedOpportunities(t *testing.T) {
	for _, tc := range []struct {
		name string
		runs []passerelle.Run
		want []string
	}{
		{"no run ever went through", nil, []string{"a:1", "a:2", "a:3"}},
		{"last good run", []passerelle.Run{{ID: "000001", Started: t0.Add(36 * time.Hour), Status: passerelle.RunOK}}, []string{"a:3"}},
		{"a killed run before it", []passerelle.Run{
			{ID: "000001", Started: t0.Add(12 * time.Hour), Status: passerelle.RunRunning},
			{ID: "000002", Started: t0.Add(36 * time.Hour), Status: passerelle.RunOK}}, []string{"a:2", "a:3"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db, path := openAt(t, 5)
			err := db.bolt.Update(func(tx *bolt.Tx) error {
				b := tx.Bucket(bucketOpportunities)
				for i, id := range []string{"a:1", "a:2", "a:3"} {
					o := passerelle.Opportunity{ID: id, Title: id, Updated: t0.Add(time.Duration(i) * 24 * time.Hour)}
					if err := putJSON(b, []byte(id), &o); err != nil {
						return err
					}
				}
				for _, r := range tc.runs {
					if err := putJSON(tx.Bucket(bucketRuns), []byte(r.ID), &r); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			db.Close()
			if db, err = Open(path); err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			var got []string
			for id := range pendingIDs(t, db) {
				got = append(got, id)
			}
			sort.Strings(got)
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("pending after migration = %v, want %v", got, tc.want)
			}
		})
	}
}
