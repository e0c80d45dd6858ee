package source

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"

	"github.com/passerelle/passerelle"
)

// ftsTopicURL is the portal page of a topic, for records that do not carry portalUrl.
const ftsTopicURL = "https://ec.europa.eu/info/funding-tenders/opportunities/portal/screen/opportunities/topic-details/"

// ParseFTS reads answers of the EU Funding & Tenders portal's search API: topics, one JSON
// object a line (JSON Lines), a JSON array of them, a single topic object, or the API's
// envelope {"results": [...]} holding flattened topics or the API's own records (see
// fts_envelope.go). A topic is
// one opportunity of kind call:
//
//   - topicId → external id (id "<source>:<topicId>"); title, programme; the language is
//     the suffix of reference ("…TOPICSen"), English when it has none.
//   - typesOfAction ("HORIZON Research and Innovation Actions", "HORIZON ERC Grants") →
//     action_type: it says who may apply. actionType ("RIA", "Grant", "Prize") is only the
//     family and is used when typesOfAction is missing.
//   - description (Expected Outcome, Scope…) → text: HTML stripped, cp1252 mojibake
//     ("â€“", "IRISÂ²") repaired, the portal's section headings put at the start of a line.
//   - deadline: a date (17:00 that day in the source's zone, Europe/Brussels by default:
//     the portal closes its calls at 17:00 Brussels time, as topic conditions say, "3
//     September 2026, 17:00 (Brussels time)"; the end of the day would be 7 hours late)
//     or a list of dates. deadlineModel (else submissionProcedure.abbreviation)
//     says what several dates are. A two-stage topic gets two stages, "first stage" and
//     "second stage", the second without a date when the answer gives only one; its
//     deadline is the first stage's, after which nobody new can apply. Cut-off dates
//     become stages "cut-off 1"…; the deadline is the last one, the call staying open
//     until then. The field stage is not read: the search API writes "two-stage" on
//     single-stage topics too.
//   - callStatus: open and closed are kept, forthcoming is unknown (not open yet).
//   - budgetMax, else budgetMin → value in EUR; portalUrl → url.
//
// Buyer and country are left empty: an answer names neither.
func ParseFTS(ctx context.Context, r io.Reader, name string, src passerelle.Source) ([]passerelle.Opportunity, error) {
	raw, loc, err := readDocument(r, name, src)
	if err != nil {
		return nil, err
	}
	p := &ftsParser{name: name, src: src, loc: loc}
	trimmed := bytes.TrimLeft(raw, " \t\r\n")
	switch {
	case len(trimmed) > 0 && trimmed[0] == '[':
		err = p.array(ctx, raw)
	case len(trimmed) > 0 && trimmed[0] == '{' && json.Valid(trimmed):
		// The search API's envelope ({"results": [...]}, fts_envelope.go), else one topic,
		// perhaps pretty-printed: not a line of JSON Lines.
		var ok bool
		if ok, err = p.envelope(ctx, trimmed); !ok {
			p.records = 1
			p.record(1, 1+bytes.Count(raw[:len(raw)-len(trimmed)], []byte("\n")), trimmed)
		}
	default:
		err = p.lines(ctx, raw)
	}
	if err != nil {
		return p.out, err
	}
	if len(p.out) == 0 && len(p.errs.Errs) > 0 && !slices.ContainsFunc(p.errs.Errs, func(e RecordError) bool { return e.Field != "" }) {
		// Not one record could be read as a topic: this is not a portal answer at all.
		return nil, fmt.Errorf("%s: not a Funding & Tenders answer (JSON Lines or an array of topics): %w", name, p.errs.Errs[0])
	}
	return p.out, p.errs.err()
}

type ftsParser struct {
	name    string
	src     passerelle.Source
	loc     *time.Location
	out     []passerelle.Opportunity
	errs    RecordErrors
	records int
}

