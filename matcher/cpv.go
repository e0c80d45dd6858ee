package matcher

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"sync"
)

//go:embed cpv/cpv_2008.csv
var cpvCSV []byte

// CPVCode is one entry of the CPV vocabulary.
type CPVCode struct {
	Code   string            // 8 digits
	Level  string            // division, group, class, category, subcategory
	Parent string            // 8 digits, "" for a division
	Labels map[string]string // language (en, fr, nl, de) → label
}

// Vocabulary is the CPV 2008 vocabulary: its codes, their hierarchy and their labels in
// English, French, Dutch and German, analysed per language so that words can be mapped to
// codes. It is read-only once built and safe for concurrent use.
type Vocabulary struct {
	codes  []CPVCode
	byCode map[string]int
	// Per analysis language: each code's label terms (deduplicated), an inverted index
	// term → codes, and the inverse document frequency of each term over the labels.
	terms  [nLang][][]string
	post   [nLang]map[string][]int32
	idf    [nLang]map[string]float64
	maxIDF [nLang]float64
}

var (
	defaultVocabOnce sync.Once
	defaultVocab     *Vocabulary
)

// DefaultVocabulary returns the embedded CPV 2008 vocabulary, parsed once.
func DefaultVocabulary() *Vocabulary {
	defaultVocabOnce.Do(func() {
		v, err := ParseVocabulary(bytes.NewReader(cpvCSV))
		if err != nil {
			// The embedded file is part of the build; a parse failure is a build defect.
			panic("matcher: embedded CPV vocabulary: " + err.Error())
		}
		defaultVocab = v
	})
	return defaultVocab
}

var vocabLangs = []string{"en", "fr", "nl", "de"}

// ParseVocabulary reads a CPV vocabulary in the CSV shape of cpv/cpv_2008.csv
// (code,code_check,level,parent,en,fr,nl,de, with a header line).
func ParseVocabulary(r io.Reader) (*Vocabulary, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("cpv vocabulary: header: %w", err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.TrimSpace(h)] = i
	}
	for _, need := range []string{"code", "level", "parent", "en"} {
		if _, ok := col[need]; !ok {
			return nil, fmt.Errorf("cpv vocabulary: header lacks column %q", need)
		}
	}
	v := &Vocabulary{byCode: map[string]int{}}
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("cpv vocabulary: line %d: %w", line, err)
		}
		get := func(name string) string {
			if i, ok := col[name]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		code := get("code")
		if len(code) != 8 || strings.Trim(code, "0123456789") != "" {
			return nil, fmt.Errorf("cpv vocabulary: line %d: code %q is not 8 digits", line, code)
		}
		c := CPVCode{Code: code, Level: get("level"), Parent: get("parent"), Labels: map[string]string{}}
		for _, l := range vocabLangs {
			if s := get(l); s != "" {
				c.Labels[l] = s
			}
		}
		if _, dup := v.byCode[code]; dup {
			return nil, fmt.Errorf("cpv vocabulary: line %d: code %s listed twice", line, code)
		}
		v.byCode[code] = len(v.codes)
		v.codes = append(v.codes, c)
	}
	if len(v.codes) == 0 {
		return nil, errors.New("cpv vocabulary: no codes")
	}
	v.build()
	return v, nil
}

func (v *Vocabulary) build() {
	for l := lang(0); l < nLang; l++ {
		v.terms[l] = make([][]string, len(v.codes))
		v.post[l] = map[string][]int32{}
	}
	for i, c := range v.codes {
		for l := langEN; l < nLang; l++ {
			v.terms[l][i] = dedupe(analyze(c.Labels[langCodes[l]], l))
		}
		var all []string
		for _, lc := range vocabLangs {
			all = append(all, analyze(c.Labels[lc], langGeneric)...)
		}
		v.terms[langGeneric][i] = dedupe(all)
	}
	n := float64(len(v.codes))
	for l := lang(0); l < nLang; l++ {
		for i, ts := range v.terms[l] {
			for _, t := range ts {
				v.post[l][t] = append(v.post[l][t], int32(i))
			}
		}
		v.idf[l] = make(map[string]float64, len(v.post[l]))
		for t, p := range v.post[l] {
			v.idf[l][t] = math.Log(1 + n/float64(len(p)))
		}
		v.maxIDF[l] = math.Log(1 + n)
	}
}

// termIDF is the rarity of an analysed term among the labels of language l. A term no
// label uses is as rare as can be.
func (v *Vocabulary) termIDF(t string, l lang) float64 {
	if x, ok := v.idf[l][t]; ok {
		return x
	}
	return v.maxIDF[l]
}

// Len returns the number of codes.
func (v *Vocabulary) Len() int { return len(v.codes) }

// Lookup returns the entry of an 8-digit code.
func (v *Vocabulary) Lookup(code string) (CPVCode, bool) {
	i, ok := v.byCode[code]
	if !ok {
		return CPVCode{}, false
	}
	return v.codes[i], true
}

// Label returns the label of code in language lang (en, fr, nl, de), falling back to
// English, or "" for an unknown code.
func (v *Vocabulary) Label(code, lang string) string {
	c, ok := v.Lookup(code)
	if !ok {
		return ""
	}
	if s := c.Labels[lang]; s != "" {
		return s
	}
	return c.Labels["en"]
}

// Prefix returns the significant digits of a CPV code: the digits that place it in the
// hierarchy (2 for a division, 3 for a group, 4 for a class, 5 for a category, more for
// a subcategory). A code under another starts with the other's prefix.
func (v *Vocabulary) Prefix(code string) string {
	min := 2
	if v != nil {
		if c, ok := v.Lookup(code); ok {
			switch c.Level {
			case "group":
				min = 3
			case "class":
				min = 4
			case "category":
				min = 5
			case "subcategory":
				min = 6
			}
		}
	}
	return cpvPrefix(code, min)
}

func cpvPrefix(code string, min int) string {
	t := strings.TrimRight(code, "0")
	if len(t) < min {
		if min > len(code) {
			return code
		}
		return code[:min]
	}
	return t
}

func dedupe(ts []string) []string {
	if len(ts) < 2 {
		return ts
	}
	seen := make(map[string]bool, len(ts))
	out := ts[:0:0]
	for _, t := range ts {
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
