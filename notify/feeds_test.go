package notify

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/passerelle/passerelle"
)

// Parsed back with encoding/xml in the Atom namespace: what a feed reader sees.
type readFeed struct {
	XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
	ID      string   `xml:"id"`
	Title   string   `xml:"title"`
	Updated string   `xml:"updated"`
	Author  struct {
		Name string `xml:"name"`
	} `xml:"author"`
	Links []struct {
		Rel  string `xml:"rel,attr"`
		Href string `xml:"href,attr"`
	} `xml:"link"`
	Entries []struct {
		ID      string `xml:"id"`
		Title   string `xml:"title"`
		Updated string `xml:"updated"`
		Summary string `xml:"summary"`
		Links   []struct {
			Rel  string `xml:"rel,attr"`
			Href string `xml:"href,attr"`
		} `xml:"link"`
	} `xml:"entry"`
}

func TestAtom(t *testing.T) {
	items := fixtureItems(t, "codeloop")
	items[3].Match.State = passerelle.MatchDismissed                // placeholder: dismissed, not shown
	items[0].Match.State = passerelle.MatchSeen                     // wallonie: seen, still shown
	items = append(items, fixtureItems(t, "other")[1])              // another member's match
	items[1].Opportunity.Title = "Audit <sécurité> & \x01 contrôle" // markup and a control character
	var b bytes.Buffer
	if err := WriteAtom(&b, codeloop(), items, "https://p.example/feeds/t.atom", clock(t)); err != nil {
		t.Fatal(err)
	}
	var f readFeed
	if err := xml.Unmarshal(b.Bytes(), &f); err != nil {
		t.Fatalf("feed does not parse: %v\n%s", err, b.String())
	}
	if f.ID == "" || f.Title == "" || f.Author.Name == "" || len(f.Links) != 1 || f.Links[0].Rel != "self" {
		t.Errorf("feed head: %+v", f)
	}
	checkTime := func(what, s string) {
		if _, err := time.Parse(time.RFC3339, s); err != nil {
			t.Errorf("%s %q is not RFC 3339", what, s)
		}
	}
	checkTime("feed updated", f.Updated)
	want := map[string]bool{
		"urn:passerelle:match:codeloop:ted:123456-2026":     true,
		"urn:passerelle:match:codeloop:wallonie:2026-017":   true,
		"urn:passerelle:match:codeloop:poles:biowin-call-7": true,
	}
	if len(f.Entries) != len(want) {
		t.Fatalf("%d entries, want %d", len(f.Entries), len(want))
	}
	for _, e := range f.Entries {
		if !want[e.ID] {
			t.Errorf("unexpected entry %s", e.ID)
		}
		checkTime(e.ID+" updated", e.Updated)
		if e.Title == "" || !strings.Contains(e.Summary, "Score : ") || !strings.Contains(e.Summary, "Pourquoi :") {
			t.Errorf("entry %s: title %q summary %q", e.ID, e.Title, e.Summary)
		}
	}
	ted := f.Entries[0] // updated last: first
	if ted.ID != "urn:passerelle:match:codeloop:ted:123456-2026" {
		t.Fatalf("first entry %s, want the most recently updated", ted.ID)
	}
	if ted.Title != "Audit <sécurité> & \uFFFD contrôle" {
		t.Errorf("title read back as %q", ted.Title)
	}
	for _, r := range []string{"cluster security (+20)", "CPV 72212730 ⊂ bundle security (+18)", "dans 5 jours"} {
		if !strings.Contains(ted.Summary, r) {
			t.Errorf("summary lacks %q:\n%s", r, ted.Summary)
		}
	}
	if len(ted.Links) != 1 || ted.Links[0].Href != "https://ted.example/notice/123456-2026" {
		t.Errorf("links %+v", ted.Links)
	}
}

