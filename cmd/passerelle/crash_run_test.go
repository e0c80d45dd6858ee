package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/passerelle/passerelle"
	"github.com/passerelle/passerelle/matcher"
	"github.com/passerelle/passerelle/store"
)

// crashFixture is a data directory with premium members and a feed of notices to ingest.
type crashFixture struct {
	dir, feed, members string
}

func newCrashFixture(t *testing.T) crashFixture {
	t.Helper()
	dir := t.TempDir()
	ms, ops := matcher.Synthetic(11, 40, 1500)
	for i := range ms {
		ms[i].Tier = passerelle.TierPremium
	}
	f := crashFixture{dir: dir, feed: filepath.Join(dir, "notices.jsonl"), members: filepath.Join(dir, "members.json")}
	var lines []string
	for i := range ops {
		b, err := json.Marshal(&ops[i])
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, string(b))
	}
	if err := os.WriteFile(f.feed, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(ms)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(f.members, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}

// fresh is a new data directory holding the members only.
func (f crashFixture) fresh(t *testing.T, name string) string {
	data := filepath.Join(f.dir, name)
	mustMain(t, "members", "import", "--data", data, f.members)
	return data
}

// matchSet reads every match of a data directory as "member opportunity" lines.
func matchSet(t *testing.T, data string) []string {
	var out []string
	for pair := range matchScores(t, data) {
		out = append(out, pair)
	}
	sort.Strings(out)
	return out
}

// scoreDrift is how far a match's score may differ from the uninterrupted run's. The
// matcher weighs words by their frequencies in the store (matcher.Corpus), counted when a
// match is made: a match made before a kill was scored on the store as it then was, as
// last night's matches were on last night's store. The pairs must be exactly the same.
const scoreDrift = 1.0

// scoresDrift lists the matches of got whose score differs from want's by more than
// scoreDrift.
func scoresDrift(want, got map[string]float64) []string {
	var out []string
	for pair, w := range want {
		if g, ok := got[pair]; ok && math.Abs(g-w) > scoreDrift {
			out = append(out, fmt.Sprintf("%s: %.1f, uninterrupted %.1f", pair, g, w))
		}
	}
	sort.Strings(out)
	return out
}

// matchScores reads every match of a data directory: "member opportunity" → score.
func matchScores(t *testing.T, data string) map[string]float64 {
	t.Helper()
	db, err := store.Open(filepath.Join(data, "passerelle.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	ms, err := db.Members(ctx)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, m := range ms {
		got, err := db.Matches(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, mt := range got {
			out[mt.Member+" "+mt.Opportunity] = mt.Score
		}
	}
	return out
}

func runStatuses(t *testing.T, data string) map[passerelle.RunStatus]int {
	t.Helper()
	db, err := store.Open(filepath.Join(data, "passerelle.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	runs, err := db.Runs(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	out := map[passerelle.RunStatus]int{}
	for _, r := range runs {
		out[r.Status]++
	}
	return out
}

// startChild runs Main in a child process (this test binary again) and returns it with the
// phases it reported on stderr so far (read until it exits or is killed).
func startChild(t *testing.T, args ...string) (*exec.Cmd, chan string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+strings.Join(args, "\x1f"))
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	phases := make(chan string, 1000)
	go func() {
		defer close(phases)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			switch l := sc.Text(); {
			case strings.Contains(l, "step=store"):
				phases <- "store"
			case strings.Contains(l, "source ingested"):
				phases <- "indexed"
			case strings.Contains(l, "step=match"):
				phases <- "match"
			case strings.Contains(l, "run finished"):
				phases <- "finished"
			}
		}
	}()
	return cmd, phases
}

// TestKillAnywhereLosesNoMatch: a run (ingest → store → index → match) is killed with SIGKILL
// at many moments spread over its length. After a plain restart — the same ingest again, as
// the next nightly run would, then `run` — the matches are exactly those of a run that was
// never interrupted, with no `--full`, and the killed run is recorded interrupted.
func TestKillAnywhereLosesNoMatch(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns child processes")
	}
	f := newCrashFixture(t)
	ref := f.fresh(t, "reference")
	began := time.Now()
	cmd, _ := startChild(t, "ingest", "--data", ref, "--source", "bulk", f.feed)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("uninterrupted ingest: %v", err)
	}
	length := time.Since(began)
	want := matchSet(t, ref)
	wantScores := matchScores(t, ref)
	if len(want) == 0 {
		t.Fatal("the uninterrupted run made no match: the test would prove nothing")
	}
	t.Logf("uninterrupted run: %d matches in %s", len(want), length.Round(time.Millisecond))

	const kills = 10
	reached := map[string]int{}
	for k := 1; k <= kills; k++ {
		data := f.fresh(t, fmt.Sprintf("killed-%02d", k))
		cmd, phases := startChild(t, "ingest", "--data", data, "--source", "bulk", f.feed)
		// Kill points spread over the run's length (the start-up of the child included).
		time.Sleep(length * time.Duration(k) / (kills + 1))
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()
		last := "start"
		for ph := range phases {
			last = ph
		}
		reached[last]++

		// What the crash left: check reports it (pending work, the run left running).
		code, out, errOut := runMain(t, "check", "--data", data)
		if !strings.Contains(out, "pending work:") {
			t.Fatalf("kill %d: check does not report pending work (exit %d): %s %s", k, code, out, errOut)
		}
		// Restart: the same ingest, then a plain run.
		if code, out, errOut := runMain(t, "ingest", "--data", data, "--source", "bulk", f.feed); code != 0 {
			t.Fatalf("kill %d: ingest after the crash: exit %d\n%s\n%s", k, code, out, errOut)
		}
		mustMain(t, "run", "--data", data)
		got := matchSet(t, data)
		if d := diffLines(want, got); d != "" {
			t.Errorf("kill %d (last phase %s): matches differ from the uninterrupted run: %s", k, last, d)
		}
		if d := scoresDrift(wantScores, matchScores(t, data)); len(d) > 0 {
			t.Errorf("kill %d (last phase %s): %d scores drift from the uninterrupted run: %v", k, last, len(d), d)
		}
		st := runStatuses(t, data)
		if st[passerelle.RunRunning] != 0 {
			t.Errorf("kill %d: %d runs still recorded running", k, st[passerelle.RunRunning])
		}
		// Killed inside the run (past its record's creation, before its end), the run is
		// interrupted; at the edges (start-up, the last log line) it may not exist or have ended.
		inside := last == "store" || last == "indexed" || last == "match"
		if (inside && st[passerelle.RunInterrupted] != 1) || st[passerelle.RunInterrupted] > 1 || st[passerelle.RunFailed] != 0 {
			t.Errorf("kill %d (last phase %s): runs %v, want the killed one interrupted", k, last, st)
		}
		if out := mustMain(t, "check", "--data", data); !strings.Contains(out, "pending work: 0 ") {
			t.Errorf("kill %d: work still pending after the restart:\n%s", k, out)
		}
	}
	t.Logf("last phase reached before the kill: %v", reached)
}

// TestRunAloneFinishesKilledMatch: killed once every notice is stored and indexed, a plain
// `run` — no ingest, no --full — finishes the matching.
func TestRunAloneFinishesKilledMatch(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns child processes")
	}
	f := newCrashFixture(t)
	ref := f.fresh(t, "reference")
	mustMain(t, "ingest", "--data", ref, "--source", "bulk", f.feed)
	want := matchSet(t, ref)

	data := f.fresh(t, "killed")
	cmd, phases := startChild(t, "ingest", "--data", data, "--source", "bulk", f.feed)
	for ph := range phases {
		if ph == "indexed" { // stored and indexed; matching is next
			_ = cmd.Process.Signal(syscall.SIGKILL)
			break
		}
	}
	_ = cmd.Wait()
	for range phases {
	}
	out := mustMain(t, "run", "--data", data)
	if got := matchSet(t, data); diffLines(want, got) != "" {
		t.Fatalf("after a kill before matching and a plain run: %s\n%s", diffLines(want, got), out)
	}
}

