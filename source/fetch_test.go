package source

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/passerelle/passerelle"
)

// noSleep records the waits a Fetcher asked for, without waiting.
type noSleep struct{ waits []time.Duration }

func (n *noSleep) sleep(ctx context.Context, d time.Duration) error {
	n.waits = append(n.waits, d)
	return ctx.Err()
}

func TestFetchConditionalGET(t *testing.T) {
	const etag = `"v1"`
	const lastMod = "Mon, 12 Jan 2026 09:30:00 GMT"
	var gotUA string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotUA = r.Header.Get("User-Agent")
		if r.Header.Get("If-None-Match") == etag || r.Header.Get("If-Modified-Since") == lastMod {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		w.Header().Set("Last-Modified", lastMod)
		w.Write([]byte("<rss/>"))
	}))
	defer srv.Close()
	var f Fetcher
	ctx := context.Background()

	first, err := f.Fetch(ctx, srv.URL, Validators{})
	if err != nil {
		t.Fatal(err)
	}
	if first.NotModified || len(first.Docs) != 1 || string(first.Docs[0].Body) != "<rss/>" || first.Docs[0].Name != srv.URL {
		t.Fatalf("first fetch = %+v", first)
	}
	if first.Validators != (Validators{ETag: etag, LastModified: lastMod}) {
		t.Errorf("validators = %+v", first.Validators)
	}
	if gotUA != DefaultUserAgent {
		t.Errorf("User-Agent = %q", gotUA)
	}
	for _, prev := range []Validators{first.Validators, {ETag: etag}, {LastModified: lastMod}} {
		again, err := f.Fetch(ctx, srv.URL, prev)
		if err != nil {
			t.Fatal(err)
		}
		if !again.NotModified || len(again.Docs) != 0 {
			t.Errorf("prev %+v: got %+v, want NotModified", prev, again)
		}
		if again.Validators != prev {
			t.Errorf("a 304 must keep the validators: got %+v, want %+v", again.Validators, prev)
		}
	}
}

func TestFetchRetries(t *testing.T) {
	date := time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat)
	tests := []struct {
		name      string
		statuses  []int // answers before success; 0 = success
		retryHdr  string
		retries   int
		wantErr   string
		wantCalls int
		checkWait func(t *testing.T, waits []time.Duration)
	}{
		{name: "500 then success", statuses: []int{500, 0}, wantCalls: 2,
			checkWait: func(t *testing.T, w []time.Duration) {
				if len(w) != 1 || w[0] < backoffBase/2 || w[0] > backoffBase {
					t.Errorf("waits = %v, want one backoff in [%v, %v]", w, backoffBase/2, backoffBase)
				}
			}},
		{name: "backoff grows", statuses: []int{503, 502, 500, 0}, wantCalls: 4,
			checkWait: func(t *testing.T, w []time.Duration) {
				if len(w) != 3 || w[2] < 2*backoffBase {
					t.Errorf("waits = %v, want 3 growing waits", w)
				}
			}},
		{name: "Retry-After seconds", statuses: []int{429, 0}, retryHdr: "7", wantCalls: 2,
			checkWait: func(t *testing.T, w []time.Duration) {
				if len(w) != 1 || w[0] != 7*time.Second {
					t.Errorf("waits = %v, want [7s]", w)
				}
			}},
		{name: "Retry-After HTTP date", statuses: []int{503, 0}, retryHdr: date, wantCalls: 2,
			checkWait: func(t *testing.T, w []time.Duration) {
				if len(w) != 1 || w[0] < 60*time.Second || w[0] > 91*time.Second {
					t.Errorf("waits = %v, want about 90s", w)
				}
			}},
		{name: "Retry-After capped", statuses: []int{503, 0}, retryHdr: "86400", wantCalls: 2,
			checkWait: func(t *testing.T, w []time.Duration) {
				if len(w) != 1 || w[0] != maxWait {
					t.Errorf("waits = %v, want [%v]", w, maxWait)
				}
			}},
		{name: "gives up", statuses: []int{500, 500, 500, 500, 500}, wantErr: "500 Internal Server Error (after 4 attempts)", wantCalls: 4},
		{name: "no retry on 404", statuses: []int{404, 0}, wantErr: "404 Not Found", wantCalls: 1},
		{name: "no retry on 403", statuses: []int{403, 0}, wantErr: "403 Forbidden", wantCalls: 1},
		{name: "retries off", statuses: []int{500, 0}, retries: -1, wantErr: "500", wantCalls: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				n := int(calls.Add(1)) - 1
				if n < len(tt.statuses) && tt.statuses[n] != 0 {
					if tt.retryHdr != "" {
						w.Header().Set("Retry-After", tt.retryHdr)
					}
					w.WriteHeader(tt.statuses[n])
					return
				}
				w.Write([]byte("ok"))
			}))
			defer srv.Close()
			ns := &noSleep{}
			f := Fetcher{Sleep: ns.sleep, Retries: tt.retries}
			res, err := f.Fetch(context.Background(), srv.URL+"/feed", Validators{})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), srv.URL+"/feed") {
					t.Errorf("err = %v, want one naming the URL and %q", err, tt.wantErr)
				}
			} else if err != nil || string(res.Docs[0].Body) != "ok" {
				t.Errorf("got %+v, %v", res, err)
			}
			if got := int(calls.Load()); got != tt.wantCalls {
				t.Errorf("server called %d times, want %d", got, tt.wantCalls)
			}
			if tt.checkWait != nil {
				tt.checkWait(t, ns.waits)
			}
		})
	}
}

