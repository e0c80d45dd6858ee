package matcher

import (
	"slices"
	"sort"
	"strings"

	passerelle "github.com/passerelle/passerelle"
)

// ProfileQuery is the terms and CPV prefixes of Retrieval, without the clusters and
// sectors whose source tags can also lead to a match: retrieving with it alone misses the
// notices a source tagged with the member's cluster that nothing else points at.
func (s *Scorer) ProfileQuery(m *passerelle.Member) (terms []string, cpvPrefixes []string) {
	r := s.Retrieval(m)
	return r.Terms, r.CPV
}

// Retrieval is what to retrieve candidate opportunities with for one profile through the
// search index: any notice holding one of the Terms, coded under one of the CPV prefixes,
// or tagged by its source with one of the Clusters or Sectors.
type Retrieval struct {
	// Profile is the id of the member's profile this retrieval is for (empty for the union
	// of a member's profiles that Retrieval gives).
	Profile string   `json:"profile,omitempty"`
	Terms   []string `json:"terms"`
	// Stems are the words that can make a skill or a bundle keyword match as the scorer
	// reads them (each phrase's key terms, folded and stemmed, in every language it
	// analyses): a notice word the scorer reads as one of them mostly starts with it,
	// which the index can look for even where its own stemmers read the word otherwise
	// (French "buses" is "bus" to the scorer, "buse" to bleve's light stemmer).
	Stems    []string `json:"stems,omitempty"`
	CPV      []string `json:"cpv"`
	Clusters []string `json:"clusters,omitempty"`
	Sectors  []string `json:"sectors,omitempty"`
	// Uncoded: the notices without codes are candidates too, whatever their words — the
	// scorer infers their codes from their nearest coded notices, and those may fit the
	// profile's concepts. Set when the scorer infers codes and the profile has concepts.
	Uncoded bool `json:"uncoded,omitempty"`
}

// Retrieval is what to retrieve candidate opportunities with for a new or edited profile
// (through the search index): everything that can lead Score to keep a match, so that the
// index only narrows the candidates and the scorer decides, as the Monitor does.
//
// Terms are the skills and their synonyms, the keywords of the member's clusters and
// sectors, each as written and as the scorer's tokenizer reads it ("e-learning" also as
// "elearning"). CPV prefixes follow the Monitor's bounds (see cpvBounds): each concept
// that can lift a match to the threshold on its own — declared, derived from the skills
// through the CPV labels, rolled up —, cut to the bounds' depth when near siblings can
// (with the default rules they cannot: a broad fit alone counts loneBroadCPV), with the
// codes of its ancestors padded to 8 digits ("72000000" for "7226") when a notice coded
// with a broad code can; anything else a notice needs to reach the threshold is in its
// words, clusters or sectors, which the terms and the bundles' prefixes reach. Bundles'
// prefixes are taken as they are: they fit by strict prefix only. A prefix of one digit
// is spread over its ten divisions (the index knows 2 to 8 digits). Stems are the key
// terms of the same phrases as the scorer reads them (see Retrieval.Stems). Clusters and
// Sectors are the member's, as the rules name them, when their weight is above 0: a
// notice tagged with one by its source belongs to it fully (bundleHit), and a pole's call
// tagged that way may have no code and none of the bundle's words.
//
// A member with several profiles retrieves with the union of its profiles' (see
// Retrievals, one query each).
func (s *Scorer) Retrieval(m *passerelle.Member) Retrieval {
	rs := s.Retrievals(m)
	if len(rs) == 1 {
		rs[0].Profile = ""
		return rs[0]
	}
	var u Retrieval
	union := func(a, b []string) []string {
		for _, x := range b {
			if !slices.Contains(a, x) {
				a = append(a, x)
			}
		}
		return a
	}
	for _, r := range rs {
		u.Terms = union(u.Terms, r.Terms)
		u.Stems = union(u.Stems, r.Stems)
		u.CPV = union(u.CPV, r.CPV)
		u.Clusters = union(u.Clusters, r.Clusters)
		u.Sectors = union(u.Sectors, r.Sectors)
		u.Uncoded = u.Uncoded || r.Uncoded
	}
	sort.Strings(u.CPV)
	sort.Strings(u.Stems)
	return u
}