// diffLines says how two sorted sets of lines differ, briefly; "" when equal.
func diffLines(want, got []string) string {
	w := map[string]bool{}
	for _, l := range want {
		w[l] = true
	}
	var extra, missing []string
	for _, l := range got {
		if !w[l] {
			extra = append(extra, l)
		}
		delete(w, l)
	}
	for l := range w {
		missing = append(missing, l)
	}
	if len(extra) == 0 && len(missing) == 0 {
		return ""
	}
	sort.Strings(missing)
	return fmt.Sprintf("%d of %d missing (e.g. %v), %d unexpected (e.g. %v)", len(missing), len(want), missing[:min(3, len(missing))], len(extra), extra[:min(3, len(extra))])
}

// TestDiskFullFailsTheRun: an ingest whose files cannot grow (no write past 1 MiB into any
// file: bbolt's pages and bleve's segments beyond it fail with EFBIG, the way a full disk
// refuses writes) exits non-zero with its run recorded failed, never "ok";
// once space is back, the same ingest and a run give exactly the matches of a run that never
// hit the wall.
func TestDiskFullFailsTheRun(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns child processes")
	}
	f := newCrashFixture(t)
	ref := f.fresh(t, "reference")
	mustMain(t, "ingest", "--data", ref, "--source", "bulk", f.feed)
	want := matchSet(t, ref)

	data := f.fresh(t, "full")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+strings.Join([]string{"ingest", "--data", data, "--source", "bulk", f.feed}, "\x1f"),
		fmt.Sprintf("%s=%d", fsizeEnv, 1<<20))
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() == 0 {
		t.Fatalf("ingest on a full disk: %v (want a non-zero exit)\n%s", err, out)
	}
	if !strings.Contains(string(out), "file too large") {
		t.Logf("(the write error did not name itself as expected)\n%s", out)
	}
	if sts := runStatuses(t, data); sts[passerelle.RunOK] != 0 || sts[passerelle.RunFailed] != 1 {
		t.Fatalf("runs after a full disk: %v, want one failed and none ok\n%s", sts, out)
	}
	t.Logf("full disk: exit %d; %s", exit.ExitCode(), lastLines(string(out), 2))

	mustMain(t, "ingest", "--data", data, "--source", "bulk", f.feed)
	mustMain(t, "run", "--data", data)
	if got := matchSet(t, data); diffLines(want, got) != "" {
		t.Fatalf("after space came back: %s", diffLines(want, got))
	}
}

