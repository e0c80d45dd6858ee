// Command mkbridge writes the word-to-code bridge that ships in the matcher
// (matcher/bridge.tsv.gz): the coded public notices of ../shared/data — TED notices in
// 24 languages and the French DECP awards whose text is intact — as the matcher's term
// vectors, which notices without codes borrow codes from until the store has coded
// notices of its own.
//
//	go run ./matcher/internal/mkbridge -data ../shared/data -out matcher/bridge.tsv.gz
//
// -exclude names a JSONL of notices to leave out (by id): to measure the bridge on
// notices it has not learned from, build it without them and evaluate on them.
package main

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	passerelle "github.com/passerelle/passerelle"
	"github.com/passerelle/passerelle/matcher"
)

func main() {
	data := flag.String("data", "../shared/data", "the shared data directory")
	out := flag.String("out", "matcher/bridge.tsv.gz", "bridge file to write (gzip)")
	exclude := flag.String("exclude", "", "JSONL of notices to leave out, by id")
	flag.Parse()
	if err := run(*data, *out, *exclude); err != nil {
		fmt.Fprintln(os.Stderr, "mkbridge:", err)
		os.Exit(1)
	}
}

// record is the part of a shared-data line the bridge reads.
type record struct {
	ID           string                     `json:"id"`
	Title        string                     `json:"title"`
	Description  string                     `json:"description"`
	Language     string                     `json:"language"`
	Translations map[string]passerelle.Text `json:"translations"`
	CPV          []string                   `json:"cpv"`
	TextQuality  string                     `json:"text_quality"`
}

func read(path string, keep func(r *record) bool) ([]passerelle.Opportunity, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []passerelle.Opportunity
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for line := 1; sc.Scan(); line++ {
		var r record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, line, err)
		}
		if keep(&r) {
			out = append(out, passerelle.Opportunity{ID: r.ID, Title: r.Title, Description: r.Description,
				Language: r.Language, Translations: r.Translations, CPV: r.CPV})
		}
	}
	return out, sc.Err()
}

func run(data, out, exclude string) error {
	skip := map[string]bool{}
	if exclude != "" {
		ex, err := read(exclude, func(*record) bool { return true })
		if err != nil {
			return err
		}
		for _, o := range ex {
			skip[o.ID] = true
		}
	}
	ted, err := read(filepath.Join(data, "ted", "notices.jsonl"), func(r *record) bool { return !skip[r.ID] })
	if err != nil {
		return err
	}
	// A third of the DECP awards lost their accents at the source: their words would
	// not meet anyone's.
	decp, err := read(filepath.Join(data, "decp", "awards.jsonl"), func(r *record) bool { return r.TextQuality == "ok" && !skip[r.ID] })
	if err != nil {
		return err
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	zw, _ := gzip.NewWriterLevel(f, gzip.BestCompression)
	n, err := matcher.WriteBridge(zw, append(ted, decp...))
	if err == nil {
		err = zw.Close()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	fmt.Printf("%d examples (%d TED, %d DECP read; %d excluded) written to %s\n", n, len(ted), len(decp), len(skip), out)
	return nil
}
