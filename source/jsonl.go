package source

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/passerelle/passerelle"
)

// jsonlRecord is the canonical opportunity shape (DESIGN §3) as it comes in: dates are
// kept raw so that a bad one names its field instead of failing the whole record with a
// generic message, and so that date-times without a zone can be read in the source's zone.
// Unknown fields are ignored.
type jsonlRecord struct {
	ID                string                     `json:"id"`
	Source            string                     `json:"source"`
	Sources           []string                   `json:"sources"`
	ExternalID        string                     `json:"external_id"`
	Kind              string                     `json:"kind"`
	Title             string                     `json:"title"`
	Description       string                     `json:"description"`
	Language          string                     `json:"language"`
	Translations      map[string]passerelle.Text `json:"translations"`
	URL               string                     `json:"url"`
	Buyer             string                     `json:"buyer"`
	Pole              string                     `json:"pole"`
	Programme         string                     `json:"programme"`
	ActionType        string                     `json:"action_type"`
	Country           string                     `json:"country"`
	NUTS              []string                   `json:"nuts"`
	CPV               []string                   `json:"cpv"`
	Clusters          []string                   `json:"clusters"`
	Sectors           []string                   `json:"sectors"`
	Published         json.RawMessage            `json:"published"`
	Deadline          json.RawMessage            `json:"deadline"`
	DeadlineUntrusted bool                       `json:"deadline_untrusted"`
	Stages            []struct {
		Name     string          `json:"name"`
		Deadline json.RawMessage `json:"deadline"`
	} `json:"stages"`
	Value *struct {
		Amount   json.Number `json:"amount"`
		Currency string      `json:"currency"`
	} `json:"value"`
	Status string `json:"status"`
}

// maxLine bounds one JSONL record; a longer line is reported as a bad record, not read
// into memory without end.
const maxLine = 16 << 20

// ParseJSONL reads canonical opportunities, one JSON object a line (DESIGN §3). Blank lines
// are skipped. A record keeps its id verbatim; without one it gets "<source>:<external_id>",
// and without either it is a bad record. published may be a bare date; deadline a date-time
// without zone (read in the source's zone), RFC 3339, a bare date (end of that day) or null.
// CPV codes may carry check digits. The status is taken when given, else left empty for the
// pipeline to compute.
func ParseJSONL(ctx context.Context, r io.Reader, name string, src passerelle.Source) ([]passerelle.Opportunity, error) {
	loc, err := location(src)
	if err != nil {
		return nil, err
	}
	br := bufio.NewReaderSize(r, 64<<10)
	var (
		out     []passerelle.Opportunity
		errs    RecordErrors
		lineNo  int
		records int
	)
	for {
		if lineNo%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return out, err
			}
		}
		line, tooLong, err := readLine(br)
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s: line %d: %w", name, lineNo+1, err)
		}
		if len(line) == 0 && !tooLong && errors.Is(err, io.EOF) {
			break
		}
		lineNo++
		line = bytes.TrimSpace(line)
		if len(line) == 0 && !tooLong {
			if errors.Is(err, io.EOF) {
				break
			}
			continue
		}
		records++
		if tooLong {
			errs.add(name, records, lineNo, "", fmt.Errorf("record longer than %d bytes", maxLine))
		} else if o, field, rerr := decodeJSONL(line, src, loc); rerr != nil {
			errs.add(name, records, lineNo, field, rerr)
		} else {
			out = append(out, o)
		}
		if errors.Is(err, io.EOF) {
			break
		}
	}
	if len(out) == 0 && len(errs.Errs) > 0 && records == 1 && errs.Errs[0].Field == "" {
		// A single unreadable line is most likely not JSONL at all.
		return nil, fmt.Errorf("%s: not JSON Lines: %w", name, errs.Errs[0])
	}
	return out, errs.err()
}

