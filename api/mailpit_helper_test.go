package api_test

import (
	"bytes"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// mailpit (github.com/axllent/mailpit) is a real SMTP server with an HTTP API. The notify
// tests build it into the user cache when missing; here it is only found ($PASSERELLE_MAILPIT,
// PATH, the notify tests' cache) and the test skips without it.
func mailpitBin(t *testing.T) string {
	if p := os.Getenv("PASSERELLE_MAILPIT"); p != "" {
		return p
	}
	if p, err := exec.LookPath("mailpit"); err == nil {
		return p
	}
	if cache, err := os.UserCacheDir(); err == nil {
		matches, _ := filepath.Glob(filepath.Join(cache, "passerelle-test", "mailpit-*", "mailpit"))
		if len(matches) > 0 {
			return matches[len(matches)-1]
		}
	}
	t.Skip("no mailpit binary (run go test ./notify once to build it, or set PASSERELLE_MAILPIT)")
	return ""
}

type mailpit struct{ smtp, api string }

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func startMailpitAPI(t *testing.T) *mailpit {
	bin := mailpitBin(t)
	mp := &mailpit{smtp: freeAddr(t), api: "http://" + freeAddr(t)}
	var logs bytes.Buffer
	cmd := exec.Command(bin, "--smtp", mp.smtp, "--listen", strings.TrimPrefix(mp.api, "http://"),
		"--database", filepath.Join(t.TempDir(), "mailpit.db"), "--smtp-auth-accept-any", "--smtp-auth-allow-insecure",
		"--smtp-disable-rdns", "--disable-version-check")
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("start mailpit: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("mailpit output:\n%s", logs.String())
		}
	})
	// A bound on waiting for a process to come up, not a timed assertion.
	deadline := time.Now().Add(60 * time.Second)
	for {
		if resp, err := http.Get(mp.api + "/api/v1/info"); err == nil {
			resp.Body.Close()
			if c, err := net.Dial("tcp", mp.smtp); err == nil && resp.StatusCode == 200 {
				c.Close()
				return mp
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("mailpit did not come up:\n%s", logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (mp *mailpit) get(t *testing.T, path string, v any) {
	t.Helper()
	resp, err := http.Get(mp.api + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("mailpit GET %s: %s", path, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}