func TestFetchNetworkErrorRetried(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	url := srv.URL
	srv.Close() // connection refused from now on
	ns := &noSleep{}
	f := Fetcher{Sleep: ns.sleep, Retries: 2}
	_, err := f.Fetch(context.Background(), url, Validators{})
	if err == nil || !strings.Contains(err.Error(), url) || len(ns.waits) != 2 {
		t.Errorf("err = %v after %d waits; want an error naming the URL after 2 retries", err, len(ns.waits))
	}
}

func TestFetchBodyCap(t *testing.T) {
	big := strings.Repeat("x", 2048)
	tests := []struct {
		name    string
		handler http.HandlerFunc
	}{
		{"content-length", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(big + "!")) }},
		{"chunked", func(w http.ResponseWriter, r *http.Request) {
			for i := 0; i < 4; i++ {
				w.Write([]byte(big[:512]))
				w.(http.Flusher).Flush()
			}
			w.Write([]byte("!"))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				tt.handler(w, r)
			}))
			defer srv.Close()
			f := Fetcher{MaxBytes: 2048, Sleep: (&noSleep{}).sleep}
			_, err := f.Fetch(context.Background(), srv.URL, Validators{})
			var tl *TooLargeError
			if !errors.As(err, &tl) || !strings.Contains(err.Error(), srv.URL) || !strings.Contains(err.Error(), "2 KiB") {
				t.Errorf("err = %v, want a TooLargeError naming the URL and the cap", err)
			}
			if calls.Load() != 1 {
				t.Errorf("a too large body must not be retried (%d calls)", calls.Load())
			}
		})
	}
	// Exactly at the cap is fine.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(big)) }))
	defer srv.Close()
	f := Fetcher{MaxBytes: int64(len(big))}
	if _, err := f.Fetch(context.Background(), srv.URL, Validators{}); err != nil {
		t.Errorf("body at the cap: %v", err)
	}
}

func TestFetchTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	f := Fetcher{Client: &http.Client{Timeout: 50 * time.Millisecond}, Retries: -1}
	_, err := f.Fetch(context.Background(), srv.URL, Validators{})
	if err == nil || !strings.Contains(err.Error(), srv.URL) {
		t.Fatalf("err = %v, want a timeout naming the URL", err)
	}
	// Cancelling the context stops retries at once.
	ctx, cancel := context.WithCancel(context.Background())
	ns := &noSleep{}
	f = Fetcher{Client: &http.Client{Timeout: time.Minute}, Sleep: ns.sleep}
	go func() { time.Sleep(20 * time.Millisecond); cancel() }()
	_, err = f.Fetch(ctx, srv.URL, Validators{})
	if !errors.Is(err, context.Canceled) || len(ns.waits) != 0 {
		t.Errorf("err = %v after %d waits; want context.Canceled, no retry", err, len(ns.waits))
	}
}

func TestFetchHTMLInsteadOfFeed(t *testing.T) {
	page, err := os.ReadFile("testdata/error.html")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write(page) // 200 OK with an error page: what captive portals and CMSs do
	}))
	defer srv.Close()
	var f Fetcher
	for _, format := range []string{"auto", "rss"} {
		_, err := f.Load(context.Background(), passerelle.Source{ID: "pole", URL: srv.URL + "/feed", Format: format}, Validators{})
		if err == nil || !strings.Contains(err.Error(), srv.URL+"/feed") {
			t.Errorf("format %s: err = %v, want a clear error naming the URL", format, err)
		}
		if format == "auto" && !strings.Contains(err.Error(), "HTML page") {
			t.Errorf("auto: err = %v, want it to say an HTML page came back", err)
		}
	}
}

func TestFetchLocal(t *testing.T) {
	dir := t.TempDir()
	write := func(p, s string) {
		full := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("b.jsonl", "b")
	write("a.jsonl", "a")
	write("sub/c.rss", "c")
	write(".hidden", "h")
	write(".git/config", "g")
	write("sub/.DS_Store", "d")
	var f Fetcher
	res, err := f.Fetch(context.Background(), dir, Validators{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, d := range res.Docs {
		names = append(names, strings.TrimPrefix(d.Name, dir+string(filepath.Separator)))
	}
	if got := strings.Join(names, ","); got != "a.jsonl,b.jsonl,sub/c.rss" {
		t.Errorf("documents = %s", got)
	}
	one, err := f.Fetch(context.Background(), "file://"+filepath.Join(dir, "a.jsonl"), Validators{})
	if err != nil || len(one.Docs) != 1 || string(one.Docs[0].Body) != "a" {
		t.Errorf("single file = %+v, %v", one, err)
	}
	_, err = f.Fetch(context.Background(), filepath.Join(dir, "missing.rss"), Validators{})
	if passerelle.ErrorCode(err) != passerelle.ENOTFOUND || !strings.Contains(err.Error(), "missing.rss") {
		t.Errorf("missing file: %v", err)
	}
	// A file over the cap in a directory is reported; the others are read.
	write("z-big.jsonl", strings.Repeat("z", 100))
	small := Fetcher{MaxBytes: 10}
	res, err = small.Fetch(context.Background(), dir, Validators{})
	if err != nil || len(res.Docs) != 3 || len(res.Errors) != 1 || !strings.Contains(res.Errors[0].Error(), "z-big.jsonl") {
		t.Errorf("capped directory: %d docs, errors %v, err %v", len(res.Docs), res.Errors, err)
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		h    string
		want time.Duration
	}{
		{"", 0},
		{"120", 2 * time.Minute},
		{"0", time.Millisecond},
		{"Thu, 01 Jan 2026 12:00:30 GMT", 30 * time.Second},
		{"Thu, 01 Jan 2026 11:00:00 GMT", time.Millisecond},
		{"soon", 0},
	}
	for _, tt := range tests {
		if got := retryAfter(tt.h, now); got != tt.want {
			t.Errorf("retryAfter(%q) = %v, want %v", tt.h, got, tt.want)
		}
	}
}
