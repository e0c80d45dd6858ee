package index

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/passerelle/passerelle"
)

// testNow is the instant statuses of the test notices are computed at: it gives them a
// mix of open, closing, closed and unknown.
var testNow = time.Date(2021, 4, 5, 12, 0, 0, 0, time.UTC)

// record is the canonical JSONL shape, read the way the brief describes it: published may
// be a plain date, deadline a date-time without zone; unknown fields are ignored.
type record struct {
	ID           string                     `json:"id"`
	Source       string                     `json:"source"`
	Kind         string                     `json:"kind"`
	Title        string                     `json:"title"`
	Description  string                     `json:"description"`
	Language     string                     `json:"language"`
	Translations map[string]passerelle.Text `json:"translations"`
	Buyer        string                     `json:"buyer"`
	Country      string                     `json:"country"`
	NUTS         []string                   `json:"nuts"`
	CPV          []string                   `json:"cpv"`
	Clusters     []string                   `json:"clusters"`
	Published    *string                    `json:"published"`
	Deadline     *string                    `json:"deadline"`
	Status       string                     `json:"status"`
}

func parseWhen(s *string) (*time.Time, error) {
	if s == nil || *s == "" {
		return nil, nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, *s, time.UTC); err == nil {
			return &t, nil
		}
	}
	return nil, fmt.Errorf("unreadable date %q", *s)
}

// loadNotices reads a canonical JSONL file into opportunities (limit ≤ 0: all).
func loadNotices(tb testing.TB, path string, limit int) []passerelle.Opportunity {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var out []passerelle.Opportunity
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<20), 16<<20)
	for line := 1; sc.Scan(); line++ {
		if limit > 0 && len(out) >= limit {
			break
		}
		var r record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			tb.Fatalf("%s:%d: %v", path, line, err)
		}
		o := passerelle.Opportunity{
			ID: r.ID, Source: r.Source, Kind: passerelle.Kind(r.Kind), Title: r.Title,
			Description: r.Description, Language: r.Language, Translations: r.Translations,
			Buyer: r.Buyer, Country: r.Country, NUTS: r.NUTS, CPV: r.CPV, Clusters: r.Clusters,
			Status: passerelle.Status(r.Status),
		}
		if o.Source == "" {
			o.Source = "ted"
		}
		if o.Published, err = parseWhen(r.Published); err != nil {
			tb.Fatalf("%s:%d: published: %v", path, line, err)
		}
		if o.Deadline, err = parseWhen(r.Deadline); err != nil {
			tb.Fatalf("%s:%d: deadline: %v", path, line, err)
		}
		if o.Status == "" {
			o.Status = o.ComputeStatus(testNow)
		}
		out = append(out, o)
	}
	if err := sc.Err(); err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	return out
}

// openIndexed opens a fresh index in a temporary directory holding ops.
func openIndexed(tb testing.TB, ops []passerelle.Opportunity) *Index {
	tb.Helper()
	ix, err := Open(tb.TempDir() + "/index")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { ix.Close() })
	if err := ix.Index(context.Background(), ops); err != nil {
		tb.Fatal(err)
	}
	return ix
}

func ids(hits []Hit) []string {
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.ID
	}
	return out
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	seen := map[string]int{}
	for _, x := range a {
		seen[x]++
	}
	for _, x := range b {
		seen[x]--
	}
	for _, n := range seen {
		if n != 0 {
			return false
		}
	}
	return true
}

func join(s []string) string { return "[" + strings.Join(s, " ") + "]" }

// synthetic makes the i-th of a family of made-up opportunities, deterministic in i.
func synthetic(i int) passerelle.Opportunity {
	words := []string{"cybersécurité", "cloud", "données", "réseau", "logiciel", "maintenance",
		"software", "security", "network", "hosting", "website", "Rechenzentrum", "beveiliging",
		"infrastructure", "formation", "conseil", "audit", "C++", "développement", "application"}
	countries := []string{"BE", "FR", "DE", "NL", "LU", "IE"}
	langs := []string{"fr", "en", "de", "nl"}
	statuses := []passerelle.Status{passerelle.StatusOpen, passerelle.StatusClosing, passerelle.StatusClosed, passerelle.StatusUnknown}
	cpvs := []string{"72212000", "72267000", "48000000", "45312100", "79713000", "72315100", "30200000", "50312600"}
	w := func(k int) string { return words[(i*7+k*13)%len(words)] }
	pub := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i%1500) * 24 * time.Hour)
	o := passerelle.Opportunity{
		ID:          fmt.Sprintf("syn:%06d", i),
		Source:      "syn",
		Kind:        passerelle.KindCall,
		Title:       fmt.Sprintf("%s %s %s n°%d", w(0), w(1), w(2), i),
		Description: fmt.Sprintf("Marché de %s et %s pour l'%s; %s, %s, %s.", w(3), w(4), w(5), w(6), w(7), w(8)),
		Language:    langs[i%len(langs)],
		Country:     countries[i%len(countries)],
		CPV:         []string{cpvs[i%len(cpvs)], cpvs[(i/8)%len(cpvs)]},
		Clusters:    []string{passerelle.Clusters[i%len(passerelle.Clusters)]},
		Published:   &pub,
		Status:      statuses[i%len(statuses)],
	}
	if i%5 != 0 {
		d := pub.Add(time.Duration(10+i%90) * 24 * time.Hour)
		o.Deadline = &d
	}
	return o
}
