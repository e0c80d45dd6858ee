package source

import (
	"html"
	"regexp"
	"strconv"
	"strings"

	"github.com/passerelle/passerelle"
)

// Helpers every format uses to put values in their canonical shape (lists of codes, amounts,
// one-line names, joined paragraphs).

// joinParts joins non-empty paragraphs with a blank line, dropping exact repeats (a lot
// often copies the contract's description).
func joinParts(parts []string) string {
	var out []string
	for _, p := range parts {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		dup := false
		for _, q := range out {
			dup = dup || q == p
		}
		if !dup {
			out = append(out, p)
		}
	}
	return strings.Join(out, "\n\n")
}

// reNUTS: a country's two letters, or TED's 1A (Kosovo, which NUTS lacks), then up to
// three levels.
var reNUTS = regexp.MustCompile(`^([A-Z]{2}|1A)[0-9A-Z]{0,3}$`)

// appendNUTS adds a NUTS code when it looks like one (TED writes "00" for "none").
func appendNUTS(list []string, s string) []string {
	s = strings.ToUpper(strings.TrimSpace(s))
	if !reNUTS.MatchString(s) {
		return list
	}
	return appendUnique(list, s)
}

func appendUnique(list []string, s string) []string {
	s = strings.TrimSpace(s)
	if s == "" {
		return list
	}
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

func money(amount, currency string) *passerelle.Money {
	amount = strings.NewReplacer(" ", "", "\u00a0", "", ",", ".").Replace(strings.TrimSpace(amount))
	a, err := strconv.ParseFloat(amount, 64)
	if err != nil || a < 0 {
		return nil
	}
	return &passerelle.Money{Amount: a, Currency: strings.ToUpper(strings.TrimSpace(currency))}
}

// unescapeText puts a title or name on one line and decodes HTML entities that some
// senders escape twice ("Sanit&amp;auml;tsbetrieb" arrives as "Sanit&auml;tsbetrieb").
func unescapeText(s string) string {
	if strings.IndexByte(s, '&') >= 0 {
		s = html.UnescapeString(s)
	}
	return oneLine(s)
}
