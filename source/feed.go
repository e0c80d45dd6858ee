package source

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/passerelle/passerelle"
)

// ParseFeed reads an RSS (0.9x, 1.0, 2.0) or Atom feed. Each item becomes an opportunity:
// guid/id → external id (the link when there is none), link → url, title, the longer of
// description/summary and content → description (HTML stripped), published (or updated)
// → published. The deadline comes from an element whose name says so (deadline,
// closing_date, date_limite…) or else from a date written after a word such as
// "deadline", "date limite", "clôture" or "uiterste datum" in the text. Categories that
// are CPV codes go to cpv. The feed's language is the default language of its items.
func ParseFeed(ctx context.Context, r io.Reader, name string, src passerelle.Source) ([]passerelle.Opportunity, error) {
	loc, err := location(src)
	if err != nil {
		return nil, err
	}
	feed, err := gofeed.NewParser().Parse(r)
	if err != nil {
		return nil, fmt.Errorf("%s: not a readable RSS or Atom feed: %w", name, err)
	}
	if feed.FeedType == "json" && feed.FeedVersion == "" {
		// gofeed reads any JSON object as an empty JSON Feed; an API answer is not a feed.
		return nil, fmt.Errorf("%s: not an RSS or Atom feed (a JSON document without a JSON Feed version)", name)
	}
	lang := langTag(feed.Language)
	var (
		out  []passerelle.Opportunity
		errs RecordErrors
	)
	for i, it := range feed.Items {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		o, field, err := feedItem(it, lang, src, loc)
		if err != nil {
			errs.add(name, i+1, 0, field, err)
			continue
		}
		out = append(out, o)
	}
	return out, errs.err()
}

func feedItem(it *gofeed.Item, lang string, src passerelle.Source, loc *time.Location) (passerelle.Opportunity, string, error) {
	o := passerelle.Opportunity{
		Title:    oneLine(stripHTML(it.Title)),
		URL:      strings.TrimSpace(it.Link),
		Language: lang,
	}
	if o.URL == "" && len(it.Links) > 0 {
		o.URL = strings.TrimSpace(it.Links[0])
	}
	o.ExternalID = strings.TrimSpace(it.GUID)
	if o.ExternalID == "" {
		o.ExternalID = o.URL
	}
	if o.ExternalID == "" {
		if o.Title == "" {
			return o, "guid", errors.New("item has no guid, link or title to identify it")
		}
		// Without guid or link, the title is the only stable thing an item has.
		sum := sha256.Sum256([]byte(o.Title))
		o.ExternalID = "t" + hex.EncodeToString(sum[:8])
	}
	if o.Title == "" {
		return o, "title", errors.New("missing")
	}
	desc := stripHTML(it.Description)
	if c := stripHTML(it.Content); len(c) > len(desc) {
		desc = c
	}
	o.Description = desc
	if it.PublishedParsed != nil {
		t := *it.PublishedParsed
		o.Published = &t
	} else if it.UpdatedParsed != nil {
		t := *it.UpdatedParsed
		o.Published = &t
	}
	if dc := it.DublinCoreExt; dc != nil && o.Language == "" && len(dc.Language) > 0 {
		o.Language = langTag(dc.Language[0])
	}
	for _, c := range it.Categories {
		if code := cpvCategory(c); code != "" {
			o.CPV = append(o.CPV, code)
		}
	}
	dl, field, err := itemDeadline(it, loc)
	if err != nil {
		return o, field, err
	}
	if dl == nil {
		var words string
		if dl, words = findDeadline(o.Title, loc); dl != nil {
			o.DeadlineEvidence = textEvidence("title", words)
		} else if dl, words = findDeadline(o.Description, loc); dl != nil {
			o.DeadlineEvidence = textEvidence("description", words)
		}
	}
	o.Deadline = dl
	applyStages(&o, o.Title+"\n"+o.Description, loc)
	o.ID = src.ID + ":" + o.ExternalID
	return o, "", nil
}

// deadlineElement matches the names sources give a deadline element.
var deadlineElement = regexp.MustCompile(`(?i)^(deadline|deadlinedate|deadline_date|closingdate|closing_date|closedate|close_date|enddate|end_date|datelimite|date_limite|date-limite|cloture|clôture|submissiondeadline|submission_deadline)$`)

// itemDeadline reads a deadline from a custom element (<deadline>, <ev:enddate>…). An
// element that says it is a deadline but holds no readable date is a bad record: better to
// say so than to lose the deadline quietly.
func itemDeadline(it *gofeed.Item, loc *time.Location) (*time.Time, string, error) {
	keys := make([]string, 0, len(it.Custom))
	for k := range it.Custom {
		keys = append(keys, k)
	}
	sort.Strings(keys) // the same feed must give the same answer every time
	for _, k := range keys {
		if v := it.Custom[k]; deadlineElement.MatchString(k) && strings.TrimSpace(v) != "" {
			t, err := parseFeedTime(v, loc)
			return t, k, err
		}
	}
	for prefix, elems := range it.Extensions {
		for k, list := range elems {
			if !deadlineElement.MatchString(k) {
				continue
			}
			for _, e := range list {
				if strings.TrimSpace(e.Value) != "" {
					t, err := parseFeedTime(e.Value, loc)
					return t, prefix + ":" + k, err
				}
			}
		}
	}
	return nil, "", nil
}

// parseFeedTime reads the dates feeds write: RFC 3339, RFC 822/1123 and their cousins,
// plain dates (end of day, as for every deadline).
func parseFeedTime(s string, loc *time.Location) (*time.Time, error) {
	if t, err := parseTime(s, loc, true); err == nil {
		return t, nil
	}
	for _, l := range []string{time.RFC822, time.RFC822Z, time.RFC850, "Mon, 2 Jan 2006 15:04:05 -0700", "Mon, 2 Jan 2006 15:04:05 MST", "2 Jan 2006 15:04:05 -0700"} {
		if t, err := time.ParseInLocation(l, strings.TrimSpace(s), loc); err == nil {
			return &t, nil
		}
	}
	if t := firstDate(s, loc); t != nil {
		return t, nil
	}
	return nil, fmt.Errorf("cannot parse %q as a date", strings.TrimSpace(s))
}

var reCPV = regexp.MustCompile(`^(?i:cpv[:\s]*)?(\d{8})(?:-\d)?\b`)

// cpvCategory returns the CPV code a category holds ("72000000", "CPV 72212730-5",
// "72212730-5 Services de…"), or "".
func cpvCategory(c string) string {
	m := reCPV.FindStringSubmatch(strings.TrimSpace(c))
	if m == nil {
		return ""
	}
	return m[1]
}

// langTag turns "fr-BE", "FR", "nl_be" into "fr".
func langTag(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if i := strings.IndexAny(s, "-_"); i >= 0 {
		s = s[:i]
	}
	if len(s) < 2 || len(s) > 3 || strings.Trim(s, "abcdefghijklmnopqrstuvwxyz") != "" {
		return ""
	}
	return s
}
