package source

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/passerelle/passerelle"
)

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestLoadDirectory(t *testing.T) {
	dir := t.TempDir()
	copyFile(t, "testdata/notices.jsonl", filepath.Join(dir, "ted/notices.jsonl"))
	copyFile(t, "testdata/calls.rss", filepath.Join(dir, "feeds/pole.rss"))
	copyFile(t, "testdata/calls.atom", filepath.Join(dir, "feeds/agency.xml"))
	copyFile(t, "testdata/bad.jsonl", filepath.Join(dir, "more/bad.jsonl"))
	copyFile(t, "testdata/error.html", filepath.Join(dir, "more/oops.xml"))
	src := passerelle.Source{ID: "mix", URL: dir, Format: "auto", Pole: "digital", Language: "fr",
		Clusters: []string{"web"}, Sectors: []string{"public"}, Kind: passerelle.KindCall}
	var f Fetcher
	res, err := f.Load(context.Background(), src, Validators{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Fetched != 5 {
		t.Errorf("fetched %d documents, want 5", res.Fetched)
	}
	// 4 rss + 2 atom + 10 + 2 jsonl
	if len(res.Opportunities) != 18 {
		t.Errorf("got %d opportunities, want 18", len(res.Opportunities))
	}
	// 5 bad records of bad.jsonl + the HTML page.
	if len(res.Errors) != 6 {
		t.Errorf("got %d errors, want 6: %v", len(res.Errors), res.Errors)
	}
	var sawHTML bool
	for _, e := range res.Errors {
		sawHTML = sawHTML || (strings.Contains(e.Error(), "oops.xml") && strings.Contains(e.Error(), "HTML page"))
	}
	if !sawHTML {
		t.Errorf("the HTML page must be reported by name: %v", res.Errors)
	}
	byID := map[string]passerelle.Opportunity{}
	for _, o := range res.Opportunities {
		if o.Source != "mix" || len(o.Sources) != 1 || o.Sources[0] != "mix" || o.Pole != "digital" {
			t.Errorf("%s: source %q sources %v pole %q", o.ID, o.Source, o.Sources, o.Pole)
		}
		if len(o.Clusters) == 0 || len(o.Sectors) == 0 {
			t.Errorf("%s: source defaults not applied: clusters %v sectors %v", o.ID, o.Clusters, o.Sectors)
		}
		byID[o.ID] = o
	}
	tests := []struct {
		id, lang string
		kind     passerelle.Kind
		cpv      string
	}{
		{id: "000002-2019", lang: "en", kind: passerelle.KindAward, cpv: "79000000"}, // JSONL keeps id, language and kind
		{id: "good-1", lang: "fr", kind: passerelle.KindCall, cpv: "72212730"},       // check digit stripped
		{id: "mix:X-9", lang: "fr", kind: passerelle.KindCall},                       // id from external_id, defaults applied
		{id: "mix:appel-2026-017", lang: "fr", kind: passerelle.KindCall, cpv: "72212730"},
		{id: "mix:https://pole.example.be/appels/marche-plateforme-web", cpv: "72413000", lang: "fr", kind: passerelle.KindCall},
		{id: "mix:tag:agentschap.example.be,2026:oproep-iot-zorg", lang: "nl", kind: passerelle.KindCall, cpv: "32441200"},
	}
	for _, tt := range tests {
		o, ok := byID[tt.id]
		if !ok {
			t.Errorf("%s missing", tt.id)
			continue
		}
		if o.Language != tt.lang || o.Kind != tt.kind || strings.Join(o.CPV, ",") != tt.cpv && tt.cpv != "" {
			t.Errorf("%s: language %q kind %q cpv %v; want %q %q %s", tt.id, o.Language, o.Kind, o.CPV, tt.lang, tt.kind, tt.cpv)
		}
	}
	// The duplicate CPV category of the second RSS item is gone.
	if c := byID["mix:https://pole.example.be/appels/marche-plateforme-web"].CPV; len(c) != 1 {
		t.Errorf("CPV not deduplicated: %v", c)
	}
}

func TestLoadNothingReadable(t *testing.T) {
	dir := t.TempDir()
	copyFile(t, "testdata/error.html", filepath.Join(dir, "feed.xml"))
	var f Fetcher
	_, err := f.Load(context.Background(), passerelle.Source{ID: "s", URL: dir}, Validators{})
	if err == nil || !strings.Contains(err.Error(), "nothing could be read") || !strings.Contains(err.Error(), "feed.xml") {
		t.Errorf("err = %v", err)
	}
	_, err = f.Load(context.Background(), passerelle.Source{ID: "s", URL: dir, Format: "pdf"}, Validators{})
	if passerelle.ErrorCode(err) != passerelle.EINVALID {
		t.Errorf("unknown format: %v", err)
	}
	_, err = f.Load(context.Background(), passerelle.Source{ID: "s", URL: dir, Timezone: "Mars/Olympus"}, Validators{})
	if err == nil || !strings.Contains(err.Error(), "Mars/Olympus") {
		t.Errorf("bad zone: %v", err)
	}
}

func TestLoadNotModified(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == `"x"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"x"`)
		http.ServeFile(w, r, "testdata/calls.rss")
	}))
	defer srv.Close()
	var f Fetcher
	src := passerelle.Source{ID: "pole", URL: srv.URL, Format: "rss"}
	res, err := f.Load(context.Background(), src, Validators{})
	if err != nil || len(res.Opportunities) != 4 || res.Validators.ETag != `"x"` || res.Fetched != 1 {
		t.Fatalf("first load: %d opportunities, %+v, %v", len(res.Opportunities), res.Validators, err)
	}
	res, err = f.Load(context.Background(), src, res.Validators)
	if err != nil || !res.NotModified || len(res.Opportunities) != 0 || res.Validators.ETag != `"x"` {
		t.Fatalf("second load: %+v, %v", res, err)
	}
}

func TestLoadFetchFailure(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	var f Fetcher
	_, err := f.Load(context.Background(), passerelle.Source{ID: "pole", URL: srv.URL + "/gone.rss"}, Validators{})
	var he *HTTPError
	if !errors.As(err, &he) || he.StatusCode != 404 || !strings.Contains(err.Error(), "source pole") {
		t.Errorf("err = %v, want an HTTPError 404 naming the source", err)
	}
}

func TestNormalize(t *testing.T) {
	src := passerelle.Source{ID: "s", Language: "FR-be"}
	in := []passerelle.Opportunity{
		{ExternalID: "1", Title: "a", CPV: []string{"72212730-5", "bogus", "722127305", "45000000", "72212730"}},
		{ExternalID: "2", Title: "b", Language: "nl", Kind: passerelle.KindTender},
		{ExternalID: "1", Title: "a, updated"},
	}
	out := Normalize(in, src)
	if len(out) != 2 {
		t.Fatalf("got %d, want 2 (duplicate id merged)", len(out))
	}
	if out[0].ID != "s:1" || out[0].Title != "a, updated" || out[0].Language != "fr" || out[0].Kind != passerelle.KindOther {
		t.Errorf("first = %+v", out[0])
	}
	if out[1].ID != "s:2" || out[1].Language != "nl" || out[1].Kind != passerelle.KindTender {
		t.Errorf("second = %+v", out[1])
	}
	if got := strings.Join(Normalize([]passerelle.Opportunity{in[0]}, src)[0].CPV, ","); got != "72212730,45000000" {
		t.Errorf("cpv = %s", got)
	}
}
