package matcher

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"

	passerelle "github.com/passerelle/passerelle"
)

// examples are coded notices kept as weighted term vectors, so that a notice without
// codes — a pole's call, an EU topic — can borrow the codes of its nearest coded
// neighbours (infer). Every coded notice is a labelled example in its own language: the
// store's (counted by Corpus.Add) and those of a bridge learned beforehand from public
// coded notices that ships in the binary (see bridge_examples.go).
type examples struct {
	raw  []example      // as added, until finish
	byID map[string]int // index in raw

	once    sync.Once
	codes   [][]string // per example: its codes, main first
	label   []bool     // per example: a CPV label (labelExamples)
	post    map[string][]posting
	inv     map[string][]int32 // every term → the examples using it, in order
	group   map[string]int     // notice examples per main-code group (three digits)
	notices int                // examples that are notices, not labels
	df      map[string]int32
	n       float64
}

// example is one coded notice before weighting: its codes and how often each of its
// (language-keyed) terms occurs, a title's counting double.
type example struct {
	id    string // the notice's, so that a notice is one example however often it is added
	codes []string
	tf    map[string]float32
	label bool // a CPV label, not a notice (labelExamples)
}

type posting struct {
	ex int32
	w  float32
}

// Neighbour search limits: a notice is compared on its maxQueryTerms heaviest terms;
// the k nearest examples at cosine similarity of at least minSimilarity vote; a code
// group is inferred when it gets at least minConfidence of their votes, at most
// maxInferred groups; an example keeps its maxExampleTerms heaviest terms; a neighbourhood
// vouches fully only when its notices are alike at simFull on average (on the dev sets, a
// TED notice's nearest TED notices are mostly above it, an EU research call's nearest
// tenders mostly below: their codes would be guesses). minConfidence is low because a
// code counts by its confidence anyway: measured on TED notices scored with a bridge that
// left them out (two folds), the inferred group was right 37% of the time at confidence
// 0.3, 60-73% from 0.4; at 0.3, 72% of the notices got no code at all; at 0.15, recall@100
// of the folds rose 0.226 → 0.293 and 0.239 → 0.302, nDCG@10 0.382 → 0.392 and 0.368 →
// 0.368, precision of kept pairs unchanged (0.55-0.57). Calls for funding get no codes
// (fundingCall).
const (
	maxQueryTerms   = 40
	nearestK        = 10
	minSimilarity   = 0.08
	minConfidence   = 0.15
	maxInferred     = 3
	maxExampleTerms = 40
	simFull         = 0.2
)

// termKey keys a term by its analysis language: the same letters mean different words
// in different languages.
func termKey(l lang, t string) string { return string(rune('0'+l)) + t }

// termCounts is the bag of terms of fields, titles counting double.
func termCounts(fields []*field) map[string]float32 {
	tf := map[string]float32{}
	for _, f := range fields {
		w := float32(1)
		if f.title {
			w = 2
		}
		for _, t := range f.terms {
			if len([]rune(t)) < 3 || isNumber(t) {
				continue // reference numbers and initials say nothing of the subject
			}
			tf[termKey(f.lang, t)] += w
		}
	}
	return tf
}

// leadOf is, per term of fields, the lead factor of its earliest description position
// (1 in a title): what the notice's words weigh when it looks for its neighbours. A
// notice, like a description read for a skill (leadFactor), says first what it buys;
// the lots, conditions and contacts after are shared by notices of every kind. Measured
// on the TED notices without codes (nDCG@10, the neighbours' codes being the only codes),
// 0.444 without, 0.456 at a discount of 0.3, 0.461 at 0.5 (leadDiscount, kept), 0.474 at
// 0.8; kept pairs 157 at precision 0.567 → 162 at 0.574. With the bridge of the other
// half only (folds A and B of the shared TED notices, codes removed), 0.399 → 0.417 and
// 0.423 → 0.431. Coded notices and calls for funding infer nothing: they do not move.
func leadOf(fields []*field) map[string]float32 {
	lead := map[string]float32{}
	for _, f := range fields {
		for p, t := range f.terms {
			x := float32(1)
			if !f.title {
				x = float32(leadFactor(int32(p), len(f.terms)))
			}
			if k := termKey(f.lang, t); x > lead[k] {
				lead[k] = x
			}
		}
	}
	return lead
}

