package source

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/passerelle/passerelle"
)

var testSrc = passerelle.Source{ID: "ted", Name: "TED", Format: "jsonl"}

func brussels(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Brussels")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestParseJSONLRealNotices(t *testing.T) {
	f, err := os.Open("testdata/notices.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ops, err := ParseJSONL(context.Background(), f, "notices.jsonl", testSrc)
	if err != nil {
		t.Fatalf("ParseJSONL: %v", err)
	}
	if len(ops) != 10 {
		t.Fatalf("got %d records, want 10", len(ops))
	}
	byID := map[string]passerelle.Opportunity{}
	for _, o := range ops {
		byID[o.ID] = o
	}
	bru := brussels(t)
	tests := []struct {
		id       string
		kind     passerelle.Kind
		lang     string
		country  string
		cpv      []string
		deadline string // RFC 3339, "" for none
		pub      string
		transl   string // a translation language that must be present
	}{
		{id: "000002-2019", kind: "award", lang: "en", country: "BE", cpv: []string{"79000000"}, pub: "2019-01-02", transl: "fr"},
		{id: "000817-2018", kind: "call", lang: "fr", cpv: []string{"34928440", "44212321", "90917000", "34928472"}, deadline: "2018-02-19T12:00:00+01:00", pub: "2018-01-03"},
		// A bare deadline date is the end of that day.
		{id: "010045-2018", kind: "prior-info", lang: "pl", deadline: "2018-10-01T23:59:59+02:00"},
		{id: "doffin:2023-651678", kind: "call", lang: "nb", country: "NO", deadline: "2023-02-10T12:00:00+01:00"},
		{id: "522031-2023", kind: "award", lang: "en", transl: "fr"},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			o, ok := byID[tt.id]
			if !ok {
				t.Fatalf("record %s missing", tt.id)
			}
			if o.Kind != tt.kind {
				t.Errorf("kind = %q, want %q", o.Kind, tt.kind)
			}
			if o.Language != tt.lang {
				t.Errorf("language = %q, want %q", o.Language, tt.lang)
			}
			if tt.country != "" && o.Country != tt.country {
				t.Errorf("country = %q, want %q", o.Country, tt.country)
			}
			if tt.cpv != nil && strings.Join(o.CPV, ",") != strings.Join(tt.cpv, ",") {
				t.Errorf("cpv = %v, want %v", o.CPV, tt.cpv)
			}
			switch {
			case tt.deadline == "" && o.Deadline != nil:
				t.Errorf("deadline = %v, want none", o.Deadline)
			case tt.deadline != "":
				want, _ := time.Parse(time.RFC3339, tt.deadline)
				if o.Deadline == nil || !o.Deadline.Equal(want) {
					t.Errorf("deadline = %v, want %v", o.Deadline, want)
				}
			}
			if tt.pub != "" {
				want, _ := time.ParseInLocation("2006-01-02", tt.pub, bru)
				if o.Published == nil || !o.Published.Equal(want) {
					t.Errorf("published = %v, want %v", o.Published, want)
				}
			}
			if tt.transl != "" && o.Translations[tt.transl].Title == "" {
				t.Errorf("translation %q missing: %v", tt.transl, o.Translations)
			}
			if o.Title == "" || o.Buyer == "" {
				t.Errorf("title %q / buyer %q empty", o.Title, o.Buyer)
			}
			if o.Status != "" {
				t.Errorf("status = %q, want empty (computed by the pipeline)", o.Status)
			}
		})
	}
}

