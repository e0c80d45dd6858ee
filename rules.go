package passerelle

import (
	"sort"
	"strings"
	"time"
)

// Weights are the maximum points each signal can give to a score. Their sum need not be 100:
// a score is capped at 100.
type Weights struct {
	Text      float64 `json:"text"`
	Cluster   float64 `json:"cluster"`
	CPV       float64 `json:"cpv"`
	Sector    float64 `json:"sector"`
	Region    float64 `json:"region"`
	Budget    float64 `json:"budget"`
	Deadline  float64 `json:"deadline"`
	Freshness float64 `json:"freshness"`
}

// FieldWeights say how much a term found in each field counts.
type FieldWeights struct {
	Title       float64 `json:"title"`
	Description float64 `json:"description"`
}

// Thresholds gate matches.
type Thresholds struct {
	// MinScore is the score below which no match is kept (a member's own min_score may raise it).
	MinScore float64 `json:"min_score"`
	// MinDaysToDeadline: an opportunity closing sooner cannot be answered; it is not matched.
	MinDaysToDeadline int `json:"min_days_to_deadline"`
}

// Bundle ties a cluster or sector to words in several languages and CPV prefixes.
type Bundle struct {
	Keywords map[string][]string `json:"keywords"` // language → words or phrases
	CPV      []string            `json:"cpv"`      // CPV prefixes
}

// Rules are the staff-tunable match rules. Each change makes a new version; old ones stay.
type Rules struct {
	Version int       `json:"version"`
	Created time.Time `json:"created"`
	Comment string    `json:"comment,omitempty"`
	// Author is who saved this version: the staff person signed in, else the key or the
	// command that did. Set by whoever stores it, never taken from the body.
	Author       string            `json:"author,omitempty"`
	Fields       FieldWeights      `json:"fields"`
	Weights      Weights           `json:"weights"`
	Thresholds   Thresholds        `json:"thresholds"`
	Clusters     map[string]Bundle `json:"clusters"`
	Sectors      map[string]Bundle `json:"sectors,omitempty"`
	Synonyms     [][]string        `json:"synonyms,omitempty"` // each group: words that mean the same
	Exclusions   []string          `json:"exclusions,omitempty"`
	MaxPerDigest int               `json:"max_per_digest"`
}

// Validate checks every field and returns a *ValidationError with the path of each bad one.
func (r *Rules) Validate() error {
	var v ValidationError
	nonNeg := func(path string, x float64) {
		if x < 0 || x > 100 {
			v.Add(path, "must be between 0 and 100")
		}
	}
	nonNeg("fields.title", r.Fields.Title)
	nonNeg("fields.description", r.Fields.Description)
	if r.Fields.Title == 0 && r.Fields.Description == 0 {
		v.Add("fields", "title and description weights cannot both be 0")
	}
	w := r.Weights
	for _, p := range []struct {
		name string
		x    float64
	}{{"text", w.Text}, {"cluster", w.Cluster}, {"cpv", w.CPV}, {"sector", w.Sector},
		{"region", w.Region}, {"budget", w.Budget}, {"deadline", w.Deadline}, {"freshness", w.Freshness}} {
		nonNeg("weights."+p.name, p.x)
	}
	if w.Text+w.Cluster+w.CPV+w.Sector == 0 {
		v.Add("weights", "at least one of text, cluster, cpv, sector must be above 0")
	}
	nonNeg("thresholds.min_score", r.Thresholds.MinScore)
	if r.Thresholds.MinDaysToDeadline < 0 || r.Thresholds.MinDaysToDeadline > 365 {
		v.Add("thresholds.min_days_to_deadline", "must be between 0 and 365")
	}
	checkBundles := func(kind string, m map[string]Bundle, known func(string) bool) {
		names := make([]string, 0, len(m))
		for n := range m {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			b := m[n]
			base := kind + "." + n
			if known != nil && !known(n) {
				v.Add(base, "unknown cluster; known: "+strings.Join(Clusters, ", "))
			}
			for lang, words := range b.Keywords {
				if len(lang) != 2 {
					v.Add(base+".keywords."+lang, "language must be a 2-letter code")
				}
				for i, word := range words {
					if strings.TrimSpace(word) == "" {
						v.Add(indexPath(base+".keywords."+lang, i), "is empty")
					}
				}
			}
			for i, c := range b.CPV {
				if c == "" || len(c) > 8 || strings.Trim(c, "0123456789") != "" {
					v.Add(indexPath(base+".cpv", i), "must be a CPV prefix of up to 8 digits")
				}
			}
		}
	}
	checkBundles("clusters", r.Clusters, KnownCluster)
	checkBundles("sectors", r.Sectors, nil)
	for i, g := range r.Synonyms {
		if len(g) < 2 {
			v.Add(indexPath("synonyms", i), "a synonym group needs at least two entries")
		}
		for j, s := range g {
			if strings.TrimSpace(s) == "" {
				v.Add(indexPath(indexPath("synonyms", i), j), "is empty")
			}
		}
	}
	for i, e := range r.Exclusions {
		if strings.TrimSpace(e) == "" {
			v.Add(indexPath("exclusions", i), "is empty")
		}
	}
	if r.MaxPerDigest < 0 || r.MaxPerDigest > 1000 {
		v.Add("max_per_digest", "must be between 0 and 1000")
	}
	return v.Err()
}
