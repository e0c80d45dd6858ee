package store

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/passerelle/passerelle"
	"golang.org/x/text/unicode/norm"
)

// The same notice published by two sources (TED and a pole's feed, say) must be one
// opportunity (DESIGN §7). A record whose id is unknown is looked up, before it is created,
// by its fingerprints:
//
//   - "ref:<n>-<year>": a TED publication number, found in its external id, in its own id
//     (imported TED JSONL keeps it verbatim) or in a TED link;
//   - "tbd:<title>|<buyer>|<deadline date>": normalized title (case and accents folded,
//     punctuation collapsed, at least minFingerprintTitle letters) + buyer + the deadline's
//     date as the source wrote it. Without a buyer or a trusted deadline there is no such
//     fingerprint: a title alone is too weak a proof.
//
// A "ref:" hit merges the record into the existing opportunity: a publication number names
// one notice. A "tbd:" hit merges it only when it comes from a source that opportunity does
// not already have: one source publishing two notices with the same title, buyer and date
// (a republication, a lot) gets two opportunities, since a merge is not undone and the
// store never loses a record. The copy's id becomes an alias of the opportunity: Opportunity
// finds it under either id, and re-putting the copy never creates a second one.

const (
	prefixRef           = "ref:"
	prefixTitleBuyer    = "tbd:"
	minFingerprintTitle = 12
	maxFingerprintTitle = 200
)

var (
	tedRefRe    = regexp.MustCompile(`^0*(\d{1,8})-((?:19|20)\d\d)$`)
	tedRefURLRe = regexp.MustCompile(`(?i)(?:TED:NOTICE:|/notice/-/detail/|/udl\?uri=TED:NOTICE:)0*(\d{1,8})-((?:19|20)\d\d)\b`)
)

// tedRef returns a TED publication number in canonical form ("2-2019" for "000002-2019"),
// or "" when s is not one.
func tedRef(s string) string {
	m := tedRefRe.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return ""
	}
	return m[1] + "-" + m[2]
}

// fingerprints returns the keys under which o can be recognised when another source
// publishes it.
func fingerprints(o *passerelle.Opportunity) []string {
	var fps []string
	ref := tedRef(o.ExternalID)
	if ref == "" {
		local := o.ID
		if i := strings.LastIndexByte(local, ':'); i >= 0 {
			local = local[i+1:]
		}
		ref = tedRef(local)
	}
	if ref == "" {
		if m := tedRefURLRe.FindStringSubmatch(o.URL); m != nil {
			ref = m[1] + "-" + m[2]
		}
	}
	if ref != "" {
		fps = append(fps, prefixRef+ref)
	}
	title, buyer := normText(o.Title), normText(o.Buyer)
	if utf8.RuneCountInString(title) >= minFingerprintTitle && buyer != "" && o.Deadline != nil && !o.DeadlineUntrusted {
		if len(title) > maxFingerprintTitle {
			title = title[:maxFingerprintTitle]
		}
		if len(buyer) > maxFingerprintTitle {
			buyer = buyer[:maxFingerprintTitle]
		}
		fps = append(fps, prefixTitleBuyer+title+"|"+buyer+"|"+o.Deadline.Format("2006-01-02"))
	}
	return fps
}

// normText folds case and accents and reduces everything that is not a letter or a digit
// to single spaces: "Rénovation — Lot 1 : École" and "RENOVATION - lot 1: ecole" agree.
func normText(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	if !isASCII(s) { // decomposing is the costly part, and most titles do not need it
		s = norm.NFD.String(s)
	}
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(unicode.ToLower(r))
		default:
			space = true
		}
	}
	return b.String()
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// sameFingerprintFields reports whether a and b agree on everything fingerprints reads,
// so that an update that leaves them alone skips recomputing them.
func sameFingerprintFields(a, b *passerelle.Opportunity) bool {
	return a.ID == b.ID && a.ExternalID == b.ExternalID && a.URL == b.URL && a.Title == b.Title &&
		a.Buyer == b.Buyer && a.DeadlineUntrusted == b.DeadlineUntrusted && sameTime(a.Deadline, b.Deadline) &&
		(a.Deadline == nil || a.Deadline.Format("2006-01-02") == b.Deadline.Format("2006-01-02"))
}

func hasSource(o *passerelle.Opportunity, src string) bool {
	if src == "" {
		return false
	}
	if o.Source == src {
		return true
	}
	for _, s := range o.Sources {
		if s == src {
			return true
		}
	}
	return false
}

// findDuplicate returns the id of the stored opportunity that in is a copy of, or "".
func (w *oppWriter) findDuplicate(in *passerelle.Opportunity) (string, error) {
	for _, fp := range fingerprints(in) {
		id := w.fps.Get([]byte(fp))
		if id == nil {
			continue
		}
		var x passerelle.Opportunity
		found, err := getJSON(w.ops, id, &x)
		if err != nil {
			return "", err
		}
		if !found {
			continue // a stale fingerprint; indexFingerprints will not move it, which is fine
		}
		// A TED publication number names one notice: whoever brings it, it is the same.
		// Title, buyer and date only prove it across sources (see above).
		if strings.HasPrefix(fp, prefixRef) || (in.Source != "" && !hasSource(&x, in.Source)) {
			return x.ID, nil
		}
	}
	return "", nil
}

