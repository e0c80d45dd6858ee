package index

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"

	"github.com/passerelle/passerelle"
)

var update = flag.Bool("update", false, "rewrite testdata/mapping.golden.json")

// TestMappingGolden pins the mapping: a change must be deliberate (run with -update, and
// bump MappingVersion so that existing indexes are rebuilt).
func TestMappingGolden(t *testing.T) {
	m, err := NewMapping()
	if err != nil {
		t.Fatal(err)
	}
	got, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	golden := filepath.Join("testdata", "mapping.golden.json")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./index -run TestMappingGolden -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("mapping differs from %s; if deliberate, bump MappingVersion (now %d) and run with -update",
			golden, MappingVersion)
	}
}

func TestAnalyzers(t *testing.T) {
	m, err := NewMapping()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		analyzer, text string
		want           []string
	}{
		{analyzerFold, "Sécurité de l'Informatique", []string{"securite", "de", "informatique"}},
		{analyzerFold, "l’État et C++, C#, F# ou .NET", []string{"etat", "et", "c++", "c#", "f#", "ou", ".net"}},
		{analyzerFold, "ASP.NET abc# vb.net", []string{"asp.net", "abc", "vb.net"}},
		{analyzerFR, "sécurités informatiques d'entreprise", []string{"securit", "informat", "entrepris"}},
		{analyzerFR, "securite", []string{"securit"}},
		{analyzerEN, "the company's data centres", []string{"compani", "data", "centr"}},
		{analyzerEN, "C++ developers", []string{"c++", "develop"}},
		{analyzerNL, "onderhoud van groenvoorzieningen", []string{"onderhoud", "groenvoorzien"}},
		{analyzerDE, "Rechenzentren für Gebäude", []string{"rechenzentr", "gebaud"}},
	}
	for _, tt := range tests {
		var got []string
		for _, tok := range m.AnalyzerNamed(tt.analyzer).Analyze([]byte(tt.text)) {
			got = append(got, string(tok.Term))
		}
		if join(got) != join(tt.want) {
			t.Errorf("%s(%q) = %v, want %v", tt.analyzer, tt.text, got, tt.want)
		}
	}
}

func TestOpenLifecycle(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "idx")
	ix, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !ix.NeedsRebuild() {
		t.Error("a new index must ask to be built from the store")
	}
	ops := loadNotices(t, "testdata/notices.jsonl", 5)
	if err := ix.Index(ctx, ops); err != nil {
		t.Fatal(err)
	}
	// Re-indexing the same ids replaces, never duplicates.
	if err := ix.Index(ctx, ops[:2]); err != nil {
		t.Fatal(err)
	}
	if n, err := ix.Count(); err != nil || n != 5 {
		t.Fatalf("count %d, %v; want 5", n, err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Errorf("second close: %v", err)
	}
	if _, err := ix.Count(); err == nil {
		t.Error("count on a closed index gave no error")
	}

	// Reopened in the same mapping version: documents kept, nothing to rebuild.
	ix, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if ix.NeedsRebuild() {
		t.Error("reopened index in the current mapping asks for a rebuild")
	}
	got, err := ix.IDs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := make([]string, len(ops))
	for i, o := range ops {
		want[i] = o.ID
	}
	sort.Strings(got)
	sort.Strings(want)
	if join(got) != join(want) {
		t.Errorf("IDs %v, want %v", got, want)
	}

	if err := ix.Delete(ctx, []string{ops[0].ID, "no-such-id"}); err != nil {
		t.Fatal(err)
	}
	if n, _ := ix.Count(); n != 4 {
		t.Errorf("count after delete %d, want 4", n)
	}

	// An index written with another mapping version is recreated empty.
	if err := ix.idx.SetInternal([]byte(mappingKey), []byte("0")); err != nil {
		t.Fatal(err)
	}
	ix.Close()
	ix, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !ix.NeedsRebuild() {
		t.Error("outdated mapping version not reported")
	}
	if n, _ := ix.Count(); n != 0 {
		t.Errorf("outdated index kept %d documents", n)
	}
	if err := ix.Index(ctx, ops); err != nil {
		t.Fatal(err)
	}

	// Reset empties and clears NeedsRebuild.
	if err := ix.Reset(); err != nil {
		t.Fatal(err)
	}
	if ix.NeedsRebuild() {
		t.Error("NeedsRebuild still true after Reset")
	}
	if n, _ := ix.Count(); n != 0 {
		t.Errorf("count after reset %d", n)
	}
	if err := ix.Index(ctx, ops[:1]); err != nil {
		t.Fatal(err)
	}
	res, err := ix.Search(ctx, Query{})
	if err != nil || res.Total != 1 {
		t.Errorf("search after reset: %v, %v", res.Total, err)
	}
	ix.Close()
}

