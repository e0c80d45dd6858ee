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
	if f := strings.Fields(mean); len(f) != 5 || f[2] == "0.000" {
		t.Errorf("no mean metrics line (member P@10 nDCG@10 R@100 MAP): %q", mean)
	}
	b, err := os.ReadFile(run)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if f := strings.Fields(lines[0]); len(f) != 6 || f[1] != "Q0" || f[3] != "1" || f[5] != "passerelle" {
		t.Errorf("TREC run line %q", lines[0])
	}
	// A bad rules file is refused with the path of the bad field.
	bad := filepath.Join(t.TempDir(), "rules.json")
	os.WriteFile(bad, []byte(`{"fields":{"title":-1,"description":5},"weights":{"text":20},"clusters":{},"max_per_digest":20}`), 0o644)
	code, _, errOut := runMain(t, "eval", "--opportunities", filepath.Join(td, "notices.jsonl"), "--members", filepath.Join(td, "members.json"), "--rules", bad)
	if code == 0 || !strings.Contains(errOut, "fields.title") {
		t.Errorf("eval with invalid rules: exit %d: %s", code, errOut)
	}
}
