package source

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/passerelle/passerelle"
)

// ocdsRelease is the part of an OCDS release (1.1) Passerelle reads.
type ocdsRelease struct {
	OCID     string   `json:"ocid"`
	ID       string   `json:"id"`
	Date     string   `json:"date"`
	Tag      []string `json:"tag"`
	Language string   `json:"language"`
	Buyer    *struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"buyer"`
	Parties []struct {
		ID      string   `json:"id"`
		Name    string   `json:"name"`
		Roles   []string `json:"roles"`
		Address struct {
			CountryName string `json:"countryName"`
			Country     string `json:"country"` // eForms profile: ISO 3166-1 alpha-2
			Region      string `json:"region"`
		} `json:"address"`
	} `json:"parties"`
	Tender *struct {
		Title        string         `json:"title"`
		Description  string         `json:"description"`
		Status       string         `json:"status"`
		Value        *ocdsValue     `json:"value"`
		TenderPeriod *ocdsPeriod    `json:"tenderPeriod"`
		Items        []ocdsItem     `json:"items"`
		Documents    []ocdsDocument `json:"documents"`
		Lots         []struct {
			Title        string      `json:"title"`
			Description  string      `json:"description"`
			Value        *ocdsValue  `json:"value"`
			TenderPeriod *ocdsPeriod `json:"tenderPeriod"` // eForms profile: deadlines per lot
		} `json:"lots"`
	} `json:"tender"`
	Planning *struct {
		Budget *struct {
			Amount *ocdsValue `json:"amount"`
		} `json:"budget"`
	} `json:"planning"`
	Awards []struct {
		Value *ocdsValue `json:"value"`
		Items []ocdsItem `json:"items"`
	} `json:"awards"`
}

type ocdsValue struct {
	Amount   json.Number `json:"amount"`
	Currency string      `json:"currency"`
}

type ocdsPeriod struct {
	StartDate string `json:"startDate"`
	EndDate   string `json:"endDate"`
}

type ocdsClassification struct {
	Scheme string          `json:"scheme"`
	ID     json.RawMessage `json:"id"` // a string, sometimes a number
}

type ocdsItem struct {
	Classification            *ocdsClassification  `json:"classification"`
	AdditionalClassifications []ocdsClassification `json:"additionalClassifications"`
}

type ocdsDocument struct {
	URL          string `json:"url"`
	DocumentType string `json:"documentType"`
}

// ParseOCDS reads an OCDS release package ({"releases": [...]}), record package
// ({"records": [...]}), a bare release or an array of releases. Releases of one contracting
// process (same ocid) are merged in date order by the OCDS merge rules (see mergeReleases):
// a partial release (a deadline extension, an award) completes the earlier ones instead of
// replacing them; a record's compiledRelease is used when it has one. A release left without
// a title (a partial release alone in its package) comes out Partial, for the store to merge
// into the notice of its ocid. ocid → external id;
// tender title and description; CPV codes of the items' classifications (check digit or
// not); tenderPeriod.endDate → deadline, else the earliest of the lots' (the eForms profile
// puts them there); tender value (else the planned budget, else the awards' total); the
// buyer (buyer, the party it references by id, or the party with role "buyer") and its
// country (address.country of the eForms profile, or a code in countryName); tags and
// tender status → kind and status.
func ParseOCDS(ctx context.Context, r io.Reader, name string, src passerelle.Source) ([]passerelle.Opportunity, error) {
	loc, err := location(src)
	if err != nil {
		return nil, err
	}
	var pkg struct {
		Releases []json.RawMessage `json:"releases"`
		Records  []struct {
			OCID            string            `json:"ocid"`
			CompiledRelease json.RawMessage   `json:"compiledRelease"`
			Releases        []json.RawMessage `json:"releases"`
		} `json:"records"`
		OCID string `json:"ocid"`
	}
	raw, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if t := bytes.TrimLeft(bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf")), " \t\r\n"); len(t) > 0 && t[0] == '[' {
		// A bare array of releases.
		if err := json.Unmarshal(t, &pkg.Releases); err != nil {
			return nil, fmt.Errorf("%s: not an OCDS release array: %w", name, err)
		}
		if pkg.Releases == nil {
			pkg.Releases = []json.RawMessage{}
		}
	} else {
		d := json.NewDecoder(bytes.NewReader(raw))
		d.UseNumber()
		if err := d.Decode(&pkg); err != nil {
			return nil, fmt.Errorf("%s: not an OCDS package: %w", name, err)
		}
		if d.More() {
			// Releases one after the other (one per line): each is a release.
			var rels []json.RawMessage
			d := json.NewDecoder(bytes.NewReader(raw))
			for d.More() {
				var rel json.RawMessage
				if err := d.Decode(&rel); err != nil {
					return nil, fmt.Errorf("%s: release %d: %w", name, len(rels)+1, err)
				}
				rels = append(rels, rel)
			}
			pkg.Releases, pkg.Records, pkg.OCID = rels, nil, ""
		}
	}
	var releases []json.RawMessage
	switch {
	case pkg.Releases != nil:
		releases = mergeByOCID(pkg.Releases)
	case pkg.Records != nil:
		for _, rec := range pkg.Records {
			switch {
			case len(rec.CompiledRelease) > 0 && string(rec.CompiledRelease) != "null":
				releases = append(releases, rec.CompiledRelease)
			case len(rec.Releases) > 0:
				// Linked releases (only a url) carry no data; embedded ones do.
				merged, bad := mergeReleases(rec.Releases)
				if merged != nil {
					releases = append(releases, merged)
				}
				releases = append(releases, bad...)
			default:
				releases = append(releases, json.RawMessage(`{"ocid":`+quoteJSON(rec.OCID)+`}`))
			}
		}
	case pkg.OCID != "":
		releases = []json.RawMessage{raw}
	default:
		return nil, fmt.Errorf("%s: not an OCDS package: no \"releases\" or \"records\"", name)
	}
	var (
		out  []passerelle.Opportunity
		errs RecordErrors
	)
	for i, rawRel := range releases {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		o, field, err := ocdsOpportunity(rawRel, loc)
		if err != nil {
			errs.add(name, i+1, 0, field, err)
			continue
		}
		o.ID = src.ID + ":" + o.ExternalID
		out = append(out, o)
	}
	return out, errs.err()
}

// mergeByOCID merges the releases of a package that share an ocid (see mergeReleases),
// keeping the order in which each process first appears. Releases without an ocid stay
// apart, to be reported.
func mergeByOCID(releases []json.RawMessage) []json.RawMessage {
	var order []string
	groups := map[string][]json.RawMessage{}
	var out []json.RawMessage
	for _, raw := range releases {
		var head struct {
			OCID string `json:"ocid"`
		}
		if json.Unmarshal(raw, &head) != nil || strings.TrimSpace(head.OCID) == "" {
			order = append(order, "")
			out = append(out, raw)
			continue
		}
		id := strings.TrimSpace(head.OCID)
		if _, ok := groups[id]; !ok {
			order = append(order, id)
		}
		groups[id] = append(groups[id], raw)
	}
	if len(groups) == len(releases) {
		return releases // nothing to merge: keep the document as it is
	}
	merged := make([]json.RawMessage, 0, len(order))
	apart := 0
	for _, id := range order {
		if id == "" {
			merged = append(merged, out[apart])
			apart++
			continue
		}
		m, bad := mergeReleases(groups[id])
		if m != nil {
			merged = append(merged, m)
		}
		merged = append(merged, bad...)
	}
	return merged
}

func quoteJSON(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func ocdsOpportunity(raw json.RawMessage, loc *time.Location) (passerelle.Opportunity, string, error) {
	var o passerelle.Opportunity
	var rel ocdsRelease
	d := json.NewDecoder(strings.NewReader(string(raw)))
	d.UseNumber()
	if err := d.Decode(&rel); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return o, te.Field, fmt.Errorf("expected %s, got JSON %s", te.Type, te.Value)
		}
		return o, "", err
	}
	o.ExternalID = strings.TrimSpace(rel.OCID)
	if o.ExternalID == "" {
		return o, "ocid", errors.New("missing")
	}
	o.Language = langTag(rel.Language)
	t := rel.Tender
	if t != nil {
		o.Title = oneLine(t.Title)
		o.Description = cleanSpace(t.Description)
		if o.Title == "" && len(t.Lots) > 0 {
			o.Title = oneLine(t.Lots[0].Title)
		}
		if o.Description == "" {
			var parts []string
			for _, l := range t.Lots {
				parts = append(parts, l.Description)
			}
			o.Description = joinParts(parts)
		}
		for _, it := range t.Items {
			o.CPV = append(o.CPV, ocdsCPV(it)...)
		}
		if t.TenderPeriod != nil && t.TenderPeriod.EndDate != "" {
			dl, err := parseTime(t.TenderPeriod.EndDate, loc, true)
			if err != nil {
				return o, "tender.tenderPeriod.endDate", err
			}
			o.Deadline = dl
		}
		if o.Deadline == nil {
			// The eForms profile puts the deadline on each lot: the earliest is the one
			// not to miss.
			for i, l := range t.Lots {
				if l.TenderPeriod == nil || l.TenderPeriod.EndDate == "" {
					continue
				}
				dl, err := parseTime(l.TenderPeriod.EndDate, loc, true)
				if err != nil {
					return o, fmt.Sprintf("tender.lots[%d].tenderPeriod.endDate", i), err
				}
				if o.Deadline == nil || dl.Before(*o.Deadline) {
					o.Deadline = dl
				}
			}
		}
		o.Value = t.Value.money()
		for _, doc := range t.Documents {
			if o.URL == "" && (doc.DocumentType == "tenderNotice" || doc.DocumentType == "contractNotice") {
				o.URL = doc.URL
			}
		}
		switch t.Status {
		case "cancelled", "withdrawn":
			o.Status = passerelle.StatusCancelled
		case "complete", "unsuccessful":
			o.Status = passerelle.StatusClosed
		}
	}
	if o.Value == nil && rel.Planning != nil && rel.Planning.Budget != nil {
		o.Value = rel.Planning.Budget.Amount.money()
	}
	var awarded float64
	currency := ""
	for _, a := range rel.Awards {
		for _, it := range a.Items {
			o.CPV = append(o.CPV, ocdsCPV(it)...)
		}
		if m := a.Value.money(); m != nil {
			awarded += m.Amount
			currency = m.Currency
		}
	}
	if o.Value == nil && awarded > 0 {
		o.Value = &passerelle.Money{Amount: awarded, Currency: currency}
	}
	// A release without a title is a partial one (a tender amendment, an award) of a process
	// published earlier, maybe in another package: the store merges it into that notice, or
	// keeps it until the notice arrives.
	o.Partial = o.Title == ""
	buyerID := ""
	if rel.Buyer != nil {
		o.Buyer, buyerID = oneLine(rel.Buyer.Name), rel.Buyer.ID
	}
	// The party the buyer references by id comes first; else the first with role buyer.
	buyerParty := -1
	for i, p := range rel.Parties {
		if buyerID != "" && p.ID == buyerID {
			buyerParty = i
			break
		}
		for _, role := range p.Roles {
			if role == "buyer" && buyerParty < 0 {
				buyerParty = i
			}
		}
	}
	if buyerParty >= 0 {
		p := rel.Parties[buyerParty]
		if o.Buyer == "" {
			o.Buyer = oneLine(p.Name)
		}
		if c := strings.TrimSpace(p.Address.Country); c != "" {
			o.Country = country3(c)
		} else if c := strings.TrimSpace(p.Address.CountryName); len(c) == 2 || len(c) == 3 {
			o.Country = country3(c)
		}
	}
	if rel.Date != "" {
		o.Published, _ = parseTime(rel.Date, loc, false)
	}
	o.Kind = ocdsKind(rel.Tag)
	if o.Partial && o.Kind == passerelle.KindOther {
		o.Kind = "" // says nothing: the stored notice's kind stands
	}
	return o, "", nil
}

func (v *ocdsValue) money() *passerelle.Money {
	if v == nil || v.Amount == "" {
		return nil
	}
	return money(string(v.Amount), v.Currency)
}

// ocdsCPV returns the CPV codes of an item: its classification and additional ones whose
// scheme is CPV (or unnamed, when the id looks like a CPV code).
func ocdsCPV(it ocdsItem) []string {
	var out []string
	cls := it.AdditionalClassifications
	if it.Classification != nil {
		cls = append([]ocdsClassification{*it.Classification}, cls...)
	}
	for _, c := range cls {
		scheme := strings.ToUpper(strings.TrimSpace(c.Scheme))
		if scheme != "" && scheme != "CPV" && scheme != "CPVS" {
			continue
		}
		id := strings.Trim(string(c.ID), `" `)
		if n := passerelle.NormalizeCPV(id); n != "" {
			out = append(out, n)
		}
	}
	return out
}

func ocdsKind(tags []string) passerelle.Kind {
	kind := passerelle.KindOther
	for _, t := range tags {
		switch {
		case t == "award" || t == "awardUpdate" || strings.HasPrefix(t, "contract") || strings.HasPrefix(t, "implementation"):
			return passerelle.KindAward
		case t == "tender" || t == "tenderAmendment" || t == "tenderUpdate":
			kind = passerelle.KindCall
		case t == "planning" || t == "planningUpdate":
			if kind == passerelle.KindOther {
				kind = passerelle.KindPriorInfo
			}
		case t == "tenderCancellation":
			kind = passerelle.KindCall
		}
	}
	return kind
}