// readLine returns the next line without its newline. A line longer than maxLine is
// consumed and reported as tooLong.
func readLine(br *bufio.Reader) (line []byte, tooLong bool, err error) {
	for {
		chunk, isPrefix, e := br.ReadLine()
		if e != nil {
			return line, tooLong, e
		}
		if !tooLong {
			if len(line)+len(chunk) > maxLine {
				tooLong, line = true, nil
			} else {
				line = append(line, chunk...)
			}
		}
		if !isPrefix {
			return line, tooLong, nil
		}
	}
}

// decodeJSONL turns one line into an opportunity, or names the field that is wrong.
func decodeJSONL(line []byte, src passerelle.Source, loc *time.Location) (passerelle.Opportunity, string, error) {
	var rec jsonlRecord
	d := json.NewDecoder(bytes.NewReader(line))
	d.UseNumber()
	if err := d.Decode(&rec); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return passerelle.Opportunity{}, te.Field, fmt.Errorf("expected %s, got JSON %s", te.Type, te.Value)
		}
		return passerelle.Opportunity{}, "", fmt.Errorf("not a JSON object: %w", err)
	}
	if d.More() {
		return passerelle.Opportunity{}, "", errors.New("more than one JSON value on the line")
	}
	o := passerelle.Opportunity{
		ID:                strings.TrimSpace(rec.ID),
		Source:            rec.Source,
		Sources:           rec.Sources,
		ExternalID:        strings.TrimSpace(rec.ExternalID),
		Kind:              passerelle.Kind(rec.Kind),
		Title:             oneLine(rec.Title),
		Description:       strings.TrimSpace(rec.Description),
		Language:          strings.ToLower(strings.TrimSpace(rec.Language)),
		Translations:      rec.Translations,
		URL:               strings.TrimSpace(rec.URL),
		Buyer:             oneLine(rec.Buyer),
		Pole:              rec.Pole,
		Programme:         oneLine(rec.Programme),
		ActionType:        oneLine(rec.ActionType),
		Country:           strings.ToUpper(strings.TrimSpace(rec.Country)),
		NUTS:              rec.NUTS,
		CPV:               rec.CPV,
		Clusters:          rec.Clusters,
		Sectors:           rec.Sectors,
		DeadlineUntrusted: rec.DeadlineUntrusted,
		Status:            passerelle.Status(rec.Status),
	}
	if o.ID == "" {
		if o.ExternalID == "" {
			return o, "id", errors.New("missing: a record needs an id or an external_id")
		}
		o.ID = src.ID + ":" + o.ExternalID
	}
	if o.Title == "" {
		return o, "title", errors.New("missing")
	}
	if o.Kind != "" && !o.Kind.Valid() {
		return o, "kind", fmt.Errorf("unknown kind %q", rec.Kind)
	}
	switch o.Status {
	case "", passerelle.StatusOpen, passerelle.StatusClosing, passerelle.StatusClosed, passerelle.StatusCancelled, passerelle.StatusUnknown:
	default:
		return o, "status", fmt.Errorf("unknown status %q", rec.Status)
	}
	var err error
	if o.Published, err = rawTime(rec.Published, loc, false); err != nil {
		return o, "published", err
	}
	if o.Deadline, err = rawTime(rec.Deadline, loc, true); err != nil {
		return o, "deadline", err
	}
	for i, s := range rec.Stages {
		dl, err := rawTime(s.Deadline, loc, true)
		if err != nil {
			return o, fmt.Sprintf("stages[%d].deadline", i), err
		}
		o.Stages = append(o.Stages, passerelle.Stage{Name: s.Name, Deadline: dl})
	}
	if rec.Value != nil && rec.Value.Amount != "" {
		a, err := rec.Value.Amount.Float64()
		if err != nil {
			return o, "value.amount", fmt.Errorf("not a number: %q", rec.Value.Amount)
		}
		o.Value = &passerelle.Money{Amount: a, Currency: strings.ToUpper(rec.Value.Currency)}
	}
	return o, "", nil
}

// rawTime reads a JSON date value: a string, null or absent.
func rawTime(raw json.RawMessage, loc *time.Location, endOfDay bool) (*time.Time, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, fmt.Errorf("expected a date string, got %s", raw)
	}
	return parseTime(s, loc, endOfDay)
}
