package source

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/passerelle/passerelle"
)

func TestFindStages(t *testing.T) {
	bru := brussels(t)
	tests := []struct {
		text  string
		names []string
		days  []string
	}{
		{"Two-stage call. Pre-proposals: 15 March 2026 at 17:00. Full proposals: 30/06/2026.", []string{"pre-proposals", "full proposals"}, []string{"2026-03-15 17:00", "2026-06-30 23:59"}},
		{"Dossier complet pour le 1er septembre 2026 ; lettre d'intention avant le 15/05/2026.", []string{"lettre d'intention", "dossier complet"}, []string{"2026-05-15 23:59", "2026-09-01 23:59"}},
		{"Deadline: 2026-03-15. Full proposals only.", nil, nil},
		{"Stage 1: 2026-03-01, stage 2: 2026-03-01", nil, nil}, // one date is one stage
	}
	for _, tt := range tests {
		got := findStages(tt.text, bru)
		if len(got) != len(tt.names) {
			t.Errorf("%q: got %v, want %v", tt.text, got, tt.names)
			continue
		}
		for i, s := range got {
			if s.Name != tt.names[i] || s.Deadline.Format("2006-01-02 15:04") != tt.days[i] {
				t.Errorf("%q: stage %d = %s %v, want %s %s", tt.text, i, s.Name, s.Deadline, tt.names[i], tt.days[i])
			}
		}
	}
}

func TestFeedStages(t *testing.T) {
	feed := `<rss version="2.0"><channel><title>x</title><item><title>Call in two stages</title><guid>1</guid>
<description>Pre-proposals: 15 March 2026. Full proposals: 30 June 2026. Deadline for questions: 1 February 2026.</description></item></channel></rss>`
	ops, err := ParseFeed(context.Background(), strings.NewReader(feed), "f.rss", passerelle.Source{ID: "s"})
	if err != nil || len(ops) != 1 {
		t.Fatal(err)
	}
	o := ops[0]
	if len(o.Stages) != 2 || o.Stages[0].Name != "pre-proposals" {
		t.Fatalf("stages %v", o.Stages)
	}
	// The explicit deadline word wins when it comes earlier than the first stage.
	if o.Deadline == nil || o.Deadline.Month() != time.February {
		t.Errorf("deadline %v", o.Deadline)
	}
}
