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
	// NUTS codes are a set (places of performance, in no meaningful order), where CPV codes
	// are a list whose first is the main one.
	if strings.Join(sortedCopy(o.NUTS), ",") != strings.Join(sortedCopy(e.NUTS), ",") {
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
	// The reference writes a deadline given in UTC ("12:00:00Z") as the buyer's local time:
	// the same instant, compared in the buyer's zone.
	local := got
	if o.Deadline != nil {
		if _, off := o.Deadline.Zone(); off == 0 {
			if z, err := time.LoadLocation(buyerZones[o.Country]); err == nil && buyerZones[o.Country] != "" {
				local = o.Deadline.In(z).Format("2006-01-02T15:04")
			}
		}
	}
	// No deadline is right only when the notice states none at all.
	ok := got == "" && e.Deadline == nil && e.DeadlineCoded == nil
	for _, w := range []*string{e.Deadline, e.DeadlineCoded} {
		switch {
		case w == nil:
		case len(*w) == 10:
			ok = ok || strings.HasPrefix(got, *w)
		default:
			ok = ok || got == *w || local == *w
		}
	}
	if !ok {
		diff["deadline"] = fmt.Sprintf("%s ≠ %v / coded %v", got, deref(e.Deadline), deref(e.DeadlineCoded))
	}
	return diff
}

// buyerZones are the zones of the buyers' countries in the shared corpus, to read a UTC
// deadline the way the reference writes it.
var buyerZones = map[string]string{
	"BE": "Europe/Brussels", "NL": "Europe/Amsterdam", "FR": "Europe/Paris", "DE": "Europe/Berlin",
	"LU": "Europe/Luxembourg", "AT": "Europe/Vienna", "IT": "Europe/Rome", "ES": "Europe/Madrid",
	"PL": "Europe/Warsaw", "CZ": "Europe/Prague", "SK": "Europe/Bratislava", "HU": "Europe/Budapest",
	"SE": "Europe/Stockholm", "DK": "Europe/Copenhagen", "NO": "Europe/Oslo", "FI": "Europe/Helsinki",
	"EE": "Europe/Tallinn", "LV": "Europe/Riga", "LT": "Europe/Vilnius", "GR": "Europe/Athens",
	"BG": "Europe/Sofia", "RO": "Europe/Bucharest", "HR": "Europe/Zagreb", "SI": "Europe/Ljubljana",
	"IE": "Europe/Dublin", "PT": "Europe/Lisbon", "GB": "Europe/London", "CY": "Asia/Nicosia", "MT": "Europe/Malta",
}

func deref(s *string) string {
	if s == nil {
		return "null"
	}
	return *s
}

var agreementFields = []string{"id", "title", "cpv", "deadline", "buyer", "country", "nuts", "kind", "language"}

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
	// Per corpus (the directory under xml/): notices, parsed, agreement per field, and
	// which notice got each id, so that two notices under one id show up as a merge.
	type corpusFigures struct {
		n, parsed, merged int
		agree             map[string]int
	}
	corpora := map[string]*corpusFigures{}
	owner := map[string]string{}
	examples := map[string][]string{}
	var failures []string
	for _, e := range exp {
		body, err := os.ReadFile(filepath.Join(dir, e.SourceFile))
		if err != nil {
			t.Fatal(err)
		}
		corpus := strings.Split(e.SourceFile, "/")[1]
		cf := corpora[corpus]
		if cf == nil {
			cf = &corpusFigures{agree: map[string]int{}}
			corpora[corpus] = cf
		}
		cf.n++
		ops, err := Parse(context.Background(), "auto", bytes.NewReader(body), e.SourceFile, src)
		if err != nil || len(ops) != 1 {
			failures = append(failures, fmt.Sprintf("%s (%s): %v", e.SourceFile, e.Format, err))
			continue
		}
		parsed++
		cf.parsed++
		o := Normalize(ops, src)[0]
		if prev, dup := owner[o.ID]; dup {
			cf.merged++
			if len(examples["id"]) < *showMismatches {
				examples["id"] = append(examples["id"], fmt.Sprintf("%s: %s and %s", o.ID, prev, e.SourceFile))
			}
		}
		owner[o.ID] = e.SourceFile
		diff := agreement(e, o)
		// Doffin's own number (the reference's id) is only in the file name, not in the XML:
		// there only distinctness is checked.
		if want := e.ID; !strings.HasPrefix(want, "doffin:") && o.ExternalID != want {
			diff["id"] = fmt.Sprintf("%q ≠ %q", o.ExternalID, want)
		}
		for _, f := range agreementFields {
			if d, bad := diff[f]; !bad {
				agree[f]++
				cf.agree[f]++
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
	names := make([]string, 0, len(corpora))
	for c := range corpora {
		names = append(names, c)
	}
	sort.Strings(names)
	for _, c := range names {
		cf := corpora[c]
		line := fmt.Sprintf("corpus %-28s %4d notices, %4d parsed, %d merged ids;", c, cf.n, cf.parsed, cf.merged)
		for _, f := range agreementFields {
			line += fmt.Sprintf(" %s %.1f%%", f, 100*float64(cf.agree[f])/float64(max(cf.parsed, 1)))
		}
		t.Log(line)
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
	merged := 0
	for _, cf := range corpora {
		merged += cf.merged
	}
	if merged > 0 {
		t.Errorf("%d notices share an id with another notice", merged)
	}
	for _, f := range []string{"id", "title", "deadline", "buyer", "country", "kind"} {
		if float64(agree[f]) < 0.995*float64(parsed) {
			t.Errorf("%s agrees for %d/%d, want ≥ 99.5%%", f, agree[f], parsed)
		}
	}
	for _, f := range []string{"cpv", "nuts"} {
		if float64(agree[f]) < 0.97*float64(parsed) {
			t.Errorf("%s agrees for %d/%d, want ≥ 97%%", f, agree[f], parsed)
		}
	}
}

func sortedCopy(xs []string) []string {
	out := append([]string(nil), xs...)
	sort.Strings(out)
	return out
}
