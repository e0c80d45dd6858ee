package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// With allow_local_sources = false, a source naming a local file is refused wherever it
// could come in: imported, saved or tested through the API (a problem naming `url`), and at
// run time when it was stored before the setting changed. http(s) sources go on working.
func TestLocalSourcesSwitchedOff(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	feed := filepath.Join(dir, "feed.jsonl")
	if err := os.WriteFile(feed, []byte(`{"id":"x-1","title":"Audit de cybersécurité","language":"fr"}`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	off := filepath.Join(dir, "off.toml")
	if err := os.WriteFile(off, []byte("allow_local_sources = false\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	srcs := filepath.Join(dir, "sources.json")
	if err := os.WriteFile(srcs, []byte(fmt.Sprintf(`[{"id":"local","name":"Local","url":%q,"format":"jsonl","enabled":true}]`, feed)), 0o600); err != nil {
		t.Fatal(err)
	}

	code, _, errOut := runMain(t, "sources", "import", srcs, "--data", data, "--config", off)
	if code == 0 || !strings.Contains(errOut, "url: local paths are switched off") {
		t.Errorf("sources import of a local path with the setting off: exit %d, stderr %q", code, errOut)
	}

	// Stored while allowed (the default), then run with the setting off: the source fails
	// and says why; nothing is read from the file.
	mustMain(t, "sources", "import", srcs, "--data", data)
	code, out, _ := runMain(t, "run", "--data", data, "--config", off)
	if code == 0 || !strings.Contains(out, "local paths are switched off") || !strings.Contains(out, "new 0") {
		t.Errorf("run of a stored local source with the setting off: exit %d\n%s", code, out)
	}
	if got := mustMain(t, "export", "opportunities", "--data", data); strings.Contains(got, "x-1") {
		t.Errorf("the local file was read: %s", got)
	}

	key := strings.TrimSpace(strings.SplitN(mustMain(t, "keys", "create", "--role", "staff", "--data", data), "key: ", 2)[1])
	feeds := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"id":"y-1","title":"Plateforme IoT","language":"fr"}`+"\n")
	}))
	defer feeds.Close()
	srv := startMain(t, "serve", "--addr", "127.0.0.1:0", "--data", data, "--config", off)
	base := srv.want(t, "url:")
	post := func(path, body string) (int, problemBody) {
		t.Helper()
		req, _ := http.NewRequest("POST", base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var p problemBody
		b, _ := io.ReadAll(resp.Body)
		_ = json.Unmarshal(b, &p)
		return resp.StatusCode, p
	}
	for _, u := range []string{feed, "file://" + feed, dir} {
		body := fmt.Sprintf(`{"id":"local2","name":"Local","url":%q,"format":"jsonl","enabled":true}`, u)
		for _, path := range []string{"/api/v1/sources", "/api/v1/source-tests"} {
			status, p := post(path, body)
			if status != 400 || len(p.Errors) != 1 || p.Errors[0].Path != "url" || !strings.Contains(p.Errors[0].Message, "allow_local_sources") {
				t.Errorf("POST %s with url %q: status %d, problem %+v; want 400 naming url", path, u, status, p)
			}
		}
	}
	if status, p := post("/api/v1/sources", fmt.Sprintf(`{"id":"web","name":"Web","url":%q,"format":"jsonl","enabled":true}`, feeds.URL+"/feed.jsonl")); status != 201 {
		t.Errorf("an http source with local paths off: status %d %+v, want 201", status, p)
	}
}

type problemBody struct {
	Title  string `json:"title"`
	Errors []struct {
		Path    string `json:"path"`
		Message string `json:"message"`
	} `json:"errors"`
}
