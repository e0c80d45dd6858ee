package matcher

import (
	"fmt"
	"math"
	"strings"
	"unsafe"

	passerelle "github.com/passerelle/passerelle"
)

// explain writes the evidence of a breakdown's parts: one contribution each, rounded as
// the score was (unrounded for a topical score).
func (s *Scorer) explain(p *profile, d *doc, b breakdown, mm *memo) []passerelle.Contribution {
	n := len(b.parts)
	var cs []passerelle.Contribution
	if mm.arena != nil {
		if len(mm.arena)+n > cap(mm.arena) {
			mm.arena = make([]passerelle.Contribution, 0, max(arenaChunk, n))
		}
		l := len(mm.arena)
		cs = mm.arena[l : l+n : l+n]
		mm.arena = mm.arena[:l+n]
	} else {
		cs = make([]passerelle.Contribution, n)
	}
	o := d.o
	for k, pt := range b.parts {
		c := &cs[k]
		c.Signal = signalNames[pt.sig]
		c.Points = pt.x
		if b.scale > 0 {
			c.Points = float64(int(math.Round(pt.x*b.scale*10))) / 10
		}
		switch pt.sig {
		case sigText:
			sk := p.skills[pt.who]
			e := mm.coldOf(sk.id)
			if e.flags&hasTextEv == 0 {
				e.textEv[0], e.textR = s.skillEvidence(sk, d, *s.skill(sk, d, mm))
				e.flags |= hasTextEv
			}
			c.Evidence, c.Reason = e.textEv[0], e.textR
			if b.textNote != noteNone && s.skill(sk, d, mm).whole {
				// One note per notice: its own reason when it has no codes, else the
				// profile's (see textExtra).
				if e.flags&hasTextNoteEv == 0 {
					e.textEv[1] = e.textEv[0] + " (" + textNote(b.textNote, d) + ")"
					e.flags |= hasTextNoteEv
				}
				c.Evidence = e.textEv[1]
			}
		case sigCPV:
			if pt.who >= 0 {
				sk := p.skills[pt.who]
				e := mm.coldOf(sk.id)
				k, flag := 0, hasCPVEv
				if b.cpvAlone {
					k, flag = 1, hasLoneEv
				}
				if e.flags&flag == 0 {
					e.cpvEv[k] = s.cpvEvidence(d, b.cpv, &sk.concepts[b.cpv.c], b.cpvAlone)
					e.cpvR[k] = s.cpvReason(d, b.cpv, &sk.concepts[b.cpv.c], sk.text)
					e.flags |= flag
				}
				c.Evidence, c.Reason = e.cpvEv[k], e.cpvR[k]
				if b.cpvOff {
					c.Evidence += fmt.Sprintf(" — off the profile's branch (no other skill in division %02d): ×%g",
						sk.concepts[b.cpv.c].div, offBranchCPV)
				}
			} else {
				// Profiles' own concepts are not shared phrases, but many profiles declare
				// the same prefixes: their evidence is kept per notice too.
				pc := &p.concepts[b.cpv.c]
				k := conceptEvKey{at: b.cpv.i, alone: b.cpvAlone, prefix: pc.prefix, code: pc.code, why: pc.why}
				ev, ok := mm.conceptEv[k]
				if !ok {
					ev = conceptEv{s.cpvEvidence(d, b.cpv, pc, b.cpvAlone), s.cpvReason(d, b.cpv, pc, "")}
					if mm.conceptEv == nil {
						mm.conceptEv = map[conceptEvKey]conceptEv{}
					}
					mm.conceptEv[k] = ev
				}
				c.Evidence, c.Reason = ev.text, ev.reason
			}
		case sigCluster:
			c.Evidence, c.Reason = d.clusters[pt.who].why, d.clusters[pt.who].reason
		case sigSector:
			c.Evidence, c.Reason = d.sectors[pt.who].why, d.sectors[pt.who].reason
		case sigDeadline:
			c.Evidence, c.Reason = d.deadlineEv, d.deadlineR
		case sigFreshness:
			c.Evidence, c.Reason = d.freshEv, d.freshR
		case sigRegion:
			c.Evidence, c.Reason = mm.regionEvidence(p.regions, o)
		case sigBudget:
			// The same for every member within budget: written once per notice.
			if !mm.budgetDone {
				mm.budgetEv = fmt.Sprintf("value %.0f %s within budget", o.Value.Amount, o.Value.Currency)
				mm.budgetR = reasonOf(passerelle.ReasonBudget, "amount", fmt.Sprintf("%.0f", o.Value.Amount), "currency", o.Value.Currency)
				mm.budgetDone = true
			}
			c.Evidence, c.Reason = mm.budgetEv, mm.budgetR
		}
	}
	return cs
}

