package source

import (
	"testing"
	"time"
)

func TestFindDeadline(t *testing.T) {
	bru := brussels(t)
	tests := []struct {
		text     string
		want     string // "2006-01-02 15:04:05", "" for none
		evidence string // the words quoted, when checked
	}{
		{"Date limite de dépôt : 15 mars 2026 à 12h00.", "2026-03-15 12:00:00", ""},
		{"Clôture le 3 avril 2026", "2026-04-03 23:59:59", ""},
		{"Uiterste datum voor indiening: 31/03/2026 om 17:00", "2026-03-31 17:00:00", ""},
		{"Deadline: 2026-06-15. Projecten…", "2026-06-15 23:59:59", ""},
		{"Submission deadline is March 5, 2026 at 17:00 CET", "2026-03-05 17:00:00", ""},
		{"Einsendeschluss: 01.09.2026, 14:30 Uhr", "2026-09-01 14:30:00", ""},
		{"Deadline 1er juillet 2026", "2026-07-01 23:59:59", ""},
		{"closing date 5 Sept 2026", "2026-09-05 23:59:59", ""},
		// Issue 9, defect 7: the phrasings real pole and agency feeds use, in FR, NL, DE, EN.
		{"Date limite : 15 mars 2026 à 12h00", "2026-03-15 12:00:00", "Date limite : 15 mars 2026 à 12h00"},
		{"Les candidatures sont ouvertes jusqu'au 30 juin 2026 inclus.", "2026-06-30 23:59:59", "jusqu'au 30 juin 2026"},
		{"Déposez votre dossier avant le 2 octobre 2026 à 16h.", "2026-10-02 16:00:00", "avant le 2 octobre 2026 à 16h"},
		{"Les offres doivent parvenir au plus tard le 14/09/2026 à 11:00.", "2026-09-14 11:00:00", "au plus tard le 14/09/2026 à 11:00"},
		{"Bewerbungen bis zum 30. Juni 2026 einreichen", "2026-06-30 23:59:59", "bis zum 30. Juni 2026"},
		{"Einreichung spätestens am 3. März 2026 um 12:00 Uhr", "2026-03-03 12:00:00", "spätestens am 3. März 2026 um 12:00"},
		{"Dien uw voorstel uiterlijk op 12 mei 2026 in.", "2026-05-12 23:59:59", "uiterlijk op 12 mei 2026"},
		{"Deadline: 2026-05-12 17:00", "2026-05-12 17:00:00", "Deadline: 2026-05-12 17:00"},
		{"Proposals must arrive no later than 4 November 2026, 17:00 CET.", "2026-11-04 17:00:00", "no later than 4 November 2026, 17:00"},
		// The date must follow a deadline word, and be a real date.
		{"Published on 15 March 2026, no closing announced.", "", ""},
		{"date limite : 31/02/2026", "", ""},
		{"Deadline to be announced. Published 2026-01-01 … and a lot more text after it, well beyond the window of eighty chars 2026-12-01", "", ""},
		{"", "", ""},
	}
	for _, tt := range tests {
		got, words := findDeadline(tt.text, bru)
		if tt.evidence != "" && words != tt.evidence {
			t.Errorf("%q: evidence %q, want %q", tt.text, words, tt.evidence)
		}
		switch {
		case tt.want == "" && got != nil:
			t.Errorf("%q: got %v, want none", tt.text, got)
		case tt.want != "":
			w, _ := time.ParseInLocation("2006-01-02 15:04:05", tt.want, bru)
			if got == nil || !got.Equal(w) {
				t.Errorf("%q: got %v, want %v", tt.text, got, w)
			}
		}
	}
}

func TestParseTime(t *testing.T) {
	bru := brussels(t)
	tests := []struct {
		in       string
		endOfDay bool
		want     time.Time
		none     bool
		err      bool
	}{
		{in: "2019-01-02", want: time.Date(2019, 1, 2, 0, 0, 0, 0, bru)},
		{in: "2019-01-02", endOfDay: true, want: time.Date(2019, 1, 2, 23, 59, 59, 0, bru)},
		{in: "2019-01-02+01:00", want: time.Date(2019, 1, 2, 0, 0, 0, 0, time.FixedZone("", 3600))},
		{in: "2024-04-26T12:00", want: time.Date(2024, 4, 26, 12, 0, 0, 0, bru)},
		{in: "2024-04-26T12:00:00+02:00", want: time.Date(2024, 4, 26, 10, 0, 0, 0, time.UTC)},
		{in: "2024-04-26T10:00:00.5Z", want: time.Date(2024, 4, 26, 10, 0, 0, 5e8, time.UTC)},
		{in: "  ", none: true},
		{in: "26 avril", err: true},
		{in: "2024-02-30", err: true},
	}
	for _, tt := range tests {
		got, err := parseTime(tt.in, bru, tt.endOfDay)
		switch {
		case tt.err:
			if err == nil {
				t.Errorf("%q: got %v, want an error", tt.in, got)
			}
		case err != nil:
			t.Errorf("%q: %v", tt.in, err)
		case tt.none:
			if got != nil {
				t.Errorf("%q: got %v, want nil", tt.in, got)
			}
		case got == nil || !got.Equal(tt.want):
			t.Errorf("%q: got %v, want %v", tt.in, got, tt.want)
		}
	}
}
