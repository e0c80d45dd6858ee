package source

import (
	"strings"
	"unicode"

	"golang.org/x/net/html"
)

// blockTags end a line of text when stripped: a paragraph must not glue onto the next one.
var blockTags = map[string]bool{
	"p": true, "br": true, "div": true, "li": true, "ul": true, "ol": true, "tr": true,
	"h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true, "table": true,
	"section": true, "article": true, "blockquote": true, "dd": true, "dt": true, "hr": true,
}

// stripHTML returns the text of an HTML fragment: tags dropped, entities decoded, scripts
// and styles skipped, block elements turned into line breaks, blank runs collapsed. Plain
// text goes through unchanged apart from whitespace.
func stripHTML(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return cleanSpace(s)
	}
	z := html.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	skip := 0
	for {
		switch z.Next() {
		case html.ErrorToken:
			return cleanSpace(b.String())
		case html.TextToken:
			if skip == 0 {
				b.Write(z.Text())
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "script", "style":
				skip++
			default:
				if blockTags[string(name)] {
					b.WriteByte('\n')
				}
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "script", "style":
				if skip > 0 {
					skip--
				}
			default:
				if blockTags[string(name)] {
					b.WriteByte('\n')
				}
			}
		}
	}
}

// cleanSpace collapses runs of spaces within lines, trims lines, and keeps at most one
// blank line between paragraphs.
func cleanSpace(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	lines := strings.Split(s, "\n")
	out := make([]string, 0, len(lines))
	blank := false
	for _, l := range lines {
		l = strings.Join(strings.FieldsFunc(l, unicode.IsSpace), " ")
		if l == "" {
			if len(out) > 0 {
				blank = true
			}
			continue
		}
		if blank {
			out = append(out, "")
			blank = false
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}

// oneLine is cleanSpace for titles: everything on one line.
func oneLine(s string) string {
	return strings.Join(strings.FieldsFunc(s, unicode.IsSpace), " ")
}