func TestAtomBasicMemberAndEmpty(t *testing.T) {
	m := codeloop()
	m.Tier = passerelle.TierBasic
	var b bytes.Buffer
	if err := WriteAtom(&b, m, fixtureItems(t, "codeloop"), "", clock(t)); err != nil {
		t.Fatal(err)
	}
	var f readFeed
	if err := xml.Unmarshal(b.Bytes(), &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Entries) != 0 || f.Updated != "2026-03-02T06:00:00Z" {
		t.Errorf("basic member: %d entries, updated %s; want none, updated now", len(f.Entries), f.Updated)
	}
}

func TestEntryID(t *testing.T) {
	for _, tc := range []struct{ m, o, want string }{
		{"codeloop", "ted:123456-2026", "urn:passerelle:match:codeloop:ted:123456-2026"},
		{"a b", "src:x/y?z#w", "urn:passerelle:match:a%20b:src:x%2Fy%3Fz%23w"},
	} {
		if got := EntryID(tc.m, tc.o); got != tc.want {
			t.Errorf("EntryID(%q, %q) = %q, want %q", tc.m, tc.o, got, tc.want)
		}
	}
}

// unfoldICS checks the physical lines (CRLF, at most 75 octets, whole UTF-8 characters)
// and returns the logical content lines.
func unfoldICS(t *testing.T, data []byte) []string {
	t.Helper()
	s := string(data)
	if !strings.HasSuffix(s, "\r\n") {
		t.Fatal("calendar does not end with CRLF")
	}
	phys := strings.Split(strings.TrimSuffix(s, "\r\n"), "\r\n")
	var out []string
	for i, l := range phys {
		if strings.ContainsAny(l, "\r\n") {
			t.Errorf("line %d holds a bare CR or LF: %q", i+1, l)
		}
		if len(l) > 75 {
			t.Errorf("line %d is %d octets: %q", i+1, len(l), l)
		}
		if !utf8.ValidString(l) {
			t.Errorf("line %d splits a UTF-8 character: %q", i+1, l)
		}
		if strings.HasPrefix(l, " ") {
			if len(out) == 0 {
				t.Fatalf("line %d continues nothing", i+1)
			}
			out[len(out)-1] += l[1:]
			continue
		}
		out = append(out, l)
	}
	return out
}

