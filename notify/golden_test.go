package notify

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./notify -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test ./notify -update rewrites it; review the diff):\n--- got\n%s", name, got)
	}
}

func TestGoldenDigestText(t *testing.T) {
	for _, tc := range []struct {
		file string
		mk   func() Digest
	}{
		{"digest_fr.txt", func() Digest {
			d, _ := Build(codeloop(), fixtureItems(t, "codeloop"), 10, clock(t), brussels(t))
			d.BaseURL = "https://passerelle.example/"
			return d
		}},
		{"digest_en.txt", func() Digest {
			d, _ := Build(dataforge(), fixtureItems(t, "dataforge"), 10, clock(t), brussels(t))
			d.BaseURL = "https://passerelle.example"
			return d
		}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			d := tc.mk()
			golden(t, tc.file, []byte(d.TextBody()))
			golden(t, tc.file[:len(tc.file)-4]+".html", []byte(d.HTMLBody()))
		})
	}
}

func TestGoldenFeeds(t *testing.T) {
	var atom, ics bytes.Buffer
	items := fixtureItems(t, "codeloop")
	if err := WriteAtom(&atom, codeloop(), items, "https://passerelle.example/feeds/tok.atom", clock(t)); err != nil {
		t.Fatal(err)
	}
	if err := WriteICS(&ics, codeloop(), items, clock(t)); err != nil {
		t.Fatal(err)
	}
	golden(t, "feed.atom", atom.Bytes())
	golden(t, "feed.ics", ics.Bytes())
}