func isNumber(t string) bool {
	return strings.Trim(t, "0123456789.,-/") == ""
}

// add keeps a coded notice as an example (codes normalized, main first); a notice already
// there (the bridge's copy of a notice the store also holds) is replaced.
func (e *examples) add(x example) {
	if len(x.codes) == 0 || len(x.tf) == 0 {
		return
	}
	if e.byID == nil {
		e.byID = map[string]int{}
	}
	if i, ok := e.byID[x.id]; ok && x.id != "" {
		e.raw[i] = x
		return
	}
	if x.id != "" {
		e.byID[x.id] = len(e.raw)
	}
	e.raw = append(e.raw, x)
}

// finish weighs every example (tf-idf over the examples, unit length, heaviest terms
// kept) and builds the postings. It runs once, on first use.
func (e *examples) finish() {
	e.once.Do(func() {
		e.df = map[string]int32{}
		for _, x := range e.raw {
			for k := range x.tf {
				e.df[k]++
			}
		}
		e.n = float64(len(e.raw))
		e.post = map[string][]posting{}
		e.inv = map[string][]int32{}
		e.group = map[string]int{}
		e.codes = make([][]string, len(e.raw))
		e.label = make([]bool, len(e.raw))
		for i, x := range e.raw {
			e.codes[i] = x.codes
			e.label[i] = x.label
			for _, tw := range e.weigh(x.tf, nil, maxExampleTerms) {
				e.post[tw.k] = append(e.post[tw.k], posting{int32(i), tw.w})
			}
			if x.label {
				// What skills are learned from is what notices say (learnConcepts): a
				// label is already a skill's prior.
				continue
			}
			e.notices++
			e.group[x.codes[0][:3]]++
			for k := range x.tf {
				e.inv[k] = append(e.inv[k], int32(i))
			}
		}
		e.raw, e.byID = nil, nil
	})
}

type termWeight struct {
	k string
	w float32
}

func (e *examples) idf(k string) float64 {
	return math.Log(1 + e.n/(float64(e.df[k])+1))
}

// weigh is the unit tf-idf vector of tf over its n heaviest known terms, each weighed by
// its lead factor where lead is given (leadOf).
func (e *examples) weigh(tf, lead map[string]float32, n int) []termWeight {
	out := make([]termWeight, 0, len(tf))
	for k, c := range tf {
		if e.df[k] == 0 {
			continue
		}
		x := (1 + math.Log(float64(c))) * e.idf(k)
		if lead != nil {
			x *= float64(lead[k])
		}
		out = append(out, termWeight{k, float32(x)})
	}
	sort.Slice(out, func(a, b int) bool {
		if out[a].w != out[b].w {
			return out[a].w > out[b].w
		}
		return out[a].k < out[b].k
	})
	if len(out) > n {
		out = out[:n]
	}
	norm := 0.0
	for _, tw := range out {
		norm += float64(tw.w) * float64(tw.w)
	}
	norm = math.Sqrt(norm)
	for i := range out {
		out[i].w = float32(float64(out[i].w) / norm)
	}
	return out
}

// votePower: a neighbour votes with its similarity squared, so that the closest few
// neighbours decide over a tail of barely alike ones (how alike the whole neighbourhood
// is still scales the confidence, linearly). Measured with the bridges of the other half
// (folds A and B of the shared TED notices, codes removed), nDCG@10 0.402 → 0.409 and
// 0.398 → 0.416; on the whole set without codes 0.439 → 0.443 (precision of kept pairs
// 0.536 → 0.524 at the same recall, 0.076); on the uncoded ranking golden (300 notices,
// the bridge of the others) 0.332 → 0.331, MAP 0.233 → 0.240. Higher powers raised fold
// B more (4: 0.424, 6: 0.424) but lowered the golden (4: 0.323, 6: 0.320).
const votePower = 2.0

