package source

import (
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/passerelle/passerelle"
)

// stageWords name the steps of multi-stage calls, in the languages of our sources.
var stageWords = regexp.MustCompile(`(?i)(letter of intent|lettre d'intention|expression of interest|manifestation d'intérêt|pre-proposals?|pré-propositions?|short proposals?|full proposals?|propositions? complètes?|dossiers? complets?|first stage|second stage|stage [12]|1st stage|2nd stage|première étape|deuxième étape|étape [12]|phase [12]|eerste fase|tweede fase|fase [12]|volledig voorstel|voorstel op hoofdlijnen)`)

// findStages returns the stages a text announces ("Pre-proposals: 15 March 2026 —
// full proposals: 30 June 2026") when it names at least two with different dates, in
// date order; nil otherwise.
func findStages(text string, loc *time.Location) []passerelle.Stage {
	var stages []passerelle.Stage
	seen := map[time.Time]bool{}
	for _, m := range stageWords.FindAllStringIndex(text, -1) {
		end := min(m[1]+deadlineWindow, len(text))
		for end < len(text) && !utf8RuneStart(text[end]) {
			end++
		}
		window := text[m[1]:end]
		// Stop at the next stage word: its date is its own.
		if n := stageWords.FindStringIndex(window); n != nil {
			window = window[:n[0]]
		}
		t := firstDate(window, loc)
		if t == nil || seen[*t] {
			continue
		}
		seen[*t] = true
		name := strings.ToLower(text[m[0]:m[1]])
		stages = append(stages, passerelle.Stage{Name: name, Deadline: t})
	}
	if len(stages) < 2 {
		return nil
	}
	sort.SliceStable(stages, func(i, j int) bool { return stages[i].Deadline.Before(*stages[j].Deadline) })
	return stages
}

// applyStages sets the stages a text announces; the deadline not to miss is the first.
func applyStages(o *passerelle.Opportunity, text string, loc *time.Location) {
	if len(o.Stages) > 0 {
		return
	}
	if st := findStages(text, loc); st != nil {
		o.Stages = st
		if o.Deadline == nil || st[0].Deadline.Before(*o.Deadline) {
			d := *st[0].Deadline
			o.Deadline = &d
			o.DeadlineEvidence = "text: first of the stages it announces (" + st[0].Name + ")"
		}
	}
}