// lines reads JSON Lines: one topic a non-blank line.
func (p *ftsParser) lines(ctx context.Context, raw []byte) error {
	br := bufio.NewReaderSize(bytes.NewReader(raw), 64<<10)
	lineNo := 0
	for {
		if lineNo%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		line, tooLong, err := readLine(br)
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("%s: line %d: %w", p.name, lineNo+1, err)
		}
		if len(line) == 0 && !tooLong && errors.Is(err, io.EOF) {
			return nil
		}
		lineNo++
		if line = bytes.TrimSpace(line); len(line) > 0 || tooLong {
			p.records++
			if tooLong {
				p.errs.add(p.name, p.records, lineNo, "", fmt.Errorf("record longer than %d bytes", maxLine))
			} else {
				p.record(p.records, lineNo, line)
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
	}
}

// array reads a JSON array of topics, element by element, so that one bad element names
// its own position and line. After a syntax error the rest cannot be read: it is reported
// as a bad record and the good records before it are kept.
func (p *ftsParser) array(ctx context.Context, raw []byte) error {
	d := json.NewDecoder(bytes.NewReader(raw))
	if _, err := d.Token(); err != nil { // the '[' ParseFTS saw
		return fmt.Errorf("%s: not JSON: %w", p.name, err)
	}
	lines := lineCounter{raw: raw, line: 1}
	for d.More() {
		if p.records%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		p.records++
		line := lines.at(elementStart(raw, int(d.InputOffset())))
		var elem json.RawMessage
		if err := d.Decode(&elem); err != nil {
			p.errs.add(p.name, p.records, line, "", fmt.Errorf("not JSON: %w", err))
			return nil
		}
		p.record(p.records, line, elem)
	}
	if _, err := d.Token(); err != nil {
		p.errs.add(p.name, p.records+1, lines.at(int(d.InputOffset())), "", fmt.Errorf("array not closed: %w", err))
	}
	return nil
}

// elementStart skips the blanks and the comma between the decoder's offset and the next
// element.
func elementStart(raw []byte, off int) int {
	for off < len(raw) && strings.IndexByte(" \t\r\n,", raw[off]) >= 0 {
		off++
	}
	return off
}

// lineCounter gives the 1-based line of increasing offsets, counting each byte once.
type lineCounter struct {
	raw  []byte
	off  int
	line int
}

func (c *lineCounter) at(off int) int {
	off = min(off, len(c.raw))
	if off > c.off {
		c.line += bytes.Count(c.raw[c.off:off], []byte("\n"))
		c.off = off
	}
	return c.line
}

// record adds one topic to the output, or its error to the list.
func (p *ftsParser) record(n, line int, b []byte) {
	t, field, err := decodeFTS(b)
	if err == nil {
		var o passerelle.Opportunity
		if o, field, err = ftsOpportunity(t, p.src, p.loc); err == nil {
			p.out = append(p.out, o)
			return
		}
	}
	p.errs.add(p.name, n, line, field, err)
}

// ftsWire is a topic as the search API writes it. The fields that take more than one
// shape (a date or a list of dates, a number or a string) are read apart.
type ftsWire struct {
	Reference           string          `json:"reference"`
	TopicID             string          `json:"topicId"`
	Title               string          `json:"title"`
	Programme           string          `json:"programme"`
	TypesOfAction       string          `json:"typesOfAction"`
	ActionType          string          `json:"actionType"`
	Description         string          `json:"description"`
	TopicConditions     string          `json:"topicConditions"`
	DeadlineModel       string          `json:"deadlineModel"`
	CallStatus          string          `json:"callStatus"`
	PortalURL           string          `json:"portalUrl"`
	Deadline            json.RawMessage `json:"deadline"`
	BudgetMin           json.RawMessage `json:"budgetMin"`
	BudgetMax           json.RawMessage `json:"budgetMax"`
	SubmissionProcedure *struct {
		Abbreviation string `json:"abbreviation"`
	} `json:"submissionProcedure"`
}

// ftsTopic is a topic with its fields of more than one shape read.
type ftsTopic struct {
	ftsWire
	deadlines            []string
	deadlineList         bool // deadline was a JSON array
	budgetMin, budgetMax *float64
}

// decodeFTS reads the fields of one topic, naming the one of the wrong type.
func decodeFTS(b []byte) (ftsTopic, string, error) {
	var t ftsTopic
	if isJSONNull(b) {
		return t, "", errors.New("expected a JSON object, got null")
	}
	var w ftsWire
	if err := json.Unmarshal(b, &w); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			if te.Field == "" {
				return t, "", fmt.Errorf("expected a JSON object, got JSON %s", te.Value)
			}
			want := "a string"
			if k := te.Type.Kind(); k == reflect.Struct || k == reflect.Pointer {
				want = "an object"
			}
			return t, te.Field, fmt.Errorf("expected %s, got JSON %s", want, te.Value)
		}
		return t, "", fmt.Errorf("not a JSON object: %w", err)
	}
	t.ftsWire = w
	if t.DeadlineModel == "" && w.SubmissionProcedure != nil {
		t.DeadlineModel = w.SubmissionProcedure.Abbreviation
	}
	var err error
	var field string
	if t.deadlines, t.deadlineList, field, err = jsonDates(w.Deadline); err != nil {
		return t, "deadline" + field, err
	}
	if t.budgetMin, err = jsonAmount(w.BudgetMin); err != nil {
		return t, "budgetMin", err
	}
	if t.budgetMax, err = jsonAmount(w.BudgetMax); err != nil {
		return t, "budgetMax", err
	}
	return t, "", nil
}

