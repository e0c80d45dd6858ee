package matcher

import (
	"fmt"
	"math"
	"strings"
	"time"

	passerelle "github.com/passerelle/passerelle"
)

// doc is an opportunity analysed once for scoring against many profiles.
type doc struct {
	o        *passerelle.Opportunity
	fields   []*field
	cpv      []string // normalized 8-digit codes
	cpvPre   []string // their significant prefixes
	divs     divSet   // their divisions
	clusters []signalHit
	sectors  []signalHit
	global   string // veto from a global exclusion, or ""
	nutsUp   []string
	instr    instrument // who the funding instrument is for (eligibility)
	// inferred are the codes a notice without codes borrows from its nearest coded
	// neighbours (Corpus), best first; their divisions are in divs.
	inferred []inferred

	// Set by prepare for one clock.
	now          time.Time
	closed       string
	deadlineVeto string
	deadlinePts  float64
	deadlineEv   string
	deadlineR    *passerelle.Reason
	freshPts     float64
	freshEv      string
	freshR       *passerelle.Reason
}

// docFields analyses the texts of o: title and description in its own language (guessed
// when unsaid), then each translation's.
func docFields(o *passerelle.Opportunity) []*field {
	var fields []*field
	l := langOf(o.Language)
	if o.Language == "" {
		l = guessLang(o.Title + " " + o.Description)
	}
	fields = append(fields, newField("title", true, l, o.Title))
	if o.Description != "" {
		fields = append(fields, newField("description", false, l, o.Description))
	}
	for _, code := range sortedKeys(o.Translations) {
		if strings.EqualFold(code, o.Language) {
			continue
		}
		t := o.Translations[code]
		tl := langOf(code)
		if t.Title != "" {
			f := newField("title ("+code+")", true, tl, t.Title)
			f.trans = code
			fields = append(fields, f)
		}
		if t.Description != "" {
			f := newField("description ("+code+")", false, tl, t.Description)
			f.trans = code
			fields = append(fields, f)
		}
	}
	return fields
}

// signalHit says how strongly a notice belongs to a bundle, and why.
type signalHit struct {
	strength float64
	why      string
	reason   *passerelle.Reason
}

func (s *Scorer) analyzeDoc(o *passerelle.Opportunity) *doc {
	d := &doc{o: o, fields: docFields(o), instr: instrumentOf(o.ActionType)}
	for _, n := range o.NUTS {
		d.nutsUp = append(d.nutsUp, strings.ToUpper(n))
	}
	for _, c := range o.CPV {
		if n := passerelle.NormalizeCPV(c); n != "" {
			d.cpv = append(d.cpv, n)
			d.cpvPre = append(d.cpvPre, s.voc.Prefix(n))
			d.divs.add(division(n))
		}
	}
	if len(d.cpv) == 0 && s.corpus != nil && !s.off.has(ablateInference) && !fundingCall(o) {
		d.inferred = s.corpus.ex.infer(d.fields, s.voc, inferOptions{
			labels: !s.off.has(ablateLabelExamples), closer: !s.off.has(ablateCloser), lead: !s.off.has(ablateLead)})
		for _, x := range d.inferred {
			d.divs.add(division(x.code))
		}
	}
	d.clusters = make([]signalHit, len(s.clusters))
	for i, b := range s.clusters {
		d.clusters[i] = s.bundleHit(d, b, contains(o.Clusters, b.name), "cluster")
	}
	d.sectors = make([]signalHit, len(s.sectors))
	for i, b := range s.sectors {
		d.sectors[i] = s.bundleHit(d, b, contains(o.Sectors, b.name), "sector")
	}
	for _, x := range s.global {
		if v := s.excluded(x, d); v != "" {
			d.global = "global exclusion: " + v
			break
		}
	}
	return d
}

// fundingCall reports whether o offers funding rather than buys: a grant, or a call that
// names its programme or funding instrument (the EU portal's calls always do). CPV codes
// are a procurement vocabulary, and the coded examples are purchases: the nearest of them
// to a research call are purchases of another nature, so no code is inferred for it. On
// the EU calls, inferring codes for them cost nDCG@10 0.468 → 0.445 once the confidence
// bar was low enough to serve the procurement notices (see minConfidence); from the
// vocabulary's labels alone (labelExamples), 0.468 → 0.446.
func fundingCall(o *passerelle.Opportunity) bool {
	return o.Kind == passerelle.KindGrant || o.Programme != "" || o.ActionType != ""
}

func contains(list []string, x string) bool {
	for _, y := range list {
		if y == x {
			return true
		}
	}
	return false
}

