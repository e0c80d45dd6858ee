package source

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/passerelle/passerelle"
)

type entry struct{ name, body string }

func makeZip(t *testing.T, entries ...entry) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		w, err := zw.Create(e.name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(e.body))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func makeGzip(t *testing.T, body []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(body)
	zw.Close()
	return buf.Bytes()
}

func makeTar(t *testing.T, entries ...entry) []byte {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		tw.WriteHeader(&tar.Header{Name: e.name, Mode: 0o644, Size: int64(len(e.body)), Typeflag: tar.TypeReg})
		tw.Write([]byte(e.body))
	}
	tw.Close()
	return buf.Bytes()
}

func TestFetchArchives(t *testing.T) {
	rss, err := os.ReadFile("testdata/calls.rss")
	if err != nil {
		t.Fatal(err)
	}
	jsonl, err := os.ReadFile("testdata/notices.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	// Each file under the per-file cap, together over the expansion cap.
	z := strings.Repeat("0", 200<<10)
	bomb := makeZip(t, entry{"1", z}, entry{"2", z}, entry{"3", z}, entry{"4", z})
	tests := []struct {
		name, file string
		body       []byte
		wantDocs   []string
		wantOps    int
		errHas     string
	}{
		{name: "zip", file: "calls.zip", body: makeZip(t, entry{"b/notices.jsonl", string(jsonl)}, entry{"a.rss", string(rss)}, entry{".DS_Store", "x"}, entry{"__MACOSX/a.rss", "x"}),
			wantDocs: []string{"calls.zip/a.rss", "calls.zip/b/notices.jsonl"}, wantOps: 14},
		{name: "gzip", file: "notices.jsonl.gz", body: makeGzip(t, jsonl), wantDocs: []string{"notices.jsonl"}, wantOps: 10},
		{name: "tar.gz", file: "feeds.tar.gz", body: makeGzip(t, makeTar(t, entry{"x/calls.rss", string(rss)}, entry{"x/.hidden", "h"}, entry{"n.jsonl", string(jsonl)})),
			wantDocs: []string{"feeds.tar.gz/n.jsonl", "feeds.tar.gz/x/calls.rss"}, wantOps: 14},
		{name: "zip bomb", file: "bomb.zip", body: bomb, errHas: "expands beyond the cap of 512 KiB"},
		{name: "corrupt gzip", file: "x.gz", body: []byte{0x1f, 0x8b, 8, 0, 0}, errHas: "x.gz"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			p := filepath.Join(dir, tt.file)
			if err := os.WriteFile(p, tt.body, 0o644); err != nil {
				t.Fatal(err)
			}
			f := Fetcher{MaxBytes: 256 << 10, MaxExpanded: 512 << 10}
			res, err := f.Fetch(context.Background(), p, Validators{})
			if tt.errHas != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errHas) {
					t.Fatalf("err = %v, want %q", err, tt.errHas)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, d := range res.Docs {
				names = append(names, strings.TrimPrefix(d.Name, dir+"/"))
			}
			if strings.Join(names, ",") != strings.Join(tt.wantDocs, ",") {
				t.Errorf("documents %v, want %v", names, tt.wantDocs)
			}
			lr, err := f.Load(context.Background(), passerelle.Source{ID: "s", URL: p}, Validators{})
			if err != nil || len(lr.Opportunities) != tt.wantOps || len(lr.Errors) != 0 {
				t.Errorf("Load: %d opportunities, errors %v, err %v", len(lr.Opportunities), lr.Errors, err)
			}
		})
	}
}

func TestFetchArchiveOverHTTP(t *testing.T) {
	jsonl, err := os.ReadFile("testdata/notices.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	gz := makeGzip(t, jsonl)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write(gz)
	}))
	defer srv.Close()
	var f Fetcher
	res, err := f.Load(context.Background(), passerelle.Source{ID: "s", URL: srv.URL + "/export.jsonl.gz"}, Validators{})
	if err != nil || len(res.Opportunities) != 10 {
		t.Fatalf("%d opportunities, err %v", len(res.Opportunities), err)
	}
}
