package source

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/passerelle/passerelle"
)

// sharedData is the real data set beside the repository (absent on a fresh clone).
var sharedData = flag.String("shared", "../../shared/data", "path of the shared real data set")

var showMismatches = flag.Int("mismatches", 0, "print up to N mismatches per field in TestSharedTEDAgreement")

// expected is what notices.jsonl says of one notice.
type expected struct {
	ID            string   `json:"id"`
	Title         string   `json:"title"`
	Description   string   `json:"description"`
	CPV           []string `json:"cpv"`
	NUTS          []string `json:"nuts"`
	Deadline      *string  `json:"deadline"`
	DeadlineCoded *string  `json:"deadline_coded"`
	Buyer         string   `json:"buyer"`
	Country       string   `json:"country"`
	Kind          string   `json:"kind"`
	Language      string   `json:"language"`
	Format        string   `json:"format"`
	SourceFile    string   `json:"source_file"`
}

func readExpected(t testing.TB, path string) []expected {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []expected
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		var e expected
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
	return out
}

// agreement compares one parsed notice with its expectation, field by field.
func agreement(e expected, o passerelle.Opportunity) map[string]string {
	diff := map[string]string{}
	norm := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	if norm(o.Title) != norm(e.Title) {
		diff["title"] = fmt.Sprintf("%q ≠ %q", o.Title, e.Title)
	}
	if strings.Join(normalizeCPVs(o.CPV), ",") != strings.Join(e.CPV, ",") {
		diff["cpv"] = fmt.Sprintf("%v ≠ %v", o.CPV, e.CPV)
	}
	if strings.Join(o.NUTS, ",") != strings.Join(e.NUTS, ",") {
		diff["nuts"] = fmt.Sprintf("%v ≠ %v", o.NUTS, e.NUTS)
	}
	if norm(o.Buyer) != norm(e.Buyer) {
		diff["buyer"] = fmt.Sprintf("%q ≠ %q", o.Buyer, e.Buyer)
	}
	if o.Country != e.Country {
		diff["country"] = fmt.Sprintf("%q ≠ %q", o.Country, e.Country)
	}
	if string(o.Kind) != e.Kind {
		diff["kind"] = fmt.Sprintf("%q ≠ %q", o.Kind, e.Kind)
	}
	if o.Language != e.Language {
		diff["language"] = fmt.Sprintf("%q ≠ %q", o.Language, e.Language)
	}
	// A parser may take the deadline the notice states or the coded (current) one.
	got := ""
	if o.Deadline != nil {
		got = o.Deadline.Format("2006-01-02T15:04")
	}
	ok := false
	for _, w := range []*string{e.Deadline, e.DeadlineCoded} {
		switch {
		case w == nil:
			ok = ok || (got == "" && e.DeadlineCoded == nil)
		case len(*w) == 10:
			ok = ok || strings.HasPrefix(got, *w)
		default:
			ok = ok || got == *w
		}
	}
	if !ok {
		diff["deadline"] = fmt.Sprintf("%s ≠ %v / coded %v", got, deref(e.Deadline), deref(e.DeadlineCoded))
	}
	return diff
}

func deref(s *string) string {
	if s == nil {
		return "null"
	}
	return *s
}

var agreementFields = []string{"title", "cpv", "deadline", "buyer", "country", "nuts", "kind", "language"}

// TestSharedTEDAgreement parses every TED XML and eForms notice of the shared data set and
// prints how often each field agrees with notices.jsonl. Targets: 99% parse, 97% agree.
func TestSharedTEDAgreement(t *testing.T) {
	dir := filepath.Join(*sharedData, "ted")
	if _, err := os.Stat(filepath.Join(dir, "notices.jsonl")); err != nil {
		t.Skipf("shared data not found at %s", dir)
	}
	if testing.Short() {
		t.Skip("long: reads 2,601 notices")
	}
	exp := readExpected(t, filepath.Join(dir, "notices.jsonl"))
	src := passerelle.Source{ID: "ted", Format: "auto"}
	parsed := 0
	agree := map[string]int{}
	examples := map[string][]string{}
	var failures []string
	for _, e := range exp {
		body, err := os.ReadFile(filepath.Join(dir, e.SourceFile))
		if err != nil {
			t.Fatal(err)
		}
		ops, err := Parse(context.Background(), "auto", bytes.NewReader(body), e.SourceFile, src)
		if err != nil || len(ops) != 1 {
			failures = append(failures, fmt.Sprintf("%s (%s): %v", e.SourceFile, e.Format, err))
			continue
		}
		parsed++
		diff := agreement(e, Normalize(ops, src)[0])
		for _, f := range agreementFields {
			if d, bad := diff[f]; !bad {
				agree[f]++
			} else if len(examples[f]) < *showMismatches {
				examples[f] = append(examples[f], e.ID+" "+e.Format+": "+d)
			}
		}
	}
	n := len(exp)
	t.Logf("parsed %d/%d (%.1f%%)", parsed, n, 100*float64(parsed)/float64(n))
	for _, f := range agreementFields {
		t.Logf("%-9s %4d/%d agree (%.1f%% of parsed)", f, agree[f], parsed, 100*float64(agree[f])/float64(max(parsed, 1)))
		for _, ex := range examples[f] {
			t.Logf("    %s", ex)
		}
	}
	sort.Strings(failures)
	for i, f := range failures {
		if i < 10 {
			t.Logf("failed: %s", f)
		}
	}
	if float64(parsed) < 0.99*float64(n) {
		t.Errorf("only %d/%d notices parsed, want ≥ 99%%", parsed, n)
	}
	for _, f := range []string{"title", "cpv", "deadline", "buyer", "country", "nuts"} {
		if float64(agree[f]) < 0.97*float64(parsed) {
			t.Errorf("%s agrees for %d/%d, want ≥ 97%%", f, agree[f], parsed)
		}
	}
	_ = time.Now
}