// bundleHit: a notice tagged with the bundle by its source, or whose main CPV code falls
// under the bundle, belongs fully; another of its codes or a keyword in the title counts
// 0.8; a keyword in the description 0.5.
func (s *Scorer) bundleHit(d *doc, b bundle, tagged bool, kind string) signalHit {
	if tagged {
		return signalHit{1, kind + " " + b.name + ": tagged by the source", bundleReason(passerelle.ReasonBundleTagged, kind, b.name)}
	}
	best := signalHit{}
	for i, c := range d.cpv {
		for _, p := range b.cpv {
			if strings.HasPrefix(c, p) {
				st := 1.0
				if i > 0 {
					st = 0.8
				}
				if st > best.strength {
					best = signalHit{st, fmt.Sprintf("%s %s: CPV %s ⊂ %s", kind, b.name, c, p),
						bundleReason(passerelle.ReasonBundleCPV, kind, b.name, append([]string{"code", c}, s.codeLabels(c, "")...)...)}
				}
			}
		}
	}
	if best.strength >= 1 {
		return best
	}
	for _, k := range b.keywords {
		for _, f := range d.fields {
			for _, va := range k.alts {
				// A quality of 0.8 needs every word: without its rarest one, skip.
				if k := va.keys[f.lang]; len(k) == 0 || len(f.pos[k[0]]) == 0 {
					continue
				}
				h := va.match(f, false)
				if h.q < 0.8 {
					continue
				}
				st := 0.5
				if f.title {
					st = 0.8
				}
				if st > best.strength {
					// Name what the notice says: the keyword's words as they occur there.
					via := ""
					if va != k.alts[0] {
						via = " (" + va.via + ")"
					}
					found := va.match(f, true).surfaceText(f, va)
					best = signalHit{st, fmt.Sprintf("%s %s: keyword %s%s in %s %s", kind, b.name, quoteS(k.text), via, f.name, quoteS(found)),
						bundleReason(passerelle.ReasonBundleKeyword, kind, b.name, "keyword", k.text, "field", f.kind(), "field_lang", f.trans, "found", found)}
				}
			}
		}
	}
	return best
}

// excluded returns the veto text when phrase x appears in the notice, or "".
func (s *Scorer) excluded(x *phrase, d *doc) string {
	for _, f := range d.fields {
		for _, va := range x.alts {
			// The phrase as written needs every word: without its rarest one, skip.
			if k := va.keys[f.lang]; len(k) == 0 || len(f.pos[k[0]]) == 0 {
				continue
			}
			if h := va.match(f, false); h.q >= 1 {
				return fmt.Sprintf("excluded word %s in %s", quoteS(x.text), f.name)
			}
		}
	}
	return ""
}

// prepare computes what depends on the notice and the clock only: status and deadline
// vetoes, deadline and freshness points with their evidence.
func (s *Scorer) prepare(d *doc, now time.Time) {
	o, r := d.o, &s.rules
	d.now = now
	d.closed, d.deadlineVeto, d.deadlinePts, d.freshPts = "", "", 0, 0
	d.deadlineEv, d.deadlineR, d.freshEv, d.freshR = "", nil, "", nil
	switch st := o.ComputeStatus(now); st {
	case passerelle.StatusClosed, passerelle.StatusCancelled:
		d.closed = "opportunity " + string(st)
	}
	if o.Changes != "" && d.closed == "" {
		// A corrigendum or change notice is applied to the notice it changes (the pipeline
		// keeps it as a revision there): matching it too would send the same call twice.
		d.closed = "change notice of " + o.Changes + ": applied to that notice, which is matched instead"
	}
	if dl := nextDeadline(o, now); dl != nil {
		left := dl.Sub(now)
		if left < time.Duration(r.Thresholds.MinDaysToDeadline)*24*time.Hour {
			d.deadlineVeto = fmt.Sprintf("deadline in %s, below the %d-day minimum", humanDays(left), r.Thresholds.MinDaysToDeadline)
		}
		if r.Weights.Deadline > 0 {
			d.deadlinePts = r.Weights.Deadline * math.Min(1, left.Hours()/24/21)
			d.deadlineEv = "deadline in " + humanDays(left)
			d.deadlineR = dateReason(passerelle.ReasonDeadline, *dl)
		}
	}
	if o.Published != nil && r.Weights.Freshness > 0 {
		age := math.Max(0, now.Sub(*o.Published).Hours()/24)
		f := 1.0
		if age > 7 {
			f = math.Max(0, 1-(age-7)/53)
		}
		d.freshPts = r.Weights.Freshness * f
		d.freshEv = fmt.Sprintf("published %d days ago", int(age))
		d.freshR = dateReason(passerelle.ReasonPublished, *o.Published)
	}
}

func nextDeadline(o *passerelle.Opportunity, now time.Time) *time.Time {
	var next *time.Time
	for _, st := range o.Stages {
		if st.Deadline != nil && st.Deadline.After(now) && (next == nil || st.Deadline.Before(*next)) {
			next = st.Deadline
		}
	}
	if next != nil {
		return next
	}
	if o.Deadline == nil || o.DeadlineUntrusted {
		return nil
	}
	return o.Deadline
}

func humanDays(d time.Duration) string {
	days := int(math.Floor(d.Hours() / 24))
	switch {
	case d < 0:
		return "the past"
	case days == 0:
		return "less than a day"
	case days == 1:
		return "1 day"
	}
	return fmt.Sprintf("%d days", days)
}
