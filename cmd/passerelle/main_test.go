package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func noEnv(string) string { return "" }

// runMain runs one command line and returns its exit code and outputs.
func runMain(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Main(context.Background(), args, &out, &errOut, noEnv)
	return code, out.String(), errOut.String()
}

func mustMain(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errOut := runMain(t, args...)
	if code != 0 {
		t.Fatalf("passerelle %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

// server is a `serve`/`demo` running in the background, read line by line.
type server struct {
	cancel context.CancelFunc
	done   chan int
	lines  chan string
	stderr *syncBuffer
}

func startMain(t *testing.T, args ...string) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	s := &server{cancel: cancel, done: make(chan int, 1), lines: make(chan string, 1000), stderr: &syncBuffer{}}
	go func() {
		code := Main(ctx, args, pw, s.stderr, noEnv)
		pw.Close()
		s.done <- code
	}()
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			s.lines <- sc.Text()
		}
		close(s.lines)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-s.done:
		case <-time.After(30 * time.Second):
			t.Error("server did not stop within 30s of cancel")
		}
	})
	return s
}

// want reads lines until one starts with prefix and returns the rest of it.
func (s *server) want(t *testing.T, prefix string) string {
	t.Helper()
	timeout := time.After(2 * time.Minute)
	for {
		select {
		case l, ok := <-s.lines:
			if !ok {
				t.Fatalf("output ended before a %q line; stderr:\n%s", prefix, s.stderr.String())
			}
			if rest, found := strings.CutPrefix(l, prefix); found {
				return strings.TrimSpace(rest)
			}
		case <-timeout:
			t.Fatalf("no %q line within 2 minutes", prefix)
		}
	}
}

// syncBuffer is a buffer the server goroutine writes while the test may read it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func getJSON(t *testing.T, url, key string, wantStatus int, v any) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != wantStatus {
		t.Fatalf("GET %s: status %d, want %d: %s", url, resp.StatusCode, wantStatus, body)
	}
	if v != nil {
		if err := json.Unmarshal(body, v); err != nil {
			t.Fatalf("GET %s: %v: %s", url, err, body)
		}
	}
}

type matchesPage struct {
	Items []struct {
		Opportunity string  `json:"opportunity"`
		Score       float64 `json:"score"`
		Title       string  `json:"title"`
		Explanation struct {
			Contributions []struct {
				Signal   string  `json:"signal"`
				Evidence string  `json:"evidence"`
				Points   float64 `json:"points"`
			} `json:"contributions"`
		} `json:"explanation"`
	} `json:"items"`
	Total int `json:"total"`
}

// checkRankedExplained asserts matches sorted by score, each explained by contributions that add up to it.
func checkRankedExplained(t *testing.T, page matchesPage) {
	t.Helper()
	if len(page.Items) == 0 {
		t.Fatal("no matches")
	}
	for i, m := range page.Items {
		if i > 0 && m.Score > page.Items[i-1].Score {
			t.Errorf("matches not ranked: %v after %v", m.Score, page.Items[i-1].Score)
		}
		sum := 0.0
		for _, c := range m.Explanation.Contributions {
			if c.Evidence == "" {
				t.Errorf("match %s: contribution without evidence: %+v", m.Opportunity, c)
			}
			sum += c.Points
		}
		if len(m.Explanation.Contributions) == 0 || sum < m.Score-0.5 || sum > m.Score+0.5 {
			t.Errorf("match %s: score %.1f but contributions add up to %.1f", m.Opportunity, m.Score, sum)
		}
	}
}

const feedRSS = `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Pôle test — appels</title><link>https://pole.example/</link><description>appels</description>
<item><title>Appel à projets : cybersécurité des PME industrielles</title><link>https://pole.example/appels/cyber</link><guid>cyber-2026</guid>
<pubDate>%s</pubDate><description>Soutien aux audits de sécurité informatique, tests d'intrusion et sensibilisation à la cybersécurité. Date limite : %s</description></item>
<item><title>Call: serious games for vocational training</title><link>https://pole.example/calls/games</link><guid>games-2026</guid>
<pubDate>%s</pubDate><description>Funding for serious games and gamified e-learning. Deadline: %s</description></item>
<item><title>Travaux de voirie et d'égouttage</title><link>https://pole.example/appels/voirie</link><guid>voirie-2026</guid>
<pubDate>%s</pubDate><description>Réfection de voiries communales, asphaltage. Date limite : %s</description></item>
</channel></rss>`

