package matcher

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestTranslateSkills checks real skills against what the embedded EuroVoc and CPV labels
// give. Each expected word must be in the first translation.
func TestTranslateSkills(t *testing.T) {
	tr := defaultTranslator()
	tests := []struct {
		in   string
		lang lang
		want []string // words of the first output; nil: no translation expected
	}{
		{"sécurité des réseaux", langEN, []string{"network", "security"}},
		{"réalité augmentée", langEN, []string{"augmented", "reality"}},
		{"gestion de flotte", langEN, []string{"fleet", "management"}},
		{"capteurs industriels", langEN, []string{"industrial", "sensors"}},
		{"agriculture de précision", langEN, []string{"precision", "farming"}},
		{"données ouvertes", langEN, []string{"open", "data"}},
		{"calcul haute performance", langEN, []string{"high", "performance", "computing"}},
		{"formation en ligne", langEN, []string{"online", "training"}},
		{"imagerie médicale par IA", langEN, []string{"ai", "medical", "imaging"}},
		{"plateformes en ligne", langEN, []string{"online", "platforms"}},
		// Neither EuroVoc nor CPV has "jumeau"/"twin" or "prédictif"/"predictive" at all:
		// these cannot be translated from this data, and no guess is better than a wrong one.
		{"jumeaux numériques", langEN, nil},
		{"maintenance prédictive", langEN, nil},
		{"network security", langFR, []string{"sécurité", "réseau"}},
		{"open data", langFR, []string{"données", "ouvertes"}},
		{"cybersecurity", langFR, []string{"cybersécurité"}},
		{"high performance computing", langFR, []string{"calcul", "haute", "performance"}},
		// "puissance" pairs with "power" by alignment (align.go), not by Dice.
		{"électronique de puissance", langEN, []string{"power", "electronic"}},
		{"dispositifs de puissance", langEN, []string{"power", "devices"}},
		{"precision farming", langFR, []string{"agriculture", "précision"}},
		{"industrial IoT", langFR, []string{"iot", "industrielle"}},
		{"digital twins", langFR, nil},
		{"predictive maintenance", langFR, nil},
	}
	for _, tt := range tests {
		out := tr.translate(tt.in)
		if tt.want == nil {
			if out != nil {
				t.Errorf("translate(%q) = %v, want nil", tt.in, out)
			}
			continue
		}
		if len(out) == 0 {
			t.Errorf("translate(%q) = nil, want %v", tt.in, tt.want)
			continue
		}
		got := map[string]bool{}
		for _, w := range tokenize(out[0].text) {
			got[w] = true
		}
		for _, w := range tt.want {
			if !got[w] {
				t.Errorf("translate(%q)[0] = %q (%s), lacks %q", tt.in, out[0].text, out[0].via, w)
			}
		}
		for _, o := range out {
			if o.lang != tt.lang || o.via == "" {
				t.Errorf("translate(%q): %q in %s, via %q", tt.in, o.text, langCodes[o.lang], o.via)
			}
		}
	}
}

func TestTranslateNonsense(t *testing.T) {
	for _, s := range []string{"", "xqzvb", "blorfique zungbar", "sécurité zungbar", "de la", "ERP"} {
		if out := defaultTranslator().translate(s); out != nil {
			t.Errorf("translate(%q) = %v, want nil", s, out)
		}
	}
}

// TestTranslateNoMixedLanguages: every word of an output is a word of the target side's
// labels, or a token of the input kept as written (IoT, API, NIS2, web).
func TestTranslateNoMixedLanguages(t *testing.T) {
	tr := defaultTranslator()
	skills := []string{"sécurité des réseaux", "network security", "edge AI", "front-end development", "conformité NIS2"}
	for _, f := range translateSkillFiles(t) {
		skills = append(skills, f.skills...)
	}
	for _, s := range skills {
		input := map[string]bool{} // words kept as written, or an acronym's other spelling
		for _, w := range tokenize(s) {
			input[fold(w)] = true
			for side := range 2 {
				input[strings.ToLower(acronyms[side][fold(w)])] = true
			}
		}
		for _, o := range tr.translate(s) {
			dst := b2i(o.lang == langEN)
			for _, w := range tokenize(o.text) {
				f := fold(w)
				if tr.known[dst][f] == 0 && !input[f] {
					t.Errorf("translate(%q) = %q (%s): %q is no %s word", s, o.text, o.via, w, langCodes[o.lang])
				}
			}
		}
	}
}

// TestTranslateCoverage reports how many member skills get a translation.
func TestTranslateCoverage(t *testing.T) {
	tr := defaultTranslator()
	for _, f := range translateSkillFiles(t) {
		whole, words := 0, 0
		for _, s := range f.skills {
			out := tr.translate(s)
			switch {
			case out == nil:
				t.Logf("  %-45q → -", s)
				continue
			case strings.HasPrefix(out[0].via, "word by word"):
				words++
			default:
				whole++
			}
			var texts []string
			for _, o := range out {
				texts = append(texts, o.text)
			}
			t.Logf("  %-45q → %s  [%s]", s, strings.Join(texts, " | "), out[0].via)
		}
		t.Logf("%s: %d of %d skills translated (%d whole terms, %d word by word)",
			f.path, whole+words, len(f.skills), whole, words)
	}
}

type skillFile struct {
	path   string
	skills []string
}

// translateSkillFiles reads the members' skills of the shared data (when present) and of
// testdata/members.json (a copy of the evaluation's members, always there).
func translateSkillFiles(t *testing.T) []skillFile {
	shared := filepath.Join("..", "..", "shared", "data")
	var out []skillFile
	for _, p := range []string{filepath.Join(shared, "calls", "members.json"), filepath.Join(shared, "eval", "members.json"), filepath.Join("testdata", "members.json")} {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		var ms []struct{ Skills []string }
		if err := json.Unmarshal(b, &ms); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		f := skillFile{path: p}
		for _, m := range ms {
			f.skills = append(f.skills, m.Skills...)
		}
		out = append(out, f)
	}
	return out
}

// BenchmarkTranslatorBuild measures building the dictionaries from the embedded files
// (done once per process) and the heap the built translator keeps.
func BenchmarkTranslatorBuild(b *testing.B) {
	v := DefaultVocabulary()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	kept := buildTranslator(eurovocTSV, v)
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(kept)
	b.ReportAllocs()
	for b.Loop() {
		buildTranslator(eurovocTSV, v)
	}
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "MB-kept")
}

func BenchmarkTranslate(b *testing.B) {
	tr := defaultTranslator()
	skills := []string{"sécurité des réseaux", "open data", "capteurs industriels", "xqzvb"}
	for i := 0; b.Loop(); i++ {
		tr.translate(skills[i%len(skills)])
	}
}
