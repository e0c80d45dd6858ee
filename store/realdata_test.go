package store

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/passerelle/passerelle"
)

// tedNotices is ../shared/data/ted/notices.jsonl as seen from the repository root: 2,601
// real TED and Doffin notices. It is not part of the repository; tests and benchmarks that
// read it skip without it.
var tedNotices = filepath.Join("..", "..", "shared", "data", "ted", "notices.jsonl")

// loadNotices reads canonical JSONL records into opportunities. It is a test loader, not a
// parser: the source package owns parsing; here a date-time without zone is read as UTC.
func loadNotices(tb testing.TB, path string) []passerelle.Opportunity {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		if os.IsNotExist(err) {
			tb.Skipf("%s is absent (no ../shared/data)", path)
		}
		tb.Fatal(err)
	}
	defer f.Close()
	var ops []passerelle.Opportunity
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 8<<20)
	line := 0
	for sc.Scan() {
		line++
		var r struct {
			ID, Source, Kind, Title, Description, Language, Buyer, Country, URL string
			Deadline, Published                                                 *string
			CPV, NUTS                                                           []string
			Value                                                               *passerelle.Money
			Translations                                                        map[string]passerelle.Text
		}
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			tb.Fatalf("%s:%d: %v", path, line, err)
		}
		o := passerelle.Opportunity{ID: r.ID, Source: r.Source, Kind: passerelle.Kind(r.Kind), Title: r.Title,
			Description: r.Description, Language: r.Language, Buyer: r.Buyer, Country: r.Country, URL: r.URL,
			CPV: r.CPV, NUTS: r.NUTS, Value: r.Value, Translations: r.Translations, Status: passerelle.StatusUnknown}
		for _, d := range []struct {
			in  *string
			out **time.Time
		}{{r.Deadline, &o.Deadline}, {r.Published, &o.Published}} {
			if d.in == nil {
				continue
			}
			layout := "2006-01-02T15:04"
			if len(*d.in) == 10 {
				layout = "2006-01-02"
			}
			t, err := time.Parse(layout, *d.in)
			if err != nil {
				tb.Fatalf("%s:%d: %v", path, line, err)
			}
			*d.out = &t
		}
		ops = append(ops, o)
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return ops
}

// TestRealNotices stores the real notices, then stores them again: the first pass must
// create (or merge) each one, the second must change nothing, and the store stay sound.
func TestRealNotices(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 2,601 real notices")
	}
	ops := loadNotices(t, tedNotices)
	ctx := context.Background()
	db := openTest(t)
	counts := map[PutResult]int{}
	for start := 0; start < len(ops); start += 1000 {
		outs, err := db.PutOpportunitiesDetailed(ctx, ops[start:min(start+1000, len(ops))], t0)
		if err != nil {
			t.Fatal(err)
		}
		for i, o := range outs {
			counts[o.Result]++
			if o.Result == PutMerged {
				t.Logf("%s merged into %s", ops[start+i].ID, o.ID)
			}
		}
	}
	n, _ := db.CountOpportunities(ctx)
	t.Logf("%d notices: %v; %d opportunities", len(ops), counts, n)
	if counts[PutNew] != n || counts[PutNew]+counts[PutMerged]+counts[PutUpdated]+counts[PutUnchanged] != len(ops) {
		t.Fatalf("results %v do not add up to %d notices and %d opportunities", counts, len(ops), n)
	}
	res, err := db.PutOpportunities(ctx, ops, t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if r != PutUnchanged {
			t.Errorf("second pass: %s %v", ops[i].ID, r)
		}
	}
	if rep, err := db.Check(ctx); err != nil || !rep.OK() {
		t.Fatalf("check: %v %v", err, rep.Problems)
	}
}

// BenchmarkPutOpportunitiesReal stores the real notices in batches of 1000 into a fresh
// store each time.
func BenchmarkPutOpportunitiesReal(b *testing.B) {
	ops := loadNotices(b, tedNotices)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		db, err := Open(filepath.Join(b.TempDir(), fmt.Sprint(i, ".db")))
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		for start := 0; start < len(ops); start += 1000 {
			if _, err := db.PutOpportunities(ctx, ops[start:min(start+1000, len(ops))], t0); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		db.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(b.N*len(ops))/b.Elapsed().Seconds(), "notices/s")
}
