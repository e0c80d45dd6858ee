//go:build unix

package store

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/passerelle/passerelle"
)

const (
	crashEnv       = "PASSERELLE_STORE_CRASH_CHILD" // the child's store path
	crashBatch     = 500
	crashBatches   = 400 // far more than the parent lets it write
	crashKillAfter = 6   // batches the parent waits for before SIGKILL
)

// crashBatchOf is batch i of the child's ingest. From batch 1 on, records 4k and 4k+2 are
// new; 4k+1 re-puts record 4k of the previous batch with a new deadline (a revision), and
// 4k+3 is another source's copy of that same record (a merge, by title, buyer and date), so
// the crash can land in the middle of any kind of write.
func crashBatchOf(i int) []passerelle.Opportunity {
	var ops []passerelle.Opportunity
	for j := 0; j < crashBatch; j++ {
		switch {
		case i > 0 && j%4 == 1:
			o := crashOpp(i-1, j-1)
			o.Deadline = tp(o.Deadline.Add(24 * time.Hour))
			ops = append(ops, o)
		case i > 0 && j%4 == 3:
			o := crashOpp(i-1, j-3)
			o.Deadline = tp(o.Deadline.Add(24 * time.Hour))
			o.ID, o.Source, o.URL = fmt.Sprintf("pole:%d-%d", i-1, j-3), "pole", ""
			ops = append(ops, o)
		default:
			ops = append(ops, crashOpp(i, j))
		}
	}
	return ops
}

func crashOpp(i, j int) passerelle.Opportunity {
	o := benchOpp(i*crashBatch + j)
	o.Title = fmt.Sprintf("Crash-test call number %d of batch %d", j, i)
	return o
}

// TestCrashMidIngest runs an ingest in a child process (this test binary again), kills it
// with SIGKILL while it writes, then checks that the store opens, is consistent, and that
// re-putting every record makes no duplicate.
func TestCrashMidIngest(t *testing.T) {
	if path := os.Getenv(crashEnv); path != "" {
		crashChild(path)
		return
	}
	if testing.Short() {
		t.Skip("spawns a child process")
	}
	path := filepath.Join(t.TempDir(), "crash.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashMidIngest$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashEnv+"="+path)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	committed := -1
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if n, ok := strings.CutPrefix(sc.Text(), "committed "); ok {
			committed, _ = strconv.Atoi(n)
			if committed+1 >= crashKillAfter {
				break
			}
		}
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	// The child went on writing while we read: what it printed before dying says how far
	// it got (a batch committed but not yet printed is allowed for below).
	for sc.Scan() {
		if n, ok := strings.CutPrefix(sc.Text(), "committed "); ok {
			committed, _ = strconv.Atoi(n)
		}
	}
	err = cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
		t.Fatalf("child was not killed mid-way (committed %d, wait %v)", committed, err)
	}
	if committed+1 < crashKillAfter {
		t.Fatalf("child stopped after %d batches without being killed", committed+1)
	}

	ctx := context.Background()
	db, err := Open(path)
	if err != nil {
		t.Fatalf("reopen after SIGKILL: %v", err)
	}
	defer db.Close()
	rep, err := db.Check(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		t.Fatalf("store inconsistent after SIGKILL: %v", rep.Problems)
	}
	ids, err := db.OpportunityIDs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	decoded := 0
	if err := db.ForEachOpportunity(ctx, func(o *passerelle.Opportunity) error { decoded++; return nil }); err != nil {
		t.Fatal(err)
	}
	byTime, err := db.UpdatedSince(ctx, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if decoded != len(ids) || len(byTime) != len(ids) {
		t.Fatalf("%d ids, %d decoded, %d in the updated index", len(ids), decoded, len(byTime))
	}
	// Every batch the child reported committed is there; the one it was writing is
	// there whole or not at all.
	perBatch := func(i int) int { // new opportunities in batch i
		if i == 0 {
			return crashBatch
		}
		return crashBatch / 2
	}
	want := 0
	for i := 0; i <= committed; i++ {
		want += perBatch(i)
	}
	if len(ids) != want && len(ids) != want+perBatch(committed+1) {
		t.Fatalf("%d opportunities after %d committed batches: want %d or %d", len(ids), committed+1, want, want+perBatch(committed+1))
	}
	// Re-put everything the child may have written, and one batch more: known records are
	// recognised, copies find their opportunity, only never-written ones are new.
	before := len(ids)
	news := 0
	for i := 0; i <= committed+2; i++ {
		res, err := db.PutOpportunities(ctx, crashBatchOf(i), t0.Add(time.Duration(i)*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res {
			if r == PutNew {
				news++
			}
		}
	}
	after, _ := db.CountOpportunities(ctx)
	if after != before+news {
		t.Fatalf("re-put: %d before + %d new != %d after", before, news, after)
	}
	total := 0
	for i := 0; i <= committed+2; i++ {
		total += perBatch(i)
	}
	if after != total {
		t.Fatalf("%d opportunities after re-put, want %d distinct", after, total)
	}
	if rep, _ := db.Check(ctx); !rep.OK() {
		t.Fatalf("inconsistent after re-put: %v", rep.Problems)
	}
	aliases := 0
	for i := 1; i <= committed+2; i++ {
		got, err := db.OpportunityWithRevisions(ctx, fmt.Sprintf("pole:%d-%d", i-1, 0))
		if err != nil {
			t.Fatal(err)
		}
		if want := crashOpp(i-1, 0).ID; got.ID != want || !reflect.DeepEqual(got.Sources, []string{"ted", "pole"}) {
			t.Fatalf("copy pole:%d-0 resolves to %s %v, want %s [ted pole]", i-1, got.ID, got.Sources, want)
		}
		// The replay flips the deadline back and forth, each flip a revision: none lost.
		if got.Revision < 2 || len(got.Revisions) != got.Revision-1 {
			t.Fatalf("%s: revision %d with %d stored revisions", got.ID, got.Revision, len(got.Revisions))
		}
		aliases++
	}
	if aliases == 0 {
		t.Fatal("no copies checked")
	}
}

func crashChild(path string) {
	db, err := Open(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	ctx := context.Background()
	for i := 0; i < crashBatches; i++ {
		if _, err := db.PutOpportunities(ctx, crashBatchOf(i), t0.Add(time.Duration(i)*time.Hour)); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		fmt.Printf("committed %d\n", i)
	}
	db.Close()
	os.Exit(0)
}
