package source

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // sources name zones (Europe/Brussels); don't depend on the host's zoneinfo

	"github.com/passerelle/passerelle"
)

// DefaultTimezone is the zone of date-times written without one, when the source names none.
const DefaultTimezone = "Europe/Brussels"

// location returns the zone of src's date-times.
func location(src passerelle.Source) (*time.Location, error) {
	name := src.Timezone
	if name == "" {
		name = DefaultTimezone
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, passerelle.Errorf(passerelle.EINVALID, "source %s: unknown time zone %q", src.ID, name)
	}
	return loc, nil
}

// zonedLayouts carry their own offset; localLayouts are read in the source's zone.
var zonedLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02Z07:00", // XML Schema date with zone (TED: "2019-01-02+01:00")
	time.RFC1123Z,
	time.RFC1123,
}

var localLayouts = []string{
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04",
	"2006-01-02 15:04:05",
	"2006-01-02 15:04",
}

// parseTime reads a date or date-time as sources write them. A bare date is the start of
// the day, or its end (23:59:59) when endOfDay is set: that is what a deadline date means.
// The empty string is no time at all (nil, nil).
func parseTime(s string, loc *time.Location, endOfDay bool) (*time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	for _, l := range zonedLayouts {
		if t, err := time.Parse(l, s); err == nil {
			if l == "2006-01-02Z07:00" && endOfDay {
				t = t.Add(24*time.Hour - time.Second)
			}
			return &t, nil
		}
	}
	for _, l := range localLayouts {
		if t, err := time.ParseInLocation(l, s, loc); err == nil {
			return &t, nil
		}
	}
	for _, l := range []string{"2006-01-02", "02/01/2006", "02.01.2006"} {
		if t, err := time.ParseInLocation(l, s, loc); err == nil {
			if endOfDay {
				t = time.Date(t.Year(), t.Month(), t.Day(), 23, 59, 59, 0, loc)
			}
			return &t, nil
		}
	}
	return nil, fmt.Errorf("cannot parse %q as a date", s)
}

// Words that announce a deadline in the languages of our sources (FR, NL, DE, EN and a few
// more). Longest first within a family, so that "au plus tard le" is preferred over "au plus
// tard" and the evidence quotes the whole phrase.
var deadlineWords = regexp.MustCompile(`(?i)(deadline voor|deadline|date limite|date de clôture|date de remise|clôture|cloture|jusqu['’]au|jusqu['’]à|avant le|au plus tard le|au plus tard|closing date|closes on|closes|submission date|no later than|not later than|due date|apply by|uiterste datum|uiterlijk op|uiterlijk|ten laatste op|sluitingsdatum|indiendatum|einsendeschluss|abgabefrist|bewerbungsfrist|bis spätestens|spätestens am|spätestens|bis zum|frist|fecha límite|plazo|scadenza|termine)`)

var monthNames = map[string]time.Month{}

func init() {
	names := [][]string{
		{"january", "janvier", "januari", "januar", "jan", "janv"},
		{"february", "février", "fevrier", "februari", "februar", "feb", "févr", "fevr"},
		{"march", "mars", "maart", "märz", "maerz", "mar", "mrt"},
		{"april", "avril", "apr", "avr"},
		{"may", "mai", "mei"},
		{"june", "juin", "juni", "jun"},
		{"july", "juillet", "juli", "jul", "juil"},
		{"august", "août", "aout", "augustus", "aug"},
		{"september", "septembre", "sep", "sept"},
		{"october", "octobre", "oktober", "oct", "okt"},
		{"november", "novembre", "nov"},
		{"december", "décembre", "decembre", "dezember", "dec", "déc", "dez"},
	}
	for i, ns := range names {
		for _, n := range ns {
			monthNames[n] = time.Month(i + 1)
		}
	}
}

var (
	reNumericDate = regexp.MustCompile(`\b(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})\b`)
	reISODate     = regexp.MustCompile(`\b(\d{4})-(\d{2})-(\d{2})\b`)
	reDayMonth    = regexp.MustCompile(`(?i)\b(\d{1,2})(?:er|st|nd|rd|th)?\.?\s+([\p{L}]+)\.?\s+(\d{4})\b`)
	reMonthDay    = regexp.MustCompile(`(?i)\b([\p{L}]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b`)
	// A full stop after a number is a German ordinal ("30. Juni"), not a sentence end.
	reSentenceEnd = regexp.MustCompile(`[^\d]([.!?])\s+\p{Lu}`)
	reClock       = regexp.MustCompile(`^\s*(?:,|at|à|a|om|um|by|before|avant|voor|-|–)?\s*(\d{1,2})\s*(?:[:.]\s*(\d{2})|[hH]\s*(\d{2})?)`)
)

