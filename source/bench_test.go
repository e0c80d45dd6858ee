package source

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/passerelle/passerelle"
)

// benchDocs reads the shared notices of one format, skipping when the data is absent.
func benchDocs(b *testing.B, format string) [][]byte {
	dir := filepath.Join(*sharedData, "ted")
	if _, err := os.Stat(filepath.Join(dir, "notices.jsonl")); err != nil {
		b.Skipf("shared data not found at %s", dir)
	}
	var docs [][]byte
	for _, e := range readExpected(b, filepath.Join(dir, "notices.jsonl")) {
		if len(e.Format) < len(format) || e.Format[:len(format)] != format {
			continue
		}
		body, err := os.ReadFile(filepath.Join(dir, e.SourceFile))
		if err != nil {
			b.Fatal(err)
		}
		docs = append(docs, body)
	}
	return docs
}

func benchParse(b *testing.B, format string, docs [][]byte) {
	var size int64
	for _, d := range docs {
		size += int64(len(d))
	}
	src := passerelle.Source{ID: "bench"}
	ctx := context.Background()
	b.SetBytes(size)
	b.ResetTimer()
	n := 0
	for i := 0; i < b.N; i++ {
		for _, d := range docs {
			ops, err := Parse(ctx, format, bytes.NewReader(d), "bench", src)
			if err != nil {
				b.Fatal(err)
			}
			n += len(ops)
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "notices/s")
}

func BenchmarkParseTED(b *testing.B)    { benchParse(b, "ted-xml", benchDocs(b, "ted-xml")) }
func BenchmarkParseEForms(b *testing.B) { benchParse(b, "eforms", benchDocs(b, "eforms")) }

func BenchmarkParseJSONL(b *testing.B) {
	p := filepath.Join(*sharedData, "ted", "notices.jsonl")
	body, err := os.ReadFile(p)
	if err != nil {
		b.Skipf("shared data not found: %v", err)
	}
	benchParse(b, "jsonl", [][]byte{body})
}

func BenchmarkParseRSS(b *testing.B) {
	body, err := os.ReadFile("testdata/calls.rss")
	if err != nil {
		b.Fatal(err)
	}
	benchParse(b, "rss", [][]byte{body})
}