func TestOpenRefusesForeignDirectory(t *testing.T) {
	dir := t.TempDir()
	precious := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(precious, []byte("keep me"), 0o644); err != nil {
		t.Fatal(err)
	}
	if ix, err := Open(dir); err == nil {
		ix.Close()
		t.Fatal("Open took over a directory holding other files")
	}
	if _, err := os.Stat(precious); err != nil {
		t.Errorf("Open damaged a foreign directory: %v", err)
	}

	// An empty directory made by the caller is fine.
	empty := filepath.Join(dir, "empty")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	ix, err := Open(empty)
	if err != nil {
		t.Fatal(err)
	}
	ix.Close()
}

func TestOpenCorruptMeta(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "idx")
	ix, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	ix.Close()
	if err := os.WriteFile(filepath.Join(dir, "index_meta.json"), []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	ix, err = Open(dir)
	if err != nil {
		t.Fatalf("corrupt derived index not recreated: %v", err)
	}
	defer ix.Close()
	if !ix.NeedsRebuild() {
		t.Error("recreated index does not ask for a rebuild")
	}
}

func TestIndexRefusesMissingID(t *testing.T) {
	ix := openIndexed(t, nil)
	err := ix.Index(context.Background(), []passerelle.Opportunity{{ID: "a", Title: "ok"}, {Title: "no id"}})
	if passerelle.ErrorCode(err) != passerelle.EINVALID {
		t.Fatalf("error %v, want %s", err, passerelle.EINVALID)
	}
	if n, _ := ix.Count(); n != 0 {
		t.Errorf("a refused call indexed %d documents", n)
	}
}

func TestIndexCancelled(t *testing.T) {
	ix := openIndexed(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := ix.Index(ctx, []passerelle.Opportunity{{ID: "a"}}); err == nil {
		t.Error("cancelled context: no error")
	}
	if _, err := ix.IDs(ctx); err == nil {
		t.Error("IDs with a cancelled context: no error")
	}
}

func TestMayHoldTech(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want bool
	}{
		{"plain words. And sentences.", false},
		{"ends with a dot.", false},
		{"ASP.NET", true},
		{"uses .net", true},
		{"C++", true},
		{"C# or F#", true},
		{"a.ne", false},
		{"", false},
	} {
		if got := mayHoldTech([]byte(tt.in)); got != tt.want {
			t.Errorf("mayHoldTech(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// TestConcurrentUse searches (with facets and field sorts, which read scorch segments
// directly) while batches are indexed, deleted and the index is reset. Run with -race.
func TestConcurrentUse(t *testing.T) {
	ix := openIndexed(t, nil)
	ctx := context.Background()
	done := make(chan struct{})
	errs := make(chan error, 16)
	var wg sync.WaitGroup
	for w := 0; w < 3; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			qs := []Query{{Facets: true}, {Text: "cloud", Sort: "deadline", Facets: true}, {Sort: "-published", Offset: 10}, {Text: "cloud", Facets: true}}
			for i := 0; ; i++ {
				select {
				case <-done:
					return
				default:
				}
				if _, err := ix.Search(ctx, qs[(i+w)%len(qs)]); err != nil {
					errs <- err
					return
				}
			}
		}(w)
	}
	for round := 0; round < 6; round++ {
		var ops []passerelle.Opportunity
		for i := 0; i < 500; i++ {
			ops = append(ops, synthetic(round*500+i))
		}
		if err := ix.Index(ctx, ops); err != nil {
			t.Fatal(err)
		}
		if err := ix.Delete(ctx, []string{ops[0].ID, ops[1].ID}); err != nil {
			t.Fatal(err)
		}
		if round == 3 {
			if err := ix.Reset(); err != nil {
				t.Fatal(err)
			}
		}
	}
	close(done)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("search during writes: %v", err)
	}
	if n, _ := ix.Count(); n != 2*498 {
		t.Errorf("count %d, want %d (two rounds after the reset, two deleted each)", n, 2*498)
	}
}