func TestParseJSONLBadRecords(t *testing.T) {
	f, err := os.Open("testdata/bad.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ops, err := ParseJSONL(context.Background(), f, "bad.jsonl", testSrc)
	var re *RecordErrors
	if !errors.As(err, &re) {
		t.Fatalf("err = %v, want *RecordErrors", err)
	}
	var ids []string
	for _, o := range ops {
		ids = append(ids, o.ID)
	}
	if got := strings.Join(ids, ","); got != "good-1,ted:X-9" {
		t.Errorf("good records = %s, want good-1,ted:X-9", got)
	}
	if ops[0].CPV[0] != "72212730-5" {
		t.Errorf("parser must keep the CPV as written (Normalize strips check digits), got %v", ops[0].CPV)
	}
	if ops[1].Status != passerelle.StatusOpen {
		t.Errorf("status from the record = %q, want open", ops[1].Status)
	}
	want := []struct {
		record, line int
		field, text  string
	}{
		{2, 2, "", "not a JSON object"},
		{3, 3, "deadline", `cannot parse "31/02/2026"`},
		{4, 5, "id", "missing"},
		{5, 6, "kind", `unknown kind "festival"`},
		{6, 7, "cpv", "expected []string"},
	}
	if len(re.Errs) != len(want) {
		t.Fatalf("got %d record errors, want %d: %v", len(re.Errs), len(want), re.Errs)
	}
	for i, w := range want {
		e := re.Errs[i]
		if e.File != "bad.jsonl" || e.Record != w.record || e.Line != w.line || e.Field != w.field || !strings.Contains(e.Error(), w.text) {
			t.Errorf("error %d = %+v (%q), want record %d line %d field %q containing %q", i, e, e.Error(), w.record, w.line, w.field, w.text)
		}
	}
	if msg := re.Errs[1].Error(); msg != `bad.jsonl: record 3 (line 3): deadline: cannot parse "31/02/2026" as a date` {
		t.Errorf("message = %q", msg)
	}
	if msg := err.Error(); !strings.Contains(msg, "and 2 more bad records") {
		t.Errorf("summary %q should count the records it does not list", msg)
	}
}

func TestParseJSONLDates(t *testing.T) {
	bru := brussels(t)
	tests := []struct {
		name, tz, deadline string
		want               time.Time
		wantErr            bool
	}{
		{name: "local date-time in Brussels", deadline: `"2026-03-15T12:00"`, want: time.Date(2026, 3, 15, 12, 0, 0, 0, bru)},
		{name: "with seconds", deadline: `"2026-07-01T09:30:15"`, want: time.Date(2026, 7, 1, 9, 30, 15, 0, bru)},
		{name: "RFC 3339 keeps its zone", deadline: `"2026-03-15T12:00:00Z"`, want: time.Date(2026, 3, 15, 12, 0, 0, 0, time.UTC)},
		{name: "bare date is end of day", deadline: `"2026-03-15"`, want: time.Date(2026, 3, 15, 23, 59, 59, 0, bru)},
		{name: "source time zone", tz: "Europe/Oslo", deadline: `"2026-03-15T12:00"`, want: time.Date(2026, 3, 15, 11, 0, 0, 0, time.UTC)},
		{name: "garbage", deadline: `"next Tuesday"`, wantErr: true},
		{name: "number", deadline: `20260315`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := testSrc
			src.Timezone = tt.tz
			line := `{"id":"x","title":"t","deadline":` + tt.deadline + "}\n"
			ops, err := ParseJSONL(context.Background(), strings.NewReader(line+line), "d.jsonl", src)
			if tt.wantErr {
				if err == nil || !strings.Contains(err.Error(), "deadline") {
					t.Fatalf("err = %v, want an error naming deadline", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if ops[0].Deadline == nil || !ops[0].Deadline.Equal(tt.want) {
				t.Errorf("deadline = %v, want %v", ops[0].Deadline, tt.want)
			}
		})
	}
}

func TestParseJSONLNotJSON(t *testing.T) {
	ops, err := ParseJSONL(context.Background(), strings.NewReader("this is not json"), "x.jsonl", testSrc)
	if err == nil || len(ops) != 0 || !strings.Contains(err.Error(), "x.jsonl") {
		t.Fatalf("got %d records, err %v; want none and an error naming the file", len(ops), err)
	}
	var re *RecordErrors
	if errors.As(err, &re) {
		t.Errorf("a document that is not JSONL at all is a document error, not a record error")
	}
}