// indexFingerprints points o's fingerprints at o, and drops those of old that no longer
// apply and still point at it. A fingerprint already taken by another opportunity stays
// with it: the first one seen is the one copies merge into.
func (w *oppWriter) indexFingerprints(o, old *passerelle.Opportunity) error {
	if old != nil && sameFingerprintFields(o, old) {
		return nil // set when old was written
	}
	now := fingerprints(o)
	if old != nil {
		for _, fp := range fingerprints(old) {
			if contains(now, fp) {
				continue
			}
			if string(w.fps.Get([]byte(fp))) == o.ID {
				if err := w.fps.Delete([]byte(fp)); err != nil {
					return err
				}
			}
		}
	}
	return w.addFingerprints(now, o.ID)
}

func (w *oppWriter) addFingerprints(fps []string, id string) error {
	for _, fp := range fps {
		if w.fps.Get([]byte(fp)) == nil {
			if err := w.fps.Put([]byte(fp), []byte(id)); err != nil {
				return err
			}
		}
	}
	return nil
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// fillFrom completes x with what the copy c knows and x does not. The first source stays
// the authority on everything it published: a second source's different wording or date
// is not a correction (feeds summarise and round), and taking it would make the
// opportunity flip between versions on every run.
func fillFrom(x *passerelle.Opportunity, c *passerelle.Opportunity) {
	x.Sources = mergeSources(mergeSources(nil, x.Source, x.Sources), c.Source, c.Sources)
	if x.Description == "" {
		x.Description = c.Description
	}
	if x.Deadline == nil && c.Deadline != nil && !c.DeadlineUntrusted {
		x.Deadline = c.Deadline
	}
	if x.Value == nil {
		x.Value = c.Value
	}
	if x.Published == nil {
		x.Published = c.Published
	}
	if x.URL == "" {
		x.URL = c.URL
	}
	if x.Buyer == "" {
		x.Buyer = c.Buyer
	}
	if x.Country == "" {
		x.Country = c.Country
	}
	if len(x.NUTS) == 0 {
		x.NUTS = c.NUTS
	}
	if len(x.CPV) == 0 {
		x.CPV = c.CPV
	}
	if len(x.Stages) == 0 {
		x.Stages = c.Stages
	}
	// The copy's text in another language is a translation the opportunity lacked.
	addText := func(lang string, t passerelle.Text) {
		if lang == "" || lang == x.Language || t.Title == "" {
			return
		}
		if _, ok := x.Translations[lang]; ok {
			return
		}
		if x.Translations == nil {
			x.Translations = map[string]passerelle.Text{}
		}
		x.Translations[lang] = t
	}
	addText(c.Language, passerelle.Text{Title: c.Title, Description: c.Description})
	for lang, t := range c.Translations {
		addText(lang, t)
	}
}

// mergeCopy stores the copy c into the stored opportunity canonical and records c's id
// as an alias of it.
func (w *oppWriter) mergeCopy(canonical string, c *passerelle.Opportunity, now time.Time) (PutOutcome, error) {
	var x passerelle.Opportunity
	found, err := getJSON(w.ops, []byte(canonical), &x)
	if err != nil {
		return PutOutcome{}, err
	}
	if !found {
		return PutOutcome{}, fmt.Errorf("store damaged: alias %q points at missing opportunity %q", c.ID, canonical)
	}
	isNewAlias := w.aliases.Get([]byte(c.ID)) == nil
	if isNewAlias {
		if err := w.aliases.Put([]byte(c.ID), []byte(canonical)); err != nil {
			return PutOutcome{}, err
		}
	}
	old := x
	old.Translations = cloneTexts(x.Translations)
	fillFrom(&x, c)
	out := PutOutcome{Result: PutUnchanged, ID: canonical}
	if isNewAlias {
		out.Result = PutMerged
	}
	changes := MaterialChanges(&old, &x)
	if len(changes) > 0 {
		x.Revision++
		x.Updated = now
		rev := passerelle.Revision{N: x.Revision, At: now, Source: c.Source, Changes: changes}
		if err := putJSON(w.revs, revisionKey(x.ID, x.Revision), &rev); err != nil {
			return PutOutcome{}, err
		}
		out.Result = PutMerged
	} else {
		same, err := sameJSON(&old, &x)
		if err != nil {
			return PutOutcome{}, err
		}
		if same {
			return out, w.addFingerprints(fingerprints(c), canonical)
		}
		out.Refreshed = true
	}
	if err := w.write(&x, &old); err != nil {
		return PutOutcome{}, err
	}
	return out, w.addFingerprints(fingerprints(c), canonical)
}

func cloneTexts(m map[string]passerelle.Text) map[string]passerelle.Text {
	if m == nil {
		return nil
	}
	out := make(map[string]passerelle.Text, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
