package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/passerelle/passerelle/matcher"
)

// childEnv, when set, makes the test binary run Main with its fields as arguments: the crash
// test kills such a child with SIGKILL in the middle of an ingest.
const childEnv = "PASSERELLE_TEST_CHILD_ARGS"

// fsizeEnv, when set for a child, caps the size of every file it writes (RLIMIT_FSIZE, in
// bytes): past it a write fails with EFBIG, as on a full disk, without root or a tmpfs.
const fsizeEnv = "PASSERELLE_TEST_CHILD_FSIZE"

func TestMain(m *testing.M) {
	if args := os.Getenv(childEnv); args != "" {
		if lim := os.Getenv(fsizeEnv); lim != "" {
			n, err := strconv.ParseUint(lim, 10, 64)
			if err != nil {
				panic(err)
			}
			signal.Ignore(syscall.SIGXFSZ) // the write fails instead of the process dying
			if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: n, Max: n}); err != nil {
				panic(err)
			}
		}
		os.Exit(Main(context.Background(), strings.Split(args, "\x1f"), os.Stdout, os.Stderr, func(string) string { return "" }))
	}
	os.Exit(m.Run())
}

// TestKillDuringIngest: kill -9 in the middle of ingesting 2,000 notices, then restart: the store
// opens, `check` says whether the index agrees, `reindex` repairs it, and ingesting again
// completes with no duplicates.
func TestKillDuringIngest(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns a child process")
	}
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	_, ops := matcher.Synthetic(7, 0, 2000)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for i := range ops {
		if err := enc.Encode(&ops[i]); err != nil {
			t.Fatal(err)
		}
	}
	feed := filepath.Join(dir, "notices.jsonl")
	if err := os.WriteFile(feed, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+strings.Join([]string{"ingest", "--data", data, "--source", "bulk", feed}, "\x1f"))
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Kill as soon as the first batch is stored: the child is then between batches or inside
	// the next one.
	killed := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sent := false
		for sc.Scan() {
			if !sent && strings.Contains(sc.Text(), "step=store") {
				_ = cmd.Process.Signal(syscall.SIGKILL)
				sent = true
				killed <- true
			}
		}
		if !sent {
			killed <- false
		}
	}()
	select {
	case k := <-killed:
		if !k {
			t.Log("child finished before it could be killed; checking recovery anyway")
		}
	case <-time.After(2 * time.Minute):
		_ = cmd.Process.Kill()
		t.Fatal("child never reported progress")
	}
	_ = cmd.Wait()

	// The store opens; check reports agreement or names the disagreement (exit 1).
	code, out, errOut := runMain(t, "check", "--data", data)
	if code != 0 && !strings.Contains(errOut, "reindex") {
		t.Fatalf("check after a crash: exit %d\n%s\n%s", code, out, errOut)
	}
	if !strings.Contains(out, "opportunities in store:") {
		t.Fatalf("check did not report: %s %s", out, errOut)
	}
	t.Logf("check after the crash (exit %d):\n%s", code, out)
	mustMain(t, "reindex", "--data", data)
	if out := mustMain(t, "check", "--data", data); !strings.Contains(out, "index agrees with store: ok") {
		t.Fatalf("check after reindex: %s", out)
	}
	// Ingest again: every notice once.
	mustMain(t, "ingest", "--data", data, "--source", "bulk", feed)
	export := mustMain(t, "export", "opportunities", "--data", data)
	lines := strings.Split(strings.TrimSpace(export), "\n")
	ids := map[string]int{}
	for _, l := range lines {
		var o struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal([]byte(l), &o); err != nil {
			t.Fatalf("export line %q: %v", l, err)
		}
		ids[o.ID]++
	}
	if len(lines) != len(ops) || len(ids) != len(ops) {
		t.Errorf("after re-ingest: %d records, %d distinct ids; want %d", len(lines), len(ids), len(ops))
	}
	if out := mustMain(t, "check", "--data", data); !strings.Contains(out, "index agrees with store: ok") {
		t.Errorf("check after re-ingest: %s", out)
	}
}