func isJSONNull(raw json.RawMessage) bool {
	return len(raw) == 0 || string(bytes.TrimSpace(raw)) == "null"
}

// jsonText reads a string field: "" when absent or null, an error for another type.
func jsonText(raw json.RawMessage) (string, error) {
	if isJSONNull(raw) {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", fmt.Errorf("expected a string, got JSON %s", snippet(raw, 40))
	}
	return s, nil
}

// jsonDates reads a date or a list of dates; field is the index of a bad element ("[1]").
func jsonDates(raw json.RawMessage) (dates []string, list bool, field string, err error) {
	if isJSONNull(raw) {
		return nil, false, "", nil
	}
	if s, err := jsonText(raw); err == nil {
		return []string{s}, false, "", nil
	}
	var elems []json.RawMessage
	if err := json.Unmarshal(raw, &elems); err != nil {
		return nil, false, "", fmt.Errorf("expected a date or a list of dates, got JSON %s", snippet(raw, 40))
	}
	for i, e := range elems {
		s, err := jsonText(e)
		if err != nil {
			return nil, true, "[" + strconv.Itoa(i) + "]", fmt.Errorf("expected a date string, got JSON %s", snippet(e, 40))
		}
		dates = append(dates, s)
	}
	return dates, true, "", nil
}

// jsonAmount reads a number, or a string holding one: nil when absent, null or "".
func jsonAmount(raw json.RawMessage) (*float64, error) {
	if isJSONNull(raw) {
		return nil, nil
	}
	s := string(bytes.TrimSpace(raw))
	if strings.HasPrefix(s, `"`) {
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, err
		}
		if s = strings.TrimSpace(s); s == "" {
			return nil, nil
		}
	}
	a, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(a) || math.IsInf(a, 0) {
		return nil, fmt.Errorf("expected a number, got JSON %s", snippet(raw, 40))
	}
	return &a, nil
}

// reFTSLanguage is the language suffix of a search API reference ("51331826TOPICSen").
var reFTSLanguage = regexp.MustCompile(`TOPICS([a-z]{2})$`)

// ftsOpportunity maps a topic, or names the field that is missing or wrong.
// ftsClosingHour is when the portal's calls close, Brussels time.
const ftsClosingHour = 17

