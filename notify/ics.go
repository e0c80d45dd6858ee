package notify

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/passerelle/passerelle"
)

// ICS line limits (RFC 5545 §3.1): lines end in CRLF and are folded at 75 octets, the
// continuation starting with one space.
const icsLineMax = 75

// icsWriter writes content lines, folding and ending them; it keeps the first error.
type icsWriter struct {
	w   *bufio.Writer
	err error
}

// line writes "NAME:value" (value already escaped when it is TEXT), folded.
func (iw *icsWriter) line(name, value string) {
	if iw.err != nil {
		return
	}
	s := name + ":" + value
	limit := icsLineMax
	for len(s) > limit {
		cut := limit
		// Never split a UTF-8 sequence: back up to the start of the rune.
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		iw.write(s[:cut] + "\r\n ")
		s = s[cut:]
		limit = icsLineMax - 1 // the leading space counts
	}
	iw.write(s + "\r\n")
}

func (iw *icsWriter) write(s string) {
	if iw.err == nil {
		_, iw.err = iw.w.WriteString(s)
	}
}

// EscapeText escapes an iCalendar TEXT value: backslash, semicolon, comma and newline.
// Carriage returns go; other control characters, which no TEXT may hold, become spaces.
func EscapeText(s string) string {
	var b strings.Builder
	s = strings.ReplaceAll(s, "\r\n", "\n")
	for _, r := range s {
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r == ';':
			b.WriteString(`\;`)
		case r == ',':
			b.WriteString(`\,`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
		case r < 0x20 && r != '\t', r == 0x7f:
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// icsURI keeps a URI value safe on one content line: it is not TEXT, so nothing is
// escaped, but a control character would break the line.
func icsURI(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, strings.TrimSpace(s))
}

func icsTime(t time.Time) string { return t.UTC().Format("20060102T150405Z") }

// EventUID is the UID of the calendar event for one deadline of a member's match: stable
// across feeds as long as the member, the opportunity and the stage name stay the same.
func EventUID(member, opportunity, stage string) string {
	h := sha256.Sum256([]byte(member + "\x00" + opportunity + "\x00" + stage))
	return hex.EncodeToString(h[:12]) + "@passerelle"
}

// WriteICS writes an RFC 5545 calendar of the member's matches: one VEVENT per deadline and
// per stage deadline (a stage ending exactly at the main deadline is that event), a
// zero-length event at the deadline time. Placeholder deadlines are left out. DTSTAMP is
// now; SEQUENCE follows the opportunity's revision so that moved deadlines update.
func WriteICS(w io.Writer, m passerelle.Member, items []Item, now time.Time) error {
	lang := Lang(m)
	t := msgs(lang)
	lb := labelsOf(lang, t)
	iw := &icsWriter{w: bufio.NewWriter(w)}
	name := "Passerelle — " + m.Name
	iw.line("BEGIN", "VCALENDAR")
	iw.line("VERSION", "2.0")
	iw.line("PRODID", "-//Passerelle//Deadlines//"+strings.ToUpper(lang))
	iw.line("CALSCALE", "GREGORIAN")
	iw.line("METHOD", "PUBLISH")
	iw.line("NAME", EscapeText(name))
	iw.line("X-WR-CALNAME", EscapeText(name))
	iw.line("REFRESH-INTERVAL;VALUE=DURATION", "PT12H")
	iw.line("X-PUBLISHED-TTL", "PT12H")
	for _, it := range feedItems(m, items) {
		o := it.Opportunity
		if o.DeadlineUntrusted {
			continue
		}
		title := oneLine(Title(o, lang))
		desc := summary(it, now, lang, lb)
		if link := Link("", it); link != "" {
			desc += "\n" + lb.Link + " " + link
		}
		event := func(stage string, at time.Time, summ string) {
			iw.line("BEGIN", "VEVENT")
			iw.line("UID", EscapeText(EventUID(m.ID, it.Match.Opportunity, stage)))
			iw.line("DTSTAMP", icsTime(now))
			iw.line("DTSTART", icsTime(at))
			if !o.Updated.IsZero() {
				iw.line("LAST-MODIFIED", icsTime(o.Updated))
			}
			iw.line("SEQUENCE", strconv.Itoa(max(o.Revision, 0)))
			iw.line("SUMMARY", EscapeText(summ))
			iw.line("DESCRIPTION", EscapeText(desc))
			if link := icsURI(Link("", it)); link != "" {
				iw.line("URL", link)
			}
			if o.Status == passerelle.StatusCancelled {
				iw.line("STATUS", "CANCELLED")
			} else {
				iw.line("STATUS", "CONFIRMED")
			}
			iw.line("TRANSP", "TRANSPARENT") // a deadline does not make anyone busy
			iw.line("END", "VEVENT")
		}
		if o.Deadline != nil {
			event("", *o.Deadline, t.deadline+" — "+title)
		}
		names := make(map[string]int)
		for _, s := range o.Stages {
			key := "stage:" + s.Name
			if names[s.Name]++; names[s.Name] > 1 {
				key += "#" + strconv.Itoa(names[s.Name]) // two stages of one name stay two events
			}
			if s.Deadline == nil || (o.Deadline != nil && s.Deadline.Equal(*o.Deadline)) {
				continue
			}
			event(key, *s.Deadline, oneLine(s.Name)+" — "+title)
		}
	}
	iw.line("END", "VCALENDAR")
	if iw.err == nil {
		iw.err = iw.w.Flush()
	}
	if iw.err != nil {
		return fmt.Errorf("ics feed of member %s: %w", m.ID, iw.err)
	}
	return nil
}
