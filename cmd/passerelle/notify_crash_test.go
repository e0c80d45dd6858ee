package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// mailpitForCrash finds the mailpit binary the notify tests build (see notify/mailpit_test.go):
// $PASSERELLE_MAILPIT, mailpit on PATH, or the user cache. It is not built from here.
func mailpitForCrash(t *testing.T) string {
	if p := os.Getenv("PASSERELLE_MAILPIT"); p != "" {
		return p
	}
	if p, err := exec.LookPath("mailpit"); err == nil {
		return p
	}
	if cache, err := os.UserCacheDir(); err == nil {
		bin := filepath.Join(cache, "passerelle-test", "mailpit-v1.33.1", "mailpit")
		if _, err := os.Stat(bin); err == nil {
			return bin
		}
	}
	t.Skip("mailpit not found: run the notify tests once (they build it), or set PASSERELLE_MAILPIT")
	return ""
}

func loopbackAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// startPlainMailpit runs mailpit without TLS on free loopback ports and returns its SMTP
// address and API base.
func startPlainMailpit(t *testing.T) (smtpAddr, api string) {
	bin := mailpitForCrash(t)
	dir := t.TempDir()
	smtpAddr, api = loopbackAddr(t), "http://"+loopbackAddr(t)
	var logs bytes.Buffer
	cmd := exec.Command(bin, "--smtp", smtpAddr, "--listen", strings.TrimPrefix(api, "http://"),
		"--database", filepath.Join(dir, "mailpit.db"), "--smtp-auth-accept-any", "--smtp-auth-allow-insecure",
		"--smtp-disable-rdns", "--disable-version-check")
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("start mailpit: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("mailpit:\n%s", logs.String())
		}
	})
	// Waiting for a process to come up is not a timed assertion: the bound only turns a
	// hang into a clear failure.
	for deadline := time.Now().Add(60 * time.Second); ; {
		if resp, err := http.Get(api + "/api/v1/info"); err == nil {
			resp.Body.Close()
			if c, err := net.Dial("tcp", smtpAddr); err == nil {
				c.Close()
				return smtpAddr, api
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("mailpit did not come up:\n%s", logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// slowRelay stands between Passerelle and mailpit like a relay that is slow to acknowledge:
// once armed, after the first message's end of DATA has reached mailpit (the message is
// accepted), it holds mailpit's "250" back and reports it. Killing the sender then is the
// worst moment: delivered, not yet recorded.
type slowRelay struct {
	ln       net.Listener
	upstream string
	mu       sync.Mutex
	held     bool
	dataEnd  chan struct{}
}

func newSlowRelay(t *testing.T, upstream string) *slowRelay {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &slowRelay{ln: ln, upstream: upstream, dataEnd: make(chan struct{})}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go r.serve(c)
		}
	}()
	return r
}

func (r *slowRelay) serve(client net.Conn) {
	defer client.Close()
	server, err := net.Dial("tcp", r.upstream)
	if err != nil {
		return
	}
	defer server.Close()
	hold := make(chan struct{})
	go func() {
		// client → server, watching for the end of DATA.
		var tail []byte
		buf := make([]byte, 32<<10)
		for {
			n, err := client.Read(buf)
			if n > 0 {
				if _, werr := server.Write(buf[:n]); werr != nil {
					return
				}
				tail = append(tail, buf[:n]...)
				if len(tail) > 8<<10 {
					tail = tail[len(tail)-16:]
				}
				if bytes.Contains(tail, []byte("\r\n.\r\n")) {
					r.mu.Lock()
					first := !r.held
					r.held = true
					r.mu.Unlock()
					if first {
						close(hold)
						close(r.dataEnd)
					}
					tail = nil
				}
			}
			if err != nil {
				return
			}
		}
	}()
	// server → client, stopped for good once this connection's message is held.
	buf := make([]byte, 32<<10)
	for {
		select {
		case <-hold:
			<-make(chan struct{}) // hold the reply until the sender dies
		default:
		}
		_ = server.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
		n, err := server.Read(buf)
		select {
		case <-hold:
			<-make(chan struct{})
		default:
		}
		if n > 0 {
			if _, werr := client.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				continue
			}
			return
		}
	}
}

type mailpitSummary struct {
	ID        string
	MessageID string
	Subject   string
	To        []struct{ Address string }
}

func mailpitMessages(t *testing.T, api string) []mailpitSummary {
	t.Helper()
	resp, err := http.Get(api + "/api/v1/messages?limit=500")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var list struct{ Messages []mailpitSummary }
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, &list); err != nil {
		t.Fatalf("mailpit messages: %v: %s", err, b)
	}
	return list.Messages
}

