package notify

import (
	"encoding/xml"
	"fmt"
	"io"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/passerelle/passerelle"
)

type atomFeed struct {
	XMLName   xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	ID        string      `xml:"id"`
	Title     atomText    `xml:"title"`
	Subtitle  *atomText   `xml:"subtitle,omitempty"`
	Updated   string      `xml:"updated"`
	Links     []atomLink  `xml:"link"`
	Author    atomPerson  `xml:"author"`
	Generator string      `xml:"generator"`
	Entries   []atomEntry `xml:"entry"`
}

type atomText struct {
	Type string `xml:"type,attr"`
	Body string `xml:",chardata"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomPerson struct {
	Name string `xml:"name"`
	URI  string `xml:"uri,omitempty"`
}

type atomCategory struct {
	Term string `xml:"term,attr"`
}

type atomEntry struct {
	ID         string         `xml:"id"`
	Title      atomText       `xml:"title"`
	Updated    string         `xml:"updated"`
	Published  string         `xml:"published,omitempty"`
	Links      []atomLink     `xml:"link"`
	Categories []atomCategory `xml:"category"`
	Summary    atomText       `xml:"summary"`
}

// EntryID is the Atom id of a member's match: urn:passerelle:match:<member>:<opportunity>,
// each part percent-escaped where a URN cannot hold it. It never changes for the pair.
func EntryID(member, opportunity string) string {
	return "urn:passerelle:match:" + urnPart(member) + ":" + urnPart(opportunity)
}

func urnPart(s string) string {
	// PathEscape keeps ':' and '@' (legal in a URN's specific part) and escapes the rest.
	return strings.ReplaceAll(url.PathEscape(s), "%3A", ":")
}

// feedItems keeps the matches a feed shows: the member's own, neither vetoed nor
// dismissed, newest first. A basic member gets none: matches are the premium offer.
func feedItems(m passerelle.Member, items []Item) []Item {
	if m.Tier != passerelle.TierPremium {
		return nil
	}
	var out []Item
	seen := make(map[string]bool)
	for _, it := range items {
		mt := it.Match
		if (mt.Member != "" && mt.Member != m.ID) || mt.Explanation.Veto != "" ||
			mt.State == passerelle.MatchDismissed || seen[mt.Opportunity] {
			continue
		}
		seen[mt.Opportunity] = true
		out = append(out, it)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := entryUpdated(out[i]), entryUpdated(out[j])
		if !a.Equal(b) {
			return a.After(b)
		}
		return out[i].Match.Opportunity < out[j].Match.Opportunity
	})
	return out
}

// entryUpdated is the last time the match or its opportunity changed.
func entryUpdated(it Item) time.Time {
	t := it.Match.Updated
	for _, u := range []time.Time{it.Match.Created, it.Opportunity.Updated} {
		if u.After(t) {
			t = u
		}
	}
	return t
}

func atomTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// WriteAtom writes the member's matches as an Atom 1.0 feed, one entry per match, newest
// first, each summary with score, buyer, deadline and reasons in the member's language.
// Dates in the text are shown in now's zone.
func WriteAtom(w io.Writer, m passerelle.Member, items []Item, selfURL string, now time.Time) error {
	lang := Lang(m)
	t := msgs(lang)
	lb := labelsOf(lang, t)
	title := "Passerelle — opportunités pour " + m.Name
	if lang == "en" {
		title = "Passerelle — opportunities for " + m.Name
	}
	f := atomFeed{
		ID:        "urn:passerelle:feed:" + urnPart(m.ID),
		Title:     atomText{Type: "text", Body: title},
		Author:    atomPerson{Name: "Passerelle"},
		Generator: "Passerelle",
	}
	if selfURL != "" {
		f.Links = append(f.Links, atomLink{Rel: "self", Type: "application/atom+xml", Href: selfURL})
	}
	var newest time.Time
	for _, it := range feedItems(m, items) {
		o := it.Opportunity
		up := entryUpdated(it)
		if up.IsZero() {
			up = now
		}
		if up.After(newest) {
			newest = up
		}
		e := atomEntry{
			ID:      EntryID(m.ID, it.Match.Opportunity),
			Title:   atomText{Type: "text", Body: oneLine(Title(o, lang))},
			Updated: atomTime(up),
			Summary: atomText{Type: "text", Body: summary(it, now, lang, lb)},
		}
		if !it.Match.Created.IsZero() {
			e.Published = atomTime(it.Match.Created)
		}
		if link := Link("", it); link != "" {
			e.Links = append(e.Links, atomLink{Rel: "alternate", Type: "text/html", Href: link})
		}
		for _, c := range o.Clusters {
			e.Categories = append(e.Categories, atomCategory{Term: c})
		}
		f.Entries = append(f.Entries, e)
	}
	if newest.IsZero() {
		newest = now
	}
	f.Updated = atomTime(newest)

	if _, err := io.WriteString(w, xml.Header); err != nil {
		return fmt.Errorf("atom feed of member %s: %w", m.ID, err)
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(f); err != nil {
		return fmt.Errorf("atom feed of member %s: %w", m.ID, err)
	}
	if _, err := io.WriteString(w, "\n"); err != nil {
		return fmt.Errorf("atom feed of member %s: %w", m.ID, err)
	}
	return nil
}

// summary is the plain text shown for one match in a feed or a calendar event.
func summary(it Item, now time.Time, lang string, lb labels) string {
	o := it.Opportunity
	var lines []string
	lines = append(lines, lb.Score+" "+fmt.Sprintf("%d/100", int(it.Match.Score+0.5)))
	if b := oneLine(o.Buyer); b != "" {
		lines = append(lines, lb.Buyer+" "+b)
	}
	dl := when(deadlineOf(&o), now, lang)
	lines = append(lines, lb.Deadline+" "+dl)
	for _, s := range o.Stages {
		if s.Deadline != nil {
			lines = append(lines, oneLine(s.Name)+" — "+when(s.Deadline, now, lang))
		}
	}
	if rs := Reasons(it.Match, 3); len(rs) > 0 {
		lines = append(lines, lb.Why)
		for _, r := range rs {
			lines = append(lines, "- "+reason(r, lang, now))
		}
	}
	return strings.Join(lines, "\n")
}
