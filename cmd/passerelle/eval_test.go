package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEvalCommand runs `eval` on the matcher's small real evaluation set (300 TED notices,
// the 15 evaluation members, their judgements): a TREC run is written and metrics printed.
func TestEvalCommand(t *testing.T) {
	td := filepath.Join("..", "..", "matcher", "testdata")
	run := filepath.Join(t.TempDir(), "run.tsv")
	out := mustMain(t, "eval", "--opportunities", filepath.Join(td, "notices.jsonl"), "--members", filepath.Join(td, "members.json"),
		"--qrels", filepath.Join(td, "qrels.tsv"), "--run", run, "--data", t.TempDir())
	if !strings.Contains(out, "ranked 300 opportunities for 15 members") {
		t.Errorf("eval output: %s", out)
	}
	var mean string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "mean ") {
			mean = l
		}
	}
	// member P@10 nDCG@10 R@100 MAP | BM25 nDCG@10, BM25 MAP
	if f := strings.Fields(mean); len(f) != 8 || f[2] == "0.000" || f[5] != "|" || f[6] == "0.000" {
		t.Errorf("no mean metrics line with BM25 beside: %q", mean)
	}
	b, err := os.ReadFile(run)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if f := strings.Fields(lines[0]); len(f) != 6 || f[1] != "Q0" || f[3] != "1" || f[5] != "passerelle" {
		t.Errorf("TREC run line %q", lines[0])
	}
	// The three ways and the kept pairs: without codes, the codes removed cannot be
	// shown; kept pairs are written one "member opportunity score" a line with their
	// precision; an unknown technique to ablate is a usage error.
	kept := filepath.Join(t.TempDir(), "kept.txt")
	out = mustMain(t, "eval", "--without-codes", "--explain", "3", "--kept", kept, "--opportunities", filepath.Join(td, "notices.jsonl"),
		"--members", filepath.Join(td, "members.json"), "--qrels", filepath.Join(td, "qrels.tsv"), "--data", t.TempDir())
	if !strings.Contains(out, "kept pairs: ") || !strings.Contains(out, "precision") {
		t.Errorf("no kept pairs line: %s", out)
	}
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, " cpv ") && strings.Contains(l, "CPV ") && !strings.Contains(l, "inferred") {
			t.Errorf("without codes, a notice code is shown as evidence: %s", l)
		}
	}
	kb, err := os.ReadFile(kept)
	if err != nil {
		t.Fatal(err)
	}
	kl := strings.Split(strings.TrimSpace(string(kb)), "\n")
	if f := strings.Fields(kl[0]); len(kl) < 10 || len(f) != 3 {
		t.Errorf("kept file: %d lines, first %q", len(kl), kl[0])
	}
	if code, _, errOut := runMain(t, "eval", "--ablate", "magic", "--opportunities", filepath.Join(td, "notices.jsonl"), "--members", filepath.Join(td, "members.json")); code != 2 || !strings.Contains(errOut, "magic") {
		t.Errorf("eval --ablate magic: exit %d: %s", code, errOut)
	}
	// A bad rules file is refused with the path of the bad field.
	bad := filepath.Join(t.TempDir(), "rules.json")
	os.WriteFile(bad, []byte(`{"fields":{"title":-1,"description":5},"weights":{"text":20},"clusters":{},"max_per_digest":20}`), 0o644)
	code, _, errOut := runMain(t, "eval", "--opportunities", filepath.Join(td, "notices.jsonl"), "--members", filepath.Join(td, "members.json"), "--rules", bad)
	if code == 0 || !strings.Contains(errOut, "fields.title") {
		t.Errorf("eval with invalid rules: exit %d: %s", code, errOut)
	}
}