// TestKillDuringNotify: SIGKILL a `notify` while the relay is slow to acknowledge the first
// digest (accepted by the relay, not yet recorded by Passerelle). After a plain `notify`:
// every member has received exactly one digest — one Message-ID — and the digest whose
// acknowledgement the kill cut off was resent under the same Message-ID (a resend after a
// kill between "accepted" and "recorded" is unavoidable with SMTP; the receiver sees the
// same message twice, not two digests). A third `notify` sends nothing.
func TestKillDuringNotify(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns mailpit and a child process")
	}
	smtpAddr, api := startPlainMailpit(t)
	relay := newSlowRelay(t, smtpAddr)
	dir := t.TempDir()
	data := filepath.Join(dir, "data")

	deadline := time.Now().AddDate(0, 1, 0).UTC().Format(time.RFC3339)
	var feed bytes.Buffer
	for i, title := range []string{
		"Audit de cybersécurité des hôpitaux et tests d'intrusion",
		"Cybersécurité : accompagnement NIS2 et tests d'intrusion des PME",
		"Centre opérationnel de cybersécurité (SOC) et tests d'intrusion",
	} {
		fmt.Fprintf(&feed, `{"id": "crash-%d", "kind": "call", "title": %q, "language": "fr", "country": "BE", "deadline": %q}`+"\n", i, title, deadline)
	}
	feedPath := filepath.Join(dir, "calls.jsonl")
	members := filepath.Join(dir, "members.json")
	var ms []string
	for _, id := range []string{"alpha", "bravo", "charlie"} {
		ms = append(ms, fmt.Sprintf(`{"id": %q, "name": %q, "tier": "premium", "clusters": ["security"], "skills": ["cybersécurité", "tests d'intrusion"],
			"contacts": [{"name": "Contact", "email": "veille@%s.example"}], "notify": {"frequency": "daily", "channels": ["email"]}}`, id, id, id))
	}
	for path, body := range map[string]string{feedPath: feed.String(), members: "[" + strings.Join(ms, ",") + "]"} {
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	mustMain(t, "members", "import", members, "--data", data)
	mustMain(t, "ingest", "--data", data, "--source", "crash", feedPath)

	config := func(addr string) string {
		p := filepath.Join(dir, "config-"+strings.ReplaceAll(addr, ":", "_")+".toml")
		body := fmt.Sprintf("smtp = \"smtp://%s\"\nmail_from = \"Passerelle <veille@passerelle.example>\"\n", addr)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+strings.Join([]string{"notify", "--data", data, "--config", config(relay.ln.Addr().String())}, "\x1f"))
	var childOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &childOut, &childOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case <-relay.dataEnd:
		_ = cmd.Process.Signal(syscall.SIGKILL)
		<-exited
	case err := <-exited:
		t.Fatalf("notify ended before its first digest was acknowledged (%v):\n%s", err, childOut.String())
	case <-time.After(2 * time.Minute):
		_ = cmd.Process.Kill()
		t.Fatalf("notify never sent a digest:\n%s", childOut.String())
	}
	// The digest cut off is in mailpit (accepted at the end of DATA); wait for it to show.
	for start := time.Now(); len(mailpitMessages(t, api)) == 0; time.Sleep(20 * time.Millisecond) {
		if time.Since(start) > time.Minute {
			t.Fatal("the first digest never reached mailpit")
		}
	}
	killed := mailpitMessages(t, api)[0]

	out := mustMain(t, "notify", "--data", data, "--config", config(smtpAddr))
	t.Logf("notify after the kill: %s", strings.TrimSpace(out))

	byMember := map[string]map[string]int{} // recipient → Message-ID → copies
	for _, m := range mailpitMessages(t, api) {
		for _, to := range m.To {
			if byMember[to.Address] == nil {
				byMember[to.Address] = map[string]int{}
			}
			byMember[to.Address][m.MessageID]++
		}
	}
	for _, id := range []string{"alpha", "bravo", "charlie"} {
		addr := "veille@" + id + ".example"
		got := byMember[addr]
		if len(got) != 1 {
			t.Errorf("%s received %d different digests, want exactly one: %v", addr, len(got), got)
			continue
		}
		for mid, n := range got {
			switch {
			case killed.To[0].Address == addr && (n != 2 || mid != killed.MessageID):
				t.Errorf("%s (cut off by the kill) got %d copies of %s, want the resend under %s", addr, n, mid, killed.MessageID)
			case killed.To[0].Address != addr && n != 1:
				t.Errorf("%s got %d copies of its digest, want 1", addr, n)
			}
		}
	}

	before := len(mailpitMessages(t, api))
	mustMain(t, "notify", "--data", data, "--config", config(smtpAddr))
	if after := len(mailpitMessages(t, api)); after != before {
		t.Errorf("a third notify sent %d more messages", after-before)
	}
}