// deadlineWindow is how far after a deadline word a date may stand.
const deadlineWindow = 80

// findDeadline looks for a date right after a word announcing a deadline ("Date limite :
// 15 mars 2026 à 12h00", "jusqu'au 30 juin 2026", "uiterlijk op 12 mei 2026", "30. Juni
// 2026", "Deadline: 2026-05-12 17:00"), read in loc. A date without a time of day is the end
// of that day. It returns nil when the text announces no deadline it can read; else the
// deadline and the evidence: the words it was read from, quoted from the text, so that a
// reader can check where a deadline no field stated came from.
func findDeadline(text string, loc *time.Location) (*time.Time, string) {
	for _, m := range deadlineWords.FindAllStringIndex(text, -1) {
		end := m[1] + deadlineWindow
		if end > len(text) {
			end = len(text)
		}
		// Cut on a rune boundary.
		for end < len(text) && !utf8RuneStart(text[end]) {
			end++
		}
		window := text[m[1]:end]
		// "Deadline to be announced. Published 2026-01-01": a date in the next sentence
		// belongs to something else.
		if i := reSentenceEnd.FindStringSubmatchIndex(window); i != nil {
			window = window[:i[3]]
		}
		if t, n := firstDateSpan(window, loc); t != nil {
			return t, oneLine(text[m[0] : m[1]+n])
		}
	}
	return nil, ""
}

// textEvidence is how a deadline read from free text is recorded: the field it was read in
// and the quoted words.
func textEvidence(field, words string) string {
	return field + " text: \u201c" + words + "\u201d"
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }

// firstDate returns the earliest readable date in s, with the time of day that follows it.
func firstDate(s string, loc *time.Location) *time.Time {
	t, _ := firstDateSpan(s, loc)
	return t
}

// firstDateSpan is firstDate that also says where in s the date (and its time) ends.
func firstDateSpan(s string, loc *time.Location) (*time.Time, int) {
	type cand struct {
		pos, end int
		y, m, d  int
	}
	var best *cand
	try := func(c cand) {
		if c.m < 1 || c.m > 12 || c.d < 1 || c.d > 31 || c.y < 1900 || c.y > 2200 {
			return
		}
		// Reject impossible days (31 February) instead of letting time.Date roll over.
		if time.Date(c.y, time.Month(c.m), c.d, 0, 0, 0, 0, time.UTC).Day() != c.d {
			return
		}
		if best == nil || c.pos < best.pos {
			cc := c
			best = &cc
		}
	}
	atoi := func(s string) int { n, _ := strconv.Atoi(s); return n }
	for _, m := range reISODate.FindAllStringSubmatchIndex(s, -1) {
		try(cand{m[0], m[1], atoi(s[m[2]:m[3]]), atoi(s[m[4]:m[5]]), atoi(s[m[6]:m[7]])})
	}
	for _, m := range reNumericDate.FindAllStringSubmatchIndex(s, -1) {
		// European order: day first.
		try(cand{m[0], m[1], atoi(s[m[6]:m[7]]), atoi(s[m[4]:m[5]]), atoi(s[m[2]:m[3]])})
	}
	for _, m := range reDayMonth.FindAllStringSubmatchIndex(s, -1) {
		if mo, ok := monthNames[strings.ToLower(s[m[4]:m[5]])]; ok {
			try(cand{m[0], m[1], atoi(s[m[6]:m[7]]), int(mo), atoi(s[m[2]:m[3]])})
		}
	}
	for _, m := range reMonthDay.FindAllStringSubmatchIndex(s, -1) {
		if mo, ok := monthNames[strings.ToLower(s[m[2]:m[3]])]; ok {
			try(cand{m[0], m[1], atoi(s[m[6]:m[7]]), int(mo), atoi(s[m[4]:m[5]])})
		}
	}
	if best == nil {
		return nil, 0
	}
	h, mi, sec := 23, 59, 59
	end := best.end
	if c := reClock.FindStringSubmatchIndex(s[best.end:]); c != nil {
		hh, mm := atoi(s[best.end+c[2]:best.end+c[3]]), 0
		for _, g := range [][2]int{{c[4], c[5]}, {c[6], c[7]}} {
			if g[0] >= 0 {
				mm = atoi(s[best.end+g[0] : best.end+g[1]])
			}
		}
		if hh < 24 && mm < 60 {
			h, mi, sec = hh, mm, 0
			end = best.end + c[1]
		}
	}
	t := time.Date(best.y, time.Month(best.m), best.d, h, mi, sec, 0, loc)
	return &t, end
}