// inferOptions are the techniques infer uses, all in production (see infer).
type inferOptions struct{ labels, closer, lead bool }

var allInference = inferOptions{labels: true, closer: true, lead: true}

// inferred is a CPV code a notice without codes most likely carries.
type inferred struct {
	code string  // the neighbours' commonest code in the group
	pre  string  // its significant prefix, as for a notice's own codes
	conf float64 // share of the neighbours' similarity that votes for the group
	of   int     // neighbours that carry the group
	lab  int     // of them, CPV labels (labelExamples) rather than notices
	k    int     // neighbours that voted
	kLab int     // of them, CPV labels
}

// infer returns the code groups (three digits) that the nearest examples of fields
// carry, best first, each with its confidence: a neighbour votes with its similarity,
// in full for its main code's group and half for its other codes' groups. Without
// labels, the vocabulary's label examples are left out; without closer, neighbours vote
// with their plain similarity; without lead, the notice's words weigh alike wherever they
// stand (ablations).
func (e *examples) infer(fields []*field, voc *Vocabulary, o inferOptions) []inferred {
	if e == nil {
		return nil
	}
	e.finish()
	if len(e.codes) == 0 {
		return nil
	}
	var lead map[string]float32
	if o.lead {
		lead = leadOf(fields)
	}
	q := e.weigh(termCounts(fields), lead, maxQueryTerms)
	sims := map[int32]float64{}
	for _, tw := range q {
		for _, p := range e.post[tw.k] {
			sims[p.ex] += float64(tw.w) * float64(p.w)
		}
	}
	type nb struct {
		ex  int32
		sim float64
	}
	var nbs []nb
	for ex, s := range sims {
		if s >= minSimilarity && (o.labels || !e.label[ex]) {
			nbs = append(nbs, nb{ex, s})
		}
	}
	sort.Slice(nbs, func(a, b int) bool {
		if nbs[a].sim != nbs[b].sim {
			return nbs[a].sim > nbs[b].sim
		}
		return nbs[a].ex < nbs[b].ex
	})
	if len(nbs) > nearestK {
		nbs = nbs[:nearestK]
	}
	if len(nbs) == 0 {
		return nil
	}
	type vote struct {
		v     float64
		of    int
		lab   int
		codes map[string]float64
	}
	votes := map[string]*vote{}
	total, alike := 0.0, 0.0
	pow := votePower
	if !o.closer {
		pow = 1
	}
	for _, n := range nbs {
		alike += n.sim
		nw := math.Pow(n.sim, pow)
		total += nw
		seen := map[string]bool{}
		for i, c := range e.codes[n.ex] {
			g := c[:3]
			w := nw
			if i > 0 {
				w *= 0.5
			}
			x := votes[g]
			if x == nil {
				x = &vote{codes: map[string]float64{}}
				votes[g] = x
			}
			x.codes[c] += w
			if !seen[g] {
				seen[g] = true
				x.v += w
				x.of++
				if e.label[n.ex] {
					x.lab++
				}
			}
		}
	}
	// Neighbours that are barely alike vouch for little: the confidence is the group's
	// share of the votes, times how alike the neighbourhood is against one of close
	// notices (each at simFull), up to 1.
	denom := total / math.Min(1, alike/(simFull*float64(nearestK)))
	kLab := 0
	for _, n := range nbs {
		if e.label[n.ex] {
			kLab++
		}
	}
	var out []inferred
	for _, x := range votes {
		conf := x.v / denom
		if conf < minConfidence {
			continue
		}
		best, bw := "", -1.0
		for c, w := range x.codes {
			if w > bw || (w == bw && c < best) {
				best, bw = c, w
			}
		}
		out = append(out, inferred{code: best, pre: voc.Prefix(best), conf: conf, of: x.of, lab: x.lab, k: len(nbs), kLab: kLab})
	}
	sort.Slice(out, func(a, b int) bool {
		if out[a].conf != out[b].conf {
			return out[a].conf > out[b].conf
		}
		return out[a].code < out[b].code
	})
	if len(out) > maxInferred {
		out = out[:maxInferred]
	}
	return out
}