// skillEvidence says how skill sk was found in d (its best hit h), once as the engine's
// evidence and once as a reason, from the one match of its wording in the field.
func (s *Scorer) skillEvidence(sk *phrase, d *doc, h skillHit) (string, *passerelle.Reason) {
	f := d.fields[h.field]
	va := sk.alts[h.alt]
	hh := va.matchW(f, true, len(d.cpv) == 0)
	how, key := "≈ part of", passerelle.ReasonSkillPart
	switch {
	case hh.q >= 1:
		how, key = "=", passerelle.ReasonSkillPhrase // the phrase as written
	case hh.whole && hh.q >= scatteredNear:
		how, key = "~", passerelle.ReasonSkillNear // every word, close together
	case hh.whole:
		how, key = "~ words apart in", passerelle.ReasonSkillApart // every word, far apart in a long text
	}
	found := hh.surfaceText(f, va)
	via := ""
	if h.alt > 0 {
		via = " (" + va.via + ")"
	}
	ev := "skill " + quoteS(sk.text) + via + " " + how + " " + f.name + " " + quoteS(found)
	titleFound := ""
	if h.confirm > 0 {
		// The title holds the skill's words too (titleConfirms): quoted as it writes them.
		tf, tva := d.fields[h.confirm-1], sk.alts[h.confirmAlt]
		titleFound = tva.matchW(tf, true, len(d.cpv) == 0).surfaceText(tf, tva)
		ev += ", confirmed by " + tf.name + " " + quoteS(titleFound)
	}
	if key == passerelle.ReasonSkillPhrase && normPhrase(found) == va.norm {
		found = "" // the notice writes it as the member does: no need to quote it twice
	}
	return ev, reasonOf(key, "skill", sk.text, "via", va.viaKey, "via_term", va.viaTerm,
		"field", f.kind(), "field_lang", f.trans, "found", found, "title_found", titleFound)
}

// cpvEvidence says which notice code fits which concept; alone, a broad fit says it
// counted at loneBroadCPV.
func (s *Scorer) cpvEvidence(d *doc, f cpvFit, c *concept, alone bool) string {
	if len(d.cpv) == 0 {
		// A notice without codes fits only by the codes inferred for it.
		return s.inferredEvidence(d, f, c)
	}
	code := d.cpv[f.i]
	main := ""
	if f.i == 0 {
		main = "main "
	}
	label := s.voc.Label(c.code, "en")
	if label == "" {
		label = s.voc.Label(code, "en")
	}
	rel := "⊂"
	if !strings.HasPrefix(code, c.prefix) {
		rel = "near"
	}
	ev := main + "CPV " + code + " " + rel + " " + c.prefix + " " + quoteS(label) + " (" + c.why + ")"
	if alone && !specificFit(code, c) {
		ev += fmt.Sprintf(" — broad fit, no skill found whole, no cluster or sector: ×%g", loneBroadCPV)
	}
	return ev
}

// nextDeadline is the next date the member must meet: the earliest stage deadline still
// ahead, else the opportunity's deadline. Untrusted (placeholder) deadlines count as unknown.
// inferredEvidence says which inferred code fits which concept, how sure the inference
// is and what it rests on: "CPV 72212000 inferred (group 722 carried by 6 of the 10 closest
// coded notices; confidence 0.58) ⊂ 722 'IT services' (skill 'software')".
func (s *Scorer) inferredEvidence(d *doc, f cpvFit, c *concept) string {
	x := d.inferred[f.i]
	label := s.voc.Label(c.code, "en")
	if label == "" {
		label = s.voc.Label(x.code, "en")
	}
	rel := "⊂"
	if !strings.HasPrefix(x.code, c.prefix) {
		rel = "near"
	}
	return fmt.Sprintf("CPV %s inferred (group %s carried by %s; confidence %.2f) %s %s %s (%s)",
		x.code, x.code[:3], carriers(x), x.conf, rel, c.prefix, quoteS(label), c.why)
}

// carriers says which of x's neighbours carry its group: "4 of the 10 closest coded
// notices". The neighbours are notices and the vocabulary's own labels (labelExamples):
// it says how many of each, never a count that mixes them; a mixed neighbourhood is
// told as such ("5 coded notices of the 10 closest examples (7 coded notices, 3 CPV
// labels)").
func carriers(x inferred) string {
	switch {
	case x.kLab == 0:
		return fmt.Sprintf("%d of the %d closest coded notices", x.of, x.k)
	case x.kLab == x.k:
		return fmt.Sprintf("%d of the %d closest CPV labels", x.of, x.k)
	}
	who := counted(x.of-x.lab, "coded notice")
	if x.lab > 0 && x.lab < x.of {
		who += " and "
	}
	who += counted(x.lab, "CPV label")
	return fmt.Sprintf("%s of the %d closest examples (%s, %s)", who, x.k,
		counted(x.k-x.kLab, "coded notice"), counted(x.kLab, "CPV label"))
}

// counted is "1 coded notice", "3 coded notices"; "" for none.
func counted(n int, what string) string {
	switch n {
	case 0:
		return ""
	case 1:
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// arenaChunk is how many contributions an explanation arena holds: what fits in 16 KiB,
// a small object. A chunk above 32 KiB is a large object, given pages of its own: the
// batch carves hundreds of megabytes of explanations while the previous batch's are still
// held, so each large chunk grew the heap, and every growth made the runtime return as
// much free memory to the system (madvise) that later allocations faulted back in. Small
// chunks fill the free spans the heap already has: measured on BenchmarkMonitor's load,
// 4,096 → 341 took system time from about 1.0 to 0.4 s per batch, page faults from 53,000
// to 40,000.
const arenaChunk = 16 << 10 / int(unsafe.Sizeof(passerelle.Contribution{}))