// Retrievals is one Retrieval per non-empty profile of m, in its order, each naming its
// profile: each is a query of its own, so that one business line's many candidates do
// not crowd out another's under a candidate limit. An empty profile retrieves nothing.
func (s *Scorer) Retrievals(m *passerelle.Member) []Retrieval {
	var out []Retrieval
	ps := s.compileAll(m)
	for _, p := range ps {
		if !p.empty {
			out = append(out, s.retrieval(p))
		}
	}
	if len(out) == 0 { // every profile empty: the first's (empty) query
		out = append(out, s.retrieval(ps[0]))
	}
	return out
}

func (s *Scorer) retrieval(p *profile) Retrieval {
	var terms, stems, cpvPrefixes []string
	seenT, seenC, seenS := map[string]bool{}, map[string]bool{}, map[string]bool{}
	addT := func(t string) {
		t = strings.TrimSpace(t)
		if k := fold(strings.ToLower(t)); k != "" && !seenT[k] {
			seenT[k] = true
			terms = append(terms, t)
		}
	}
	addPhrase := func(ph *phrase) {
		for _, va := range ph.alts {
			for l := range va.keys {
				for _, k := range va.keys[l] {
					if !seenS[k] {
						seenS[k] = true
						stems = append(stems, k)
					}
				}
			}
			addT(va.text)
			addT(va.norm)
			// Each content word on its own too: the scorer counts part of a phrase, and
			// the index looks for the words of a multi-word term one by one only in the
			// languages with a stemmed field of their own (a single word everywhere).
			if toks := tokenize(va.text); len(toks) > 1 {
				for _, w := range toks {
					if f := fold(w); !stopWords[f] && len(f) >= 2 {
						addT(w)
					}
				}
			}
		}
	}
	addC := func(c string) {
		if c == "" || seenC[c] {
			return
		}
		seenC[c] = true
		if len(c) == 1 {
			for d := '0'; d <= '9'; d++ {
				if k := c + string(d); !seenC[k] {
					seenC[k] = true
					cpvPrefixes = append(cpvPrefixes, k)
				}
			}
			return
		}
		cpvPrefixes = append(cpvPrefixes, c)
	}
	b := boundsOf(s.rules)
	addConcept := func(c concept) {
		k, ok := b.key(c)
		if !ok {
			return
		}
		addC(k)
		for n := 2; n < len(k) && b.ancestors; n++ {
			addC(k[:n] + strings.Repeat("0", 8-n))
		}
	}
	for _, sk := range p.skills {
		addPhrase(sk)
		for _, c := range sk.concepts {
			addConcept(c)
		}
	}
	for _, c := range p.concepts {
		addConcept(c)
	}
	for _, ci := range p.clusters {
		for _, k := range s.clusters[ci].keywords {
			addPhrase(k)
		}
		for _, c := range s.clusters[ci].cpv {
			addC(c)
		}
	}
	for _, si := range p.sectors {
		for _, k := range s.sectors[si].keywords {
			addPhrase(k)
		}
		for _, c := range s.sectors[si].cpv {
			addC(c)
		}
	}
	sort.Strings(cpvPrefixes)
	sort.Strings(stems)
	r := Retrieval{Profile: p.pid, Terms: terms, Stems: stems, CPV: cpvPrefixes}
	tags := func(weight float64, idx []int, bs []bundle) []string {
		var out []string
		for _, i := range idx {
			if weight > 0 && !slices.Contains(out, bs[i].name) {
				out = append(out, bs[i].name)
			}
		}
		return out
	}
	r.Clusters = tags(s.rules.Weights.Cluster, p.clusters, s.clusters)
	r.Sectors = tags(s.rules.Weights.Sector, p.sectors, s.sectors)
	r.Uncoded = len(cpvPrefixes) > 0 && s.corpus != nil && !s.off.has(ablateInference) && s.rules.Weights.CPV > 0
	return r
}
