package source

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/PuerkitoBio/goquery"
	"github.com/andybalholm/cascadia"

	"github.com/passerelle/passerelle"
)

// ParseHTML scrapes a web page listing calls. The option "html.item" is a CSS selector
// matching one element per call (required: a page without it is an error, not a guess);
// inside each, "html.title" (default: the first link or heading), "html.link" (default:
// the first link; its href, resolved against the page URL), "html.description",
// "html.deadline", "html.published", "html.id", "html.buyer", "html.cpv" select the
// fields' text. An item without a readable deadline element may still state one in its
// text ("Date limite : 15 mars 2026").
func ParseHTML(ctx context.Context, r io.Reader, name string, src passerelle.Source) ([]passerelle.Opportunity, error) {
	loc, err := location(src)
	if err != nil {
		return nil, err
	}
	itemSel := src.Options["html.item"]
	if itemSel == "" {
		return nil, passerelle.Errorf(passerelle.EINVALID, "%s: format html needs the option html.item (a CSS selector matching one element per call)", name)
	}
	doc, err := goquery.NewDocumentFromReader(r)
	if err != nil {
		return nil, fmt.Errorf("%s: not readable HTML: %w", name, err)
	}
	base, _ := url.Parse(name)
	if b, ok := doc.Find("base[href]").Attr("href"); ok && base != nil {
		if u, err := base.Parse(b); err == nil {
			base = u
		}
	}
	items, err := safeFind(doc.Selection, itemSel)
	if err != nil {
		return nil, passerelle.Errorf(passerelle.EINVALID, "%s: html.item: bad selector %q: %v", name, itemSel, err)
	}
	for _, f := range mappedFields {
		if sel := src.Options["html."+f]; sel != "" {
			if _, err := safeFind(doc.Selection, sel); err != nil {
				return nil, passerelle.Errorf(passerelle.EINVALID, "%s: html.%s: bad selector %q: %v", name, f, sel, err)
			}
		}
	}
	if items.Length() == 0 {
		return nil, fmt.Errorf("%s: no element matches html.item %q (has the page changed?)", name, itemSel)
	}
	var (
		out  []passerelle.Opportunity
		errs RecordErrors
	)
	items.EachWithBreak(func(i int, it *goquery.Selection) bool {
		if ctx.Err() != nil {
			return false
		}
		text := func(field string) string {
			sel := src.Options["html."+field]
			if sel == "" {
				return ""
			}
			s := it.Find(sel).First()
			if field == "deadline" || field == "published" {
				// <time datetime="2026-03-15T12:00"> says it best.
				if dt, ok := s.Attr("datetime"); ok {
					return dt
				}
			}
			return strings.TrimSpace(s.Text())
		}
		link := func() string {
			sel := src.Options["html.link"]
			var a *goquery.Selection
			if sel != "" {
				a = it.Find(sel).First()
			} else if goquery.NodeName(it) == "a" {
				a = it
			} else {
				a = it.Find("a[href]").First()
			}
			href, ok := a.Attr("href")
			if !ok {
				return ""
			}
			if base != nil && base.Scheme != "" {
				if u, err := base.Parse(strings.TrimSpace(href)); err == nil {
					return u.String()
				}
			}
			return strings.TrimSpace(href)
		}
		get := func(field string) string {
			switch field {
			case "title":
				if t := text("title"); t != "" {
					return t
				}
				if h := it.Find("h1, h2, h3, h4, h5, h6").First(); h.Length() > 0 {
					return strings.TrimSpace(h.Text())
				}
				return strings.TrimSpace(it.Find("a").First().Text())
			case "url":
				return link()
			}
			return text(field)
		}
		o, err := buildRecord(get, src, loc, src.Options["html.date_format"])
		if err != nil {
			if fe, ok := err.(*fieldError); ok {
				errs.add(name, i+1, 0, "html."+fe.field, fe.err)
			} else {
				errs.add(name, i+1, 0, "", err)
			}
			return true
		}
		if o.Deadline == nil {
			var words string
			if o.Deadline, words = findDeadline(oneLine(it.Text()), loc); o.Deadline != nil {
				o.DeadlineEvidence = textEvidence("item", words)
			}
		}
		if o.Description == "" {
			o.Description = cleanSpace(it.Text())
		}
		applyStages(&o, oneLine(it.Text()), loc)
		out = append(out, o)
		return true
	})
	return out, errs.err()
}

// safeFind runs a selector, reporting a bad one (goquery would silently match nothing).
func safeFind(s *goquery.Selection, sel string) (*goquery.Selection, error) {
	m, err := cascadia.Compile(sel)
	if err != nil {
		return nil, err
	}
	return s.FindMatcher(m), nil
}