// unescapeText reverses RFC 5545 TEXT escaping.
func unescapeText(s string) string {
	r := strings.NewReplacer(`\\`, `\`, `\;`, `;`, `\,`, `,`, `\n`, "\n", `\N`, "\n")
	return r.Replace(s)
}

type vevent map[string]string

func events(lines []string) []vevent {
	var out []vevent
	var cur vevent
	for _, l := range lines {
		name, value, _ := strings.Cut(l, ":")
		switch {
		case l == "BEGIN:VEVENT":
			cur = vevent{}
		case l == "END:VEVENT":
			out = append(out, cur)
			cur = nil
		case cur != nil:
			cur[name] = value
		}
	}
	return out
}

func TestICS(t *testing.T) {
	items := fixtureItems(t, "codeloop")
	var b bytes.Buffer
	if err := WriteICS(&b, codeloop(), items, clock(t)); err != nil {
		t.Fatal(err)
	}
	lines := unfoldICS(t, b.Bytes())
	if lines[0] != "BEGIN:VCALENDAR" || lines[len(lines)-1] != "END:VCALENDAR" || lines[1] != "VERSION:2.0" {
		t.Errorf("calendar frame: %q … %q", lines[:2], lines[len(lines)-1])
	}
	evs := events(lines)
	// ted 1, biowin 3 (deadline, letter of intent, pre-proposal; the full proposal is the
	// deadline itself), wallonie 1, placeholder 0 (untrusted deadline).
	if len(evs) != 5 {
		t.Fatalf("%d VEVENTs, want 5", len(evs))
	}
	uids := map[string]bool{}
	starts := map[string]bool{}
	for _, e := range evs {
		for _, p := range []string{"UID", "DTSTAMP", "DTSTART", "SUMMARY"} {
			if e[p] == "" {
				t.Errorf("event %v lacks %s", e, p)
			}
		}
		if uids[e["UID"]] {
			t.Errorf("UID %s twice", e["UID"])
		}
		uids[e["UID"]] = true
		starts[e["DTSTART"]] = true
		if e["DTSTAMP"] != "20260302T060000Z" {
			t.Errorf("DTSTAMP %s, want the injected clock", e["DTSTAMP"])
		}
	}
	for _, s := range []string{"20260307T160000Z", "20260630T150000Z", "20260303T110000Z", "20260415T150000Z", "20260313T110000Z"} {
		if !starts[s] {
			t.Errorf("no event starts at %s", s)
		}
	}
	var wal vevent
	for _, e := range evs {
		if e["DTSTART"] == "20260313T110000Z" {
			wal = e
		}
	}
	wantSummary := "Date limite — Développement d'une plateforme web; maintenance, hébergement et support \\ 3 ans"
	if got := unescapeText(wal["SUMMARY"]); got != wantSummary {
		t.Errorf("SUMMARY read back as %q, want %q", got, wantSummary)
	}
	if !strings.Contains(wal["SUMMARY"], `web\; maintenance\, hébergement`) || !strings.Contains(wal["SUMMARY"], `support \\ 3`) {
		t.Errorf("SUMMARY not escaped: %q", wal["SUMMARY"])
	}
	if d := unescapeText(wal["DESCRIPTION"]); !strings.Contains(d, "\nPourquoi :\n- skill 'développement web' ~ title 'plateforme web' (+22.5)\n") {
		t.Errorf("DESCRIPTION read back as %q", d)
	}

	// Another day, another DTSTAMP, the same UIDs: calendar apps update instead of duplicating.
	var again bytes.Buffer
	if err := WriteICS(&again, codeloop(), items, clock(t).Add(48*time.Hour)); err != nil {
		t.Fatal(err)
	}
	for _, e := range events(unfoldICS(t, again.Bytes())) {
		if !uids[e["UID"]] {
			t.Errorf("UID %s changed with the clock", e["UID"])
		}
	}
}

func TestICSFoldingAndEscaping(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`a\b`, `a\\b`},
		{"a;b,c", `a\;b\,c`},
		{"l1\nl2\r\nl3", `l1\nl2\nl3`},
		{"tab\tand\x07bell", "tab\tand bell"},
		{"déjà vu — ok", "déjà vu — ok"},
	} {
		if got := EscapeText(tc.in); got != tc.want {
			t.Errorf("EscapeText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	// Long values of 1-, 2-, 3- and 4-octet characters fold into lines of at most 75 octets
	// and unfold back to the same text.
	for _, unit := range []string{"a", "é", "—", "𝄞"} {
		var b bytes.Buffer
		iw := &icsWriter{w: bufioWriter(&b)}
		value := strings.Repeat(unit, 200)
		iw.line("DESCRIPTION", value)
		iw.w.Flush()
		lines := unfoldICS(t, b.Bytes())
		if len(lines) != 1 || lines[0] != "DESCRIPTION:"+value {
			t.Errorf("%q: unfolded to %d lines, first %q", unit, len(lines), lines[0][:20])
		}
		if n := strings.Count(b.String(), "\r\n"); n < 2 {
			t.Errorf("%q: a %d-octet line was not folded", unit, len("DESCRIPTION:"+value))
		}
	}
	// Exactly 75 octets stay on one line; 76 fold.
	for _, n := range []int{75, 76} {
		var b bytes.Buffer
		iw := &icsWriter{w: bufioWriter(&b)}
		iw.line("X", ":"+strings.Repeat("x", n-3))
		iw.w.Flush()
		folded := strings.Count(b.String(), "\r\n") > 1
		if folded != (n > 75) {
			t.Errorf("%d-octet line folded = %v", n, folded)
		}
	}
}

func bufioWriter(b *bytes.Buffer) *bufio.Writer { return bufio.NewWriter(b) }
