package matcher

// Word alignment by expectation-maximisation (IBM model 1) over the aligned terms the
// translator reads (EuroVoc concepts, CPV labels). Dice alone misses a word whose partner
// is common: "puissance" occurs in 6 French CPV labels, 5 of them with "power", but
// "power" occurs in dozens of English labels ("énergie", "électrique"…), so their Dice
// is 0.1. Model 1 lets each word of a label be explained by the other words of its pair:
// in «relais de puissance» = «power relays», "relais" already explains "relays", so
// "power" falls to "puissance" (probability 0.99). The dictionary gains such words only
// where Dice found none (buildTranslator).

// alignIterations of EM: the probabilities settle within a few.
const alignIterations = 6

// alignFloor is the least probability t(target|word) for which model 1's best target
// becomes a word's sense. On a sample of the words it adds at 0.5, about three in four
// were right (puissance power, dispositif device, jeu game, chirurgicaux surgical) and
// the rest half-right parts of compounds (oléoduc oil, for pipeline).
const alignFloor = 0.5

// alignBest runs model 1 from side src to the other over units (per unit, the light
// stems of each side, deduplicated) and returns, per source word, its most probable
// target and that probability. A source word may also align to nothing (the empty
// word), so that a target with no partner in a pair does not force one.
func alignBest(units [][2][]string, src int) map[string]sense {
	dst := 1 - src
	// Words and pairs as numbers, and per unit and target word the slots of its
	// candidate sources (the empty word first), so that EM runs over flat arrays.
	ids := map[string]int32{"": 0} // source words; 0 is the empty word
	words := []string{""}
	id := func(w string) int32 {
		i, ok := ids[w]
		if !ok {
			i = int32(len(words))
			ids[w], words = i, append(words, w)
		}
		return i
	}
	type pair struct{ from, to int32 }
	slotOf := map[pair]int32{}
	var from, to []int32 // per slot
	targets := map[string]int32{}
	var targetWords []string
	var slots []int32 // per unit, per target word: 1+len(sources) slots
	for _, u := range units {
		for _, e := range u[dst] {
			te, ok := targets[e]
			if !ok {
				te = int32(len(targetWords))
				targets[e], targetWords = te, append(targetWords, e)
			}
			for _, f := range append([]string{""}, u[src]...) {
				p := pair{id(f), te}
				sl, ok := slotOf[p]
				if !ok {
					sl = int32(len(from))
					slotOf[p], from, to = sl, append(from, p.from), append(to, te)
				}
				slots = append(slots, sl)
			}
		}
	}
	t := make([]float64, len(from))
	for i := range t {
		t[i] = 1
	}
	count := make([]float64, len(from))
	total := make([]float64, len(words))
	for range alignIterations {
		clear(count)
		clear(total)
		at := 0
		for _, u := range units {
			n := 1 + len(u[src])
			for range u[dst] {
				group := slots[at : at+n]
				at += n
				z := 0.0
				for _, sl := range group {
					z += t[sl]
				}
				for _, sl := range group {
					c := t[sl] / z
					count[sl] += c
					total[from[sl]] += c
				}
			}
		}
		for sl, c := range count {
			t[sl] = c / total[from[sl]]
		}
	}
	best := map[string]sense{}
	for sl, x := range t {
		if from[sl] == 0 {
			continue
		}
		w, e := words[from[sl]], targetWords[to[sl]]
		if b, ok := best[w]; !ok || x > b.dice || x == b.dice && e < b.stem {
			best[w] = sense{stem: e, dice: x}
		}
	}
	return best
}

// withoutAligned is t without the senses model 1 added: the ablation that measures them
// (`eval --ablate alignment`). Built once, on first use.
func (t *translator) withoutAligned() *translator {
	t.unalignedOnce.Do(func() {
		c := &translator{entries: t.entries, terms: t.terms, known: t.known}
		for s := range 2 {
			c.words[s] = make(map[string][]sense, len(t.words[s]))
			for w, ss := range t.words[s] {
				if len(ss) > 0 && !ss[0].aligned {
					c.words[s][w] = ss
				}
			}
		}
		t.unaligned = c
	})
	return t.unaligned
}