func TestEndToEnd(t *testing.T) {
	now := time.Now()
	deadline := now.AddDate(0, 0, 30).Format("2006-01-02")
	pub := now.AddDate(0, 0, -2).Format(time.RFC1123Z)
	rss := fmt.Sprintf(feedRSS, pub, deadline, pub, deadline, pub, deadline)
	jsonl := fmt.Sprintf(`{"id":"reg-1","kind":"grant","title":"Chèques cybersécurité pour les entreprises","description":"Subvention pour un audit de cybersécurité et un test d'intrusion réalisés par un prestataire labellisé.","language":"fr","country":"BE","cpv":["72212730"],"published":"%s","deadline":"%sT12:00:00"}
{"id":"reg-2","kind":"call","title":"Restauration scolaire","description":"Préparation et livraison de repas pour les écoles.","language":"fr","country":"BE","cpv":["55524000"],"published":"%s","deadline":"%sT12:00:00"}
`, now.Format("2006-01-02"), deadline, now.Format("2006-01-02"), deadline)
	feeds := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/pole.rss":
			w.Header().Set("Content-Type", "application/rss+xml")
			io.WriteString(w, rss)
		case "/region.jsonl":
			io.WriteString(w, jsonl)
		case "/broken.rss":
			io.WriteString(w, "<html><body>502 Bad Gateway</body></html>")
		default:
			http.NotFound(w, r)
		}
	}))
	defer feeds.Close()

	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	sources := write("sources.json", fmt.Sprintf(`[
 {"id":"pole","name":"Pôle test","url":"%[1]s/pole.rss","format":"rss","enabled":true,"language":"fr"},
 {"id":"region","name":"Région","url":"%[1]s/region.jsonl","format":"jsonl","enabled":true},
 {"id":"broken","name":"Broken","url":"%[1]s/broken.rss","format":"auto","enabled":true}]`, feeds.URL))
	members := write("members.json", `[
 {"id":"cyber","name":"Cyber SA","tier":"premium","clusters":["security"],"skills":["cybersécurité","tests d'intrusion","audit de sécurité"],"languages":["fr"]},
 {"id":"basic","name":"Basic SPRL","tier":"basic","clusters":["security"],"skills":["cybersécurité"]}]`)

	mustMain(t, "sources", "import", sources, "--data", data)
	mustMain(t, "members", "import", members, "--data", data)
	// One source is broken: the run goes through, and its exit status (3) tells a cron
	// wrapper that it went through with failures.
	code, out, errOut := runMain(t, "run", "--data", data)
	if code != exitPartial || !strings.Contains(errOut, "1 of 3 sources reported errors") {
		t.Errorf("run with a broken source: exit %d, want %d\n%s", code, exitPartial, errOut)
	}
	if !strings.Contains(out, "source broken:") || !strings.Contains(out, "error:") {
		t.Errorf("run output does not report the broken source:\n%s", out)
	}
	if !strings.Contains(out, "source pole: fetched 1, new 3") {
		t.Errorf("run output does not count the RSS source:\n%s", out)
	}
	memberKey := strings.TrimSpace(strings.SplitN(mustMain(t, "keys", "create", "--role", "member", "--member", "cyber", "--data", data), "key: ", 2)[1])
	basicKey := strings.TrimSpace(strings.SplitN(mustMain(t, "keys", "create", "--role", "member", "--member", "basic", "--data", data), "key: ", 2)[1])

	srv := startMain(t, "serve", "--addr", "127.0.0.1:0", "--data", data)
	url := srv.want(t, "url:")

	var page matchesPage
	getJSON(t, url+"/api/v1/members/cyber/matches", memberKey, 200, &page)
	checkRankedExplained(t, page)
	ids := map[string]bool{}
	for _, m := range page.Items {
		ids[m.Opportunity] = true
	}
	if !ids["pole:cyber-2026"] || !ids["reg-1"] {
		t.Errorf("cyber's matches miss the two cybersecurity calls: %+v", page.Items)
	}
	if ids["pole:voirie-2026"] || ids["reg-2"] {
		t.Errorf("cyber matched off-topic calls: %+v", page.Items)
	}
	getJSON(t, url+"/api/v1/members/basic/matches", basicKey, 403, nil)
	getJSON(t, url+"/api/v1/members/basic/matches", memberKey, 404, nil) // another member's: not revealed
	getJSON(t, url+"/api/v1/members/cyber/matches", "", 401, nil)
}
