package source

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/passerelle/passerelle"
)

// LoadResult is what Load brought back from one source.
type LoadResult struct {
	Opportunities []passerelle.Opportunity
	NotModified   bool
	Validators    Validators
	// Errors are the documents and records that could not be read; the rest is in
	// Opportunities. Record errors come one by one (RecordError), so len(Errors) counts them.
	Errors  []error
	Fetched int // documents fetched
	// Notes say what was read otherwise than as written, without losing anything (a feed
	// in Latin-1 without a declaration, read as such): for the run's record, not failures.
	Notes []string
}

// Load fetches src.URL, parses every document with src.Format (detecting it per document
// when "auto" or ""), and normalises the result (see Normalize). Bad documents and records
// are reported in the result's Errors, not as a failure, as long as something was read;
// when nothing could be read, Load fails with the reasons. Two different notices of the
// batch under one id are a record error (see joinBatch), never one notice.
func (f *Fetcher) Load(ctx context.Context, src passerelle.Source, prev Validators) (LoadResult, error) {
	if !Supported(src.Format) {
		return LoadResult{}, passerelle.Errorf(passerelle.EINVALID, "source %s: format %q is not supported; known: %v", src.ID, src.Format, Formats)
	}
	if _, err := location(src); err != nil {
		return LoadResult{}, err
	}
	fr, err := f.Fetch(ctx, src.URL, prev)
	if err != nil {
		return LoadResult{}, fmt.Errorf("source %s: %w", src.ID, err)
	}
	res := LoadResult{NotModified: fr.NotModified, Validators: fr.Validators, Fetched: len(fr.Docs), Errors: fr.Errors}
	if fr.NotModified {
		return res, nil
	}
	docs := make([]batchDoc, 0, len(fr.Docs))
	for _, doc := range fr.Docs {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		body, note := toUTF8(doc.Body, doc.Name)
		if note != "" {
			res.Notes = append(res.Notes, note)
		}
		ops, err := Parse(ctx, src.Format, bytes.NewReader(body), doc.Name, src)
		docs = append(docs, batchDoc{name: doc.Name, ops: normalizeRecords(ops, src)})
		if err == nil {
			continue
		}
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return res, err
		}
		var re *RecordErrors
		if errors.As(err, &re) {
			for _, e := range re.Errs {
				res.Errors = append(res.Errors, e)
			}
			continue
		}
		res.Errors = append(res.Errors, err)
	}
	ops, collisions := joinBatch(docs)
	res.Opportunities = ops
	for _, e := range collisions {
		res.Errors = append(res.Errors, e)
	}
	if len(res.Opportunities) == 0 && len(res.Errors) > 0 {
		return res, fmt.Errorf("source %s: nothing could be read: %w", src.ID, summarize(res.Errors))
	}
	return res, nil
}

// summarize joins the first few errors and counts the rest, so that one bad source with
// thousands of bad records gives a readable message.
func summarize(errs []error) error {
	if len(errs) <= maxListed {
		return errors.Join(errs...)
	}
	head := append([]error{}, errs[:maxListed]...)
	head = append(head, fmt.Errorf("and %d more errors", len(errs)-maxListed))
	return errors.Join(head...)
}

// Normalize gives parsed opportunities the shape the rest of the program expects from
// src: Source and Sources are src.ID; Pole, Language, Clusters, Sectors and Kind take the
// source's defaults when empty (Kind "other" when the source has none either; Language
// detected from the text when the source says nothing, and for a record too short to tell,
// the language of the batch's clear majority, else a guess from its few words); a placeholder deadline (year
// 2049 or later, or before 1990) is flagged DeadlineUntrusted; ID is kept
// when the parser set one, else "<src.ID>:<ExternalID>"; CPV codes become 8 digits, invalid
// ones dropped, duplicates removed, order kept (the main code stays first). Two records
// with the same ID keep the later one in the place of the first: a feed repeating an item
// means one opportunity. (Load is stricter: two different notices under one id are an
// error there, see joinBatch.)
func Normalize(ops []passerelle.Opportunity, src passerelle.Source) []passerelle.Opportunity {
	recs := normalizeRecords(ops, src)
	seen := make(map[string]int, len(recs))
	out := recs[:0]
	for _, o := range recs {
		if i, dup := seen[o.ID]; dup {
			out[i] = o
			continue
		}
		seen[o.ID] = len(out)
		out = append(out, o)
	}
	return out
}

// normalizeRecords is Normalize without merging records of the same id.
func normalizeRecords(ops []passerelle.Opportunity, src passerelle.Source) []passerelle.Opportunity {
	out := make([]passerelle.Opportunity, 0, len(ops))
	for _, o := range ops {
		o.Source = src.ID
		o.Sources = []string{src.ID}
		if o.Pole == "" {
			o.Pole = src.Pole
		}
		o.Language = languageOf(o.Language)
		if o.Language == "" {
			o.Language = languageOf(src.Language)
		}
		if o.Language == "" {
			o.Language = DetectLanguage(o.Title + "\n" + o.Description)
		}
		if untrusted(o.Deadline) {
			o.DeadlineUntrusted = true
		}
		if len(o.Clusters) == 0 && len(src.Clusters) > 0 {
			o.Clusters = append([]string(nil), src.Clusters...)
		}
		if len(o.Sectors) == 0 && len(src.Sectors) > 0 {
			o.Sectors = append([]string(nil), src.Sectors...)
		}
		if o.Kind == "" {
			o.Kind = src.Kind
		}
		if o.Kind == "" {
			o.Kind = passerelle.KindOther
		}
		if o.ID == "" {
			o.ID = src.ID + ":" + o.ExternalID
		}
		o.CPV = normalizeCPVs(o.CPV)
		out = append(out, o)
	}
	fillShortLanguages(out)
	return out
}

// fillShortLanguages gives a language to the records too short for DetectLanguage (a CSV
// line of a few words): the language of the batch's clear majority (four in five, two
// records at least, counting the weaker guesses of the short records themselves), else
// that weaker guess from the few words there are (see detectShortLanguage).
func fillShortLanguages(out []passerelle.Opportunity) {
	guess := map[int]string{}
	count := map[string]int{}
	known := 0
	for i, o := range out {
		l := o.Language
		if l == "" {
			l = detectShortLanguage(o.Title + "\n" + o.Description)
			guess[i] = l
		}
		if l != "" {
			count[l]++
			known++
		}
	}
	major := ""
	for l, n := range count {
		if n >= 2 && 5*n >= 4*known {
			major = l
		}
	}
	for i, l := range guess {
		if major != "" {
			l = major
		}
		out[i].Language = l
	}
}

func normalizeCPVs(in []string) []string {
	if len(in) == 0 {
		return nil
	}
	out := make([]string, 0, len(in))
	for _, c := range in {
		n := passerelle.NormalizeCPV(c)
		if n == "" {
			continue
		}
		dup := false
		for _, x := range out {
			dup = dup || x == n
		}
		if !dup {
			out = append(out, n)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// untrusted reports placeholder deadlines: portals write 2049-12-31 or 2099-01-01 for
// "open until further notice", and 1970 or 1900 for "unknown".
func untrusted(t *time.Time) bool {
	return t != nil && (t.Year() >= 2049 || t.Year() < 1990)
}