func ftsOpportunity(t ftsTopic, src passerelle.Source, loc *time.Location) (passerelle.Opportunity, string, error) {
	o := passerelle.Opportunity{
		ExternalID:  strings.TrimSpace(t.TopicID),
		Kind:        passerelle.KindCall,
		Language:    "en",
		Title:       unescapeText(stripHTML(repairMojibake(t.Title))),
		Description: ftsText(t.Description),
		URL:         strings.TrimSpace(t.PortalURL),
		Programme:   oneLine(repairMojibake(t.Programme)),
		ActionType:  oneLine(repairMojibake(t.TypesOfAction)),
	}
	if o.ExternalID == "" {
		return o, "topicId", errors.New("missing")
	}
	o.ID = src.ID + ":" + o.ExternalID
	if o.Title == "" {
		return o, "title", errors.New("missing")
	}
	if m := reFTSLanguage.FindStringSubmatch(strings.TrimSpace(t.Reference)); m != nil {
		o.Language = m[1]
	}
	if o.ActionType == "" {
		o.ActionType = oneLine(t.ActionType)
	}
	if o.URL == "" {
		o.URL = ftsTopicURL + strings.ToLower(o.ExternalID)
	}
	switch strings.ToLower(strings.TrimSpace(t.CallStatus)) {
	case "open":
		o.Status = passerelle.StatusOpen
	case "closed":
		o.Status = passerelle.StatusClosed
	case "forthcoming":
		o.Status = passerelle.StatusUnknown
	}
	if a := t.budgetMax; a != nil && *a > 0 {
		o.Value = &passerelle.Money{Amount: *a, Currency: "EUR"}
	} else if a := t.budgetMin; a != nil && *a > 0 {
		o.Value = &passerelle.Money{Amount: *a, Currency: "EUR"}
	}
	// The conditions may state the deadline with its hour ("Deadline for submitting
	// applications: 3 September 2026, 17:00 (Brussels time)").
	stated, words := findDeadline(stripHTML(repairMojibake(t.TopicConditions)), loc)
	if stated != nil && stated.Hour() == 23 && stated.Minute() == 59 {
		stated = nil // a date without its hour says no more than the deadline field
	}
	if len(t.deadlines) == 0 && stated != nil {
		o.Deadline, o.DeadlineEvidence = stated, textEvidence("topicConditions", words)
	}
	var dates []time.Time
	for i, s := range t.deadlines {
		d, err := parseTime(s, loc, true)
		if err == nil && d != nil && len(strings.TrimSpace(s)) == len("2006-01-02") {
			// A date alone: the hour the conditions state for that day, else the
			// portal's closing hour, not the end of the day.
			y, m, day := d.In(loc).Date()
			at := time.Date(y, m, day, ftsClosingHour, 0, 0, 0, loc)
			if stated != nil {
				if sy, sm, sd := stated.In(loc).Date(); sy == y && sm == m && sd == day {
					at = stated.In(loc)
					o.DeadlineEvidence = textEvidence("topicConditions", words)
				}
			}
			d = &at
		}
		if err != nil {
			field := "deadline"
			if t.deadlineList {
				field += "[" + strconv.Itoa(i) + "]"
			}
			return o, field, err
		}
		if d != nil && !slices.ContainsFunc(dates, d.Equal) {
			dates = append(dates, *d)
		}
	}
	slices.SortFunc(dates, func(a, b time.Time) int { return a.Compare(b) })
	model := strings.ToLower(t.DeadlineModel)
	switch {
	case len(dates) == 0:
	case strings.Contains(model, "two") && strings.Contains(model, "stage"):
		dl, first := dates[0], dates[0]
		var second *time.Time
		if len(dates) > 1 {
			second = &dates[1]
		}
		o.Deadline = &dl
		o.Stages = []passerelle.Stage{{Name: "first stage", Deadline: &first}, {Name: "second stage", Deadline: second}}
	case len(dates) > 1: // multiple cut-off, said or not: several dates of one stage
		for i := range dates {
			o.Stages = append(o.Stages, passerelle.Stage{Name: "cut-off " + strconv.Itoa(i+1), Deadline: &dates[i]})
		}
		last := dates[len(dates)-1]
		o.Deadline = &last
	default:
		o.Deadline = &dates[0]
	}
	return o, "", nil
}