// TestFailingWebhookRetriedAlone: a member with e-mail and webhook, the webhook answering
// 500. `run` sends the e-mail (to a real SMTP server), records the webhook failed and ends
// partial (exit 3); `notify` tries the webhook again while it fails (exit 3 again); the next
// `notify` tries the webhook again with the same webhook-id and does not send the
// e-mail again; once delivered, nothing more goes. The webhook URL is accepted at import
// only because the configuration allows the loopback receiver, and refused otherwise.
func TestFailingWebhookRetriedAlone(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns mailpit")
	}
	smtpAddr, api := startPlainMailpit(t)
	var mu sync.Mutex
	var ids []string
	status := http.StatusInternalServerError
	hook := http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		ids = append(ids, r.Header.Get("webhook-id"))
		w.WriteHeader(status)
		io.WriteString(w, "internal detail that must not be stored")
	})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go hook.Serve(ln)
	t.Cleanup(func() { hook.Close() })

	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	deadline := time.Now().AddDate(0, 1, 0).UTC().Format(time.RFC3339)
	feedPath := filepath.Join(dir, "calls.jsonl")
	members := filepath.Join(dir, "members.json")
	cfg := filepath.Join(dir, "passerelle.toml")
	strict := filepath.Join(dir, "strict.toml")
	files := map[string]string{
		feedPath: fmt.Sprintf(`{"id": "hook-1", "kind": "call", "title": "Audit de cybersécurité et tests d'intrusion", "language": "fr", "deadline": %q}`+"\n", deadline),
		members: fmt.Sprintf(`[{"id": "both", "name": "Both", "tier": "premium", "clusters": ["security"], "skills": ["cybersécurité", "tests d'intrusion"],
			"contacts": [{"email": "veille@both.example"}], "notify": {"frequency": "daily", "channels": ["email", "webhook"], "webhook_url": "http://%s/hook"}}]`, ln.Addr()),
		cfg:    fmt.Sprintf("smtp = \"smtp://%s\"\nwebhook_secret = \"s3cret\"\nwebhook_http_hosts = \"127.0.0.1\"\nwebhook_allow_nets = \"127.0.0.1/32\"\n", smtpAddr),
		strict: fmt.Sprintf("smtp = \"smtp://%s\"\nwebhook_secret = \"s3cret\"\n", smtpAddr),
	}
	for p, body := range files {
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// Without the allow-list, the loopback webhook is refused at import, naming the field.
	code, _, errOut := runMain(t, "members", "import", members, "--data", data, "--config", strict)
	if code == 0 || !strings.Contains(errOut, "notify.webhook_url") {
		t.Fatalf("import of a loopback webhook without allow-list: exit %d: %s", code, errOut)
	}
	mustMain(t, "members", "import", members, "--data", data, "--config", cfg)
	mustMain(t, "ingest", "--data", data, "--source", "hooks", feedPath)

	// The run that sends the digests is partial, not ok: exit 3, the failed channel named.
	code, out, errOut := runMain(t, "run", "--data", data, "--config", cfg)
	if code != exitPartial || strings.Contains(out+errOut, "internal detail") ||
		!strings.Contains(out, ": partial") || !strings.Contains(out, "channel webhook: sent 0, failed 1") || !strings.Contains(errOut, "1 deliveries failed") {
		t.Errorf("run with a failing webhook: exit %d (want %d, partial, the channel's failure named, the answer body never shown):\n%s%s", code, exitPartial, out, errOut)
	}
	// A notify while it still fails retries the webhook alone, and says it failed too.
	if code, out, errOut := runMain(t, "notify", "--data", data, "--config", cfg); code != exitPartial || strings.Contains(out+errOut, "internal detail") {
		t.Errorf("notify with a failing webhook: exit %d (want %d), and the answer body must not show:\n%s%s", code, exitPartial, out, errOut)
	}
	msgs := mailpitMessages(t, api)
	mu.Lock()
	first := len(ids)
	mu.Unlock()
	if len(msgs) != 1 || first == 0 {
		t.Fatalf("first notify: %d e-mails, %d webhook calls; want 1 e-mail and the webhook tried", len(msgs), first)
	}
	mu.Lock()
	status = http.StatusNoContent
	mu.Unlock()
	mustMain(t, "notify", "--data", data, "--config", cfg)
	mustMain(t, "notify", "--data", data, "--config", cfg)
	if got := mailpitMessages(t, api); len(got) != 1 {
		t.Errorf("the e-mail was sent %d times, want once", len(got))
	}
	mu.Lock()
	defer mu.Unlock()
	if len(ids) != first+1 {
		t.Errorf("%d webhook calls after the retry run, want %d (one retry, then nothing)", len(ids), first+1)
	}
	for i, id := range ids {
		if id == "" || id != ids[0] {
			t.Errorf("webhook call %d has id %q, the first had %q", i+1, id, ids[0])
		}
	}
	if !strings.Contains(msgs[0].MessageID, ids[0]) {
		t.Errorf("Message-ID %q and webhook-id %q are not the same digest id", msgs[0].MessageID, ids[0])
	}
}
