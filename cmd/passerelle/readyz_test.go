//go:build linux

package main

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// TestReadyzWhileStoreCannotBeWritten: a running server whose files can no longer grow or be
// written (its RLIMIT_FSIZE lowered from outside to one page: every bbolt page write fails
// with EFBIG, as on a full disk) answers /readyz 503 naming the store, while /healthz stays
// 200; once writes work again, /readyz is 200 again without a restart.
func TestReadyzWhileStoreCannotBeWritten(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns a child process")
	}
	data := filepath.Join(t.TempDir(), "data")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	// A file size limit that never bites, so that the child ignores SIGXFSZ (a write past
	// the limit then fails instead of killing the process).
	cmd.Env = append(os.Environ(), childEnv+"="+strings.Join([]string{"serve", "--addr", "127.0.0.1:0", "--data", data}, "\x1f"),
		fmt.Sprintf("%s=%d", fsizeEnv, uint64(1)<<62))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			t.Error("server did not stop within 30s of SIGTERM")
		}
	})
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "url: "); ok {
				urls <- u
			}
		}
		close(urls)
	}()
	var base string
	select {
	case base = <-urls:
	case <-time.After(2 * time.Minute):
		t.Fatalf("no url line from the server; stderr:\n%s", stderr.String())
	}
	if base == "" {
		t.Fatalf("the server ended before serving; stderr:\n%s", stderr.String())
	}
	get := func(path string) (int, string) {
		t.Helper()
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if st, body := get("/readyz"); st != 200 {
		t.Fatalf("/readyz of a healthy server: %d %s", st, body)
	}

	var old syscall.Rlimit
	if err := prlimit(cmd.Process.Pid, nil, &old); err != nil {
		t.Skipf("cannot read the child's limits: %v", err)
	}
	if err := prlimit(cmd.Process.Pid, &syscall.Rlimit{Cur: 4096, Max: old.Max}, nil); err != nil {
		t.Skipf("cannot lower the child's file size limit: %v", err)
	}
	st, body := get("/readyz")
	if st != http.StatusServiceUnavailable || !strings.Contains(body, "Store cannot be written") {
		t.Errorf("/readyz while the store cannot be written: %d %s; want 503 naming the store", st, body)
	}
	if st, _ := get("/healthz"); st != 200 {
		t.Errorf("/healthz while the store cannot be written: %d; want 200 (the process is alive)", st)
	}

	if err := prlimit(cmd.Process.Pid, &old, nil); err != nil {
		t.Fatal(err)
	}
	if st, body := get("/readyz"); st != 200 {
		t.Errorf("/readyz once writes work again: %d %s; want 200", st, body)
	}
}

// prlimit gets (old) and sets (lim) another process's RLIMIT_FSIZE (prlimit(2)).
func prlimit(pid int, lim, old *syscall.Rlimit) error {
	_, _, errno := syscall.RawSyscall6(syscall.SYS_PRLIMIT64, uintptr(pid), uintptr(syscall.RLIMIT_FSIZE),
		uintptr(unsafe.Pointer(lim)), uintptr(unsafe.Pointer(old)), 0, 0)
	if errno != 0 {
		return errno
	}
	return nil
}
