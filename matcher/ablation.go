package matcher

import (
	"fmt"
	"sort"
	"strings"
)

// ablations is the set of matching techniques an evaluation turned off, to measure what
// each one adds (`passerelle eval --ablate`). Production scoring turns none off.
type ablations uint32

const (
	ablateSpecificity   ablations = 1 << iota // corpus document frequencies (Corpus.specificity)
	ablateFrequency                           // term frequency and length (Corpus.frequency)
	ablateEligibility                         // the instrument's eligibility veto
	ablateTranslation                         // French ↔ English translations of skills
	ablateInference                           // CPV codes inferred for uncoded notices
	ablateLearned                             // skill concepts learned from coded notices
	ablateLabels                              // CPV labels of a skill's concepts as wordings
	ablateCorpusIDF                           // skills' words weighed by their rarity in the corpus
	ablateLabelExamples                       // CPV labels as examples codes are inferred from (labelExamples)
	ablateCognates                            // words translated by their spelling alone (cognatesOf)
	ablateBranch                              // off-branch skill concepts discounted (offBranch)
	ablateCloser                              // closer neighbours vote more (votePower)
	ablateAlignment                           // word senses found by model 1 alignment (align.go)
	ablateLead                                // description hits weighed by where they stand (leadFactor)
	ablateTitle                               // a description hit confirmed by the title (titleConfirms)
)

var ablationNames = map[string]ablations{
	"specificity": ablateSpecificity,
	"frequency":   ablateFrequency,
	"eligibility": ablateEligibility,
	"translation": ablateTranslation,
	"inference":   ablateInference,
	"learned":     ablateLearned,
	"labels":      ablateLabels,
	"coverage":    ablateCorpusIDF,
	"vocabulary":  ablateLabelExamples,
	"cognates":    ablateCognates,
	"branch":      ablateBranch,
	"closeness":   ablateCloser,
	"alignment":   ablateAlignment,
	"lead":        ablateLead,
	"title":       ablateTitle,
}

func (a ablations) has(x ablations) bool { return a&x != 0 }

// AblationNames lists the techniques Ablate knows.
func AblationNames() []string {
	var out []string
	for n := range ablationNames {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Ablate turns the named techniques off, for an evaluation to measure each one. Call it
// before the scorer is used.
func (s *Scorer) Ablate(names ...string) error {
	for _, n := range names {
		x, ok := ablationNames[strings.TrimSpace(n)]
		if !ok {
			return fmt.Errorf("unknown technique %q to ablate; known: %s", n, strings.Join(AblationNames(), ", "))
		}
		s.off |= x
	}
	return nil
}