// ftsHeadings are the portal's section headings, which its answers glue to the text around
// them ("…activities. Objective:The aim…"). Longest first.
var ftsHeadings = []string{"Expected Outcomes", "Expected Outcome", "Expected Impacts", "Expected Impact", "Objectives", "Objective", "Scope"}

// ftsText is a topic's description as text: mojibake repaired, HTML stripped, each
// section heading at the start of its line and followed by a space. A heading is one of
// ftsHeadings and a colon, at the start of the text or of a line or after the end of a
// sentence.
func ftsText(s string) string {
	s = stripHTML(repairMojibake(s))
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); {
		j := strings.IndexByte(s[i:], ':')
		if j < 0 {
			break
		}
		colon := i + j
		i = colon + 1
		end := colon
		for end > last && s[end-1] == ' ' {
			end--
		}
		h := ""
		for _, w := range ftsHeadings {
			if strings.HasSuffix(s[last:end], w) {
				h = w
				break
			}
		}
		if h == "" {
			continue
		}
		start := end - len(h)
		for start > last && s[start-1] == ' ' {
			start--
		}
		if start > 0 && strings.IndexByte(".!?;)]\n", s[start-1]) < 0 {
			continue // inside a sentence, or the end of a longer word
		}
		if b.Len() == 0 {
			b.Grow(len(s) + 64)
		}
		b.WriteString(s[last:start])
		if start > 0 && s[start-1] != '\n' {
			b.WriteByte('\n')
		}
		b.WriteString(h)
		b.WriteByte(':')
		for i < len(s) && s[i] == ' ' {
			i++
		}
		if i < len(s) && s[i] != '\n' {
			b.WriteByte(' ')
		}
		last = i
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// repairMojibake undoes UTF-8 text read as Windows-1252 (or Latin-1) and written back as
// UTF-8: "â€“" is "–", "IRISÂ²" is "IRIS²". Each run of characters that maps back to the
// bytes of one valid UTF-8 sequence is replaced by that character; the rest of the text is
// left alone. Re-encoding the whole text would fail on text that mixes repaired and broken
// characters, or that carries a character cp1252 lacks (U+009D, the Latin-1 reading of the
// last byte of "”", found in "â€\u009d"). Text broken twice is repaired twice.
func repairMojibake(s string) string {
	for range 3 {
		fixed, changed := repairMojibakeOnce(s)
		if !changed {
			break
		}
		s = fixed
	}
	return s
}

func repairMojibakeOnce(s string) (string, bool) {
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		lead, ok := mojibakeByte(r)
		n := 0
		switch {
		case !ok:
		case lead >= 0xC2 && lead <= 0xDF:
			n = 2
		case lead >= 0xE0 && lead <= 0xEF:
			n = 3
		case lead >= 0xF0 && lead <= 0xF4:
			n = 4
		}
		if n == 0 {
			i += size
			continue
		}
		seq := []byte{lead}
		j := i + size
		for len(seq) < n && j < len(s) {
			r2, size2 := utf8.DecodeRuneInString(s[j:])
			c, ok := mojibakeByte(r2)
			if !ok || c < 0x80 || c > 0xBF {
				break
			}
			seq = append(seq, c)
			j += size2
		}
		if len(seq) == n {
			if _, sz := utf8.DecodeRune(seq); sz == n { // valid, not overlong, not a surrogate
				if b.Len() == 0 {
					b.Grow(len(s))
				}
				b.WriteString(s[last:i])
				b.Write(seq)
				last, i = j, j
				continue
			}
		}
		i += size
	}
	if last == 0 {
		return s, false
	}
	b.WriteString(s[last:])
	return b.String(), true
}

// mojibakeByte is the byte a Windows-1252 reader turned into r. Bytes that Windows-1252
// leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D) come out of Latin-1 readers as the C1
// control of the same number.
func mojibakeByte(r rune) (byte, bool) {
	switch {
	case r < 0x80:
		return 0, false
	case r <= 0x9F:
		return byte(r), true
	}
	return charmap.Windows1252.EncodeRune(r)
}