// The bridge file is one example a line: the notice's id, a tab, its codes
// (comma-separated, main first), a tab, then its terms as key:count, space-separated. Terms are the matcher's own analysis
// (language-keyed stems), so a bridge is read back without analysing any text.

// WriteBridge writes the coded opportunities of ops as a bridge file that NewCorpus can
// start from (ReadBridge): a word-to-code bridge learned beforehand from public coded
// notices. Opportunities without codes are skipped.
func WriteBridge(w io.Writer, ops []passerelle.Opportunity) (int, error) {
	bw := bufio.NewWriter(w)
	n := 0
	for i := range ops {
		codes := normalizedCodes(ops[i].CPV)
		if len(codes) == 0 {
			continue
		}
		tf := termCounts(docFields(&ops[i]))
		if len(tf) == 0 {
			continue
		}
		keys := make([]string, 0, len(tf))
		for k := range tf {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		bw.WriteString(strings.ReplaceAll(ops[i].ID, "\t", " "))
		bw.WriteByte('\t')
		bw.WriteString(strings.Join(codes, ","))
		bw.WriteByte('\t')
		for j, k := range keys {
			if j > 0 {
				bw.WriteByte(' ')
			}
			bw.WriteString(k)
			bw.WriteByte(':')
			bw.WriteString(strconv.FormatFloat(float64(tf[k]), 'g', -1, 32))
		}
		bw.WriteByte('\n')
		n++
	}
	if err := bw.Flush(); err != nil {
		return n, fmt.Errorf("write bridge: %w", err)
	}
	return n, nil
}

// Bridge is a set of coded examples read from a bridge file, the starting point a Corpus
// borrows codes from before the store adds its own.
type Bridge struct{ ex []example }

// Len is the number of examples.
func (b *Bridge) Len() int {
	if b == nil {
		return 0
	}
	return len(b.ex)
}

// Without is b without the examples of the given notices: an evaluation that removed the
// codes of its notices must not find them again in the bridge.
func (b *Bridge) Without(ids map[string]bool) *Bridge {
	if b == nil {
		return nil
	}
	out := &Bridge{}
	for _, x := range b.ex {
		if !ids[x.id] {
			out.ex = append(out.ex, x)
		}
	}
	return out
}

// ReadBridge reads a bridge file written by WriteBridge, naming the line of any error.
func ReadBridge(r io.Reader) (*Bridge, error) {
	b := &Bridge{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for line := 1; sc.Scan(); line++ {
		parts := strings.SplitN(sc.Text(), "\t", 3)
		if len(parts) != 3 {
			return nil, fmt.Errorf("bridge line %d: want an id, codes and terms, tab-separated", line)
		}
		id, codesPart, terms := parts[0], parts[1], parts[2]
		codes := normalizedCodes(strings.Split(codesPart, ","))
		if len(codes) == 0 {
			return nil, fmt.Errorf("bridge line %d: no valid CPV code in %q", line, codesPart)
		}
		tf := map[string]float32{}
		for _, kv := range strings.Fields(terms) {
			i := strings.LastIndexByte(kv, ':')
			if i <= 0 {
				return nil, fmt.Errorf("bridge line %d: term %q is not key:count", line, kv)
			}
			c, err := strconv.ParseFloat(kv[i+1:], 32)
			if err != nil || c <= 0 {
				return nil, fmt.Errorf("bridge line %d: term %q: bad count", line, kv)
			}
			tf[kv[:i]] = float32(c)
		}
		b.ex = append(b.ex, example{id: id, codes: codes, tf: tf})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read bridge: %w", err)
	}
	return b, nil
}

func normalizedCodes(cs []string) []string {
	var out []string
	for _, c := range cs {
		if n := passerelle.NormalizeCPV(c); n != "" && !contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}