func lastLines(s string, n int) string {
	ls := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(ls[max(0, len(ls)-n):], " | ")
}

// TestServeShutdownRecordsRunInterrupted: a server stopped (SIGTERM's context) while an API-
// started run waits on a source that never answers waits shutdown_timeout, then records the run
// interrupted — never left running.
func TestServeShutdownRecordsRunInterrupted(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	held := make(chan struct{}, 1)
	hold := httptestServer(t, held)
	cfg := filepath.Join(dir, "passerelle.toml")
	if err := os.WriteFile(cfg, []byte("shutdown_timeout = \"200ms\"\nsource_timeout = \"1h\"\nfetch_timeout = \"1h\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	srcs := filepath.Join(dir, "sources.json")
	if err := os.WriteFile(srcs, []byte(`[{"id":"hold","name":"Hold","url":"`+hold+`/feed.jsonl","format":"jsonl","enabled":true}]`), 0o644); err != nil {
		t.Fatal(err)
	}
	mustMain(t, "sources", "import", "--data", data, srcs)
	key := strings.TrimSpace(strings.SplitN(mustMain(t, "keys", "create", "--role", "staff", "--data", data), "key: ", 2)[1])
	srv := startMain(t, "serve", "--addr", "127.0.0.1:0", "--data", data, "--config", cfg)
	url := srv.want(t, "url: ")
	req, _ := http.NewRequest("POST", url+"/api/v1/runs", nil)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("POST /runs: %d", resp.StatusCode)
	}
	<-held // the run is now inside the source's fetch
	srv.cancel()
	if code := <-srv.done; code != 0 {
		t.Errorf("serve exit %d after shutdown", code)
	}
	srv.done <- 0 // for the cleanup's wait
	st := runStatuses(t, data)
	if st[passerelle.RunInterrupted] != 1 || st[passerelle.RunRunning] != 0 {
		t.Fatalf("runs after shutdown: %v\n%s", st, srv.stderr.String())
	}
}

// httptestServer answers nothing until the client goes away, telling held when a request came.
func httptestServer(t *testing.T, held chan<- struct{}) string {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case held <- struct{}{}:
		default:
		}
		<-r.Context().Done()
	}))
	t.Cleanup(s.Close)
	return s.URL
}
