package source

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/passerelle/passerelle"
)

// ParseTED reads one TED XML notice (TED_EXPORT, schemas R2.0.8 and R2.0.9: forms F01–F25,
// T01/T02, the defence forms). The form marked ORIGINAL gives the title, description,
// language, buyer, country, CPV codes (main first, then additional ones, lots included),
// NUTS codes of the place of performance, the deadline (IV.2.2, read in the source's zone)
// and the value; the other language versions of the form become translations. The coded
// data section fills what the form leaves out. The external id is the TED publication
// number ("000817-2018"); a corrigendum (F14) names the notice it changes in Changes.
func ParseTED(ctx context.Context, r io.Reader, name string, src passerelle.Source) ([]passerelle.Opportunity, error) {
	return tedXML.parse(r, name, src)
}

var tedXML = xmlNotice{
	format: "a TED XML notice",
	want:   ", want <TED_EXPORT>",
	isRoot: func(root *node) bool { return root.name == "TED_EXPORT" },
	read:   tedNotice,
}

// tedKinds maps TD_DOCUMENT_TYPE codes to kinds.
var tedKinds = map[string]passerelle.Kind{
	"0": passerelle.KindPriorInfo, // prior information notice without call for competition
	"P": passerelle.KindPriorInfo, // periodic indicative notice without call for competition
	"A": passerelle.KindCall,      // PIN with call for competition
	"M": passerelle.KindCall,      // periodic indicative notice with call for competition
	"3": passerelle.KindCall,      // contract notice
	"Y": passerelle.KindCall,      // dynamic purchasing system
	"O": passerelle.KindCall,      // qualification system with call for competition
	"D": passerelle.KindCall,      // design contest
	"H": passerelle.KindCall,      // services concession
	"C": passerelle.KindCall,      // works concession
	"7": passerelle.KindAward,     // contract award notice
	"J": passerelle.KindAward,     // concession award notice
	"R": passerelle.KindAward,     // results of design contests
	"K": passerelle.KindAward,     // modification of a contract during its term
	"V": passerelle.KindAward,     // voluntary ex ante transparency notice
	"Q": passerelle.KindOther,     // qualification system without call for competition
	"B": passerelle.KindOther,     // buyer profile
	"2": passerelle.KindOther,     // additional information (corrigendum)
	"1": passerelle.KindOther,     // corrigendum (older code)
}

// tedCountry maps TED's own country codes to ISO 3166-1.
func tedCountry(c string) string {
	c = strings.ToUpper(strings.TrimSpace(c))
	switch c {
	case "UK":
		return "GB"
	case "EL":
		return "GR"
	case "1A":
		return "XK"
	}
	return c
}

func tedNotice(root *node, loc *time.Location) (passerelle.Opportunity, string, error) {
	var o passerelle.Opportunity
	o.ExternalID = strings.TrimSpace(root.attr("DOC_ID"))
	coded := root.child("CODED_DATA_SECTION")
	notice := coded.child("NOTICE_DATA")
	codif := coded.child("CODIF_DATA")
	if o.ExternalID == "" {
		// "2018/S 001-000817" → "000817-2018"
		o.ExternalID = ojsToID(notice.child("NO_DOC_OJS").value())
	}
	if o.ExternalID == "" {
		return o, "DOC_ID", errors.New("no publication number")
	}
	var forms []*node
	for _, k := range root.child("FORM_SECTION").elems() {
		if k.attr("LG") != "" || k.attr("FORM") != "" {
			forms = append(forms, k)
		}
	}
	if len(forms) == 0 {
		return o, "FORM_SECTION", errors.New("no form")
	}
	form := forms[0]
	for _, f := range forms {
		if f.attr("CATEGORY") == "ORIGINAL" {
			form = f
			break
		}
	}
	o.Language = strings.ToLower(form.attr("LG"))
	if o.Language == "" {
		o.Language = strings.ToLower(notice.child("LG_ORIG").value())
	}
	o.Title, o.Description = tedTexts(form)
	if o.Title == "" {
		// The coded title in the original language ("country-town: subject").
		for _, t := range root.path("TRANSLATION_SECTION", "ML_TITLES").children("ML_TI_DOC") {
			if strings.EqualFold(t.attr("LG"), o.Language) {
				o.Title = oneLine(t.child("TI_TEXT").paragraphs())
			}
		}
	}
	if o.Title == "" {
		return o, "TITLE", errors.New("no title")
	}
	for _, f := range forms {
		if f == form {
			continue
		}
		lang := strings.ToLower(f.attr("LG"))
		t, d := tedTexts(f)
		if lang == "" || lang == o.Language || t == "" {
			continue
		}
		if o.Translations == nil {
			o.Translations = map[string]passerelle.Text{}
		}
		o.Translations[lang] = passerelle.Text{Title: t, Description: d}
	}

	// Buyer: the contracting body's official name and country.
	body := form.find("ADDRESS_CONTRACTING_BODY", "CA_CE_CONCESSIONAIRE_PROFILE", "NAME_ADDRESSES_CONTACT_CONTRACT")
	if body == nil {
		body = form.find("CONTRACTING_BODY", "AUTHORITY_ENTITY_AND_PURCHASING_ON_BEHALF")
	}
	o.Buyer = unescapeText(body.find("OFFICIALNAME").value())
	if o.Buyer == "" {
		o.Buyer = unescapeText(form.find("OFFICIALNAME").value())
	}
	if o.Buyer == "" {
		o.Buyer = unescapeText(root.path("TRANSLATION_SECTION", "ML_AA_NAMES").find("AA_NAME").value())
	}
	o.Country = tedCountry(body.find("COUNTRY").attr("VALUE"))
	if o.Country == "" {
		o.Country = tedCountry(notice.child("ISO_COUNTRY").attr("VALUE"))
	}

	// The coded data lists the notice's CPV and performance NUTS codes once, main first,
	// as TED indexed them; the form is the fallback (some notices lack the coded lists).
	// The form's main code stays first.
	formCPV := tedCPV(form)
	var codedCPV []string
	for _, c := range notice.children("ORIGINAL_CPV") {
		codedCPV = appendUnique(codedCPV, c.attr("CODE"))
	}
	switch {
	case len(formCPV) == 0:
		o.CPV = codedCPV
	case len(codedCPV) == 0:
		o.CPV = formCPV
	default:
		o.CPV = formCPV[:1]
		for _, c := range codedCPV {
			o.CPV = appendUnique(o.CPV, c)
		}
	}
	// PERFORMANCE_NUTS since NUTS 2016; ORIGINAL_NUTS in the notices of 2016-2017 (the NUTS
	// version they were written in), a design contest's only place (it has no lots).
	for _, name := range []string{"PERFORMANCE_NUTS", "ORIGINAL_NUTS"} {
		for _, n := range notice.children(name) {
			o.NUTS = appendNUTS(o.NUTS, n.attr("CODE"))
		}
		if len(o.NUTS) > 0 {
			break
		}
	}
	if len(o.NUTS) == 0 {
		o.NUTS = tedNUTS(form)
	}

	if d := notice.child("URI_LIST"); d != nil {
		for _, u := range d.children("URI_DOC") {
			if o.URL == "" || strings.EqualFold(u.attr("LG"), o.Language) {
				o.URL = u.value()
			}
		}
	}
	if t, err := tedDate(coded.path("REF_OJS", "DATE_PUB").value(), "", loc, false); err == nil {
		o.Published = t
	}
	var err error
	if o.Deadline, err = tedDeadline(form, loc); err != nil {
		return o, "DATE_RECEIPT_TENDERS", err
	}
	code := codif.child("TD_DOCUMENT_TYPE").attr("CODE")
	if k, ok := tedKinds[code]; ok {
		o.Kind = k
	} else {
		o.Kind = passerelle.KindOther
	}
	if o.Deadline == nil && o.Kind != passerelle.KindAward {
		// The coded submission date: TED keeps it current after a corrigendum. An award
		// notice has no deadline left, whatever the coded data repeats.
		if v := codif.child("DT_DATE_FOR_SUBMISSION").value(); v != "" {
			d, clock, _ := strings.Cut(v, " ")
			o.Deadline, _ = tedDate(d, clock, loc, true)
		}
	}
	o.Value = tedValue(notice, form)
	if form.child("CHANGES") != nil || code == "2" || code == "1" {
		if ref := ojsToID(notice.path("REF_NOTICE", "NO_DOC_OJS").value()); ref != "" {
			o.Changes = ref
		} else {
			o.Changes = ojsToID(form.find("NOTICE_NUMBER_OJ").value())
		}
	}
	if form.find("PROCUREMENT_DISCONTINUED") != nil && form.find("AWARDED_CONTRACT") == nil {
		o.Status = passerelle.StatusCancelled
	}
	return o, "", nil
}

var reOJS = regexp.MustCompile(`^(\d{4})/S\s*\d+-(\d+)$`)

// ojsToID turns an Official Journal number ("2018/S 001-000817") into a TED publication
// number ("000817-2018").
func ojsToID(s string) string {
	m := reOJS.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return ""
	}
	n := m[2]
	for len(n) < 6 {
		n = "0" + n
	}
	return n + "-" + m[1]
}

// tedTexts returns a form's title and description: the contract's title, its short
// description followed by each lot's.
func tedTexts(form *node) (title, desc string) {
	obj := form.child("OBJECT_CONTRACT")
	if obj != nil {
		title = unescapeText(obj.child("TITLE").paragraphs())
		parts := []string{obj.child("SHORT_DESCR").paragraphs()}
		for _, d := range obj.children("OBJECT_DESCR") {
			parts = append(parts, d.child("SHORT_DESCR").paragraphs())
		}
		return title, joinParts(parts)
	}
	// R2.0.8 (defence and older forms) and odd ones.
	title = unescapeText(form.find("TITLE_CONTRACT", "TI_DOC").paragraphs())
	if title == "" {
		title = oneLine(form.find("TITLE").paragraphs())
	}
	var parts []string
	form.walk(func(k *node) bool {
		switch k.name {
		case "SHORT_CONTRACT_DESCRIPTION", "SHORT_DESCRIPTION_CONTRACT", "SHORT_DESCR", "LOT_DESCRIPTION", "DESCRIPTION_OF_CONTRACT",
			"TOTAL_QUANTITY_OR_SCOPE", "CONTENTS":
			parts = append(parts, k.paragraphs())
			return false
		}
		return true
	})
	return title, joinParts(parts)
}

// tedCPV lists the form's CPV codes: main code first, then every other in document order.
func tedCPV(form *node) []string {
	var out []string
	if m := form.find("CPV_MAIN"); m != nil {
		out = appendUnique(out, m.find("CPV_CODE").attr("CODE"))
	}
	form.walk(func(k *node) bool {
		if k.name == "CPV_CODE" {
			out = appendUnique(out, k.attr("CODE"))
		}
		return true
	})
	return out
}

// tedNUTS lists the NUTS codes of the place of performance (lots included), not the
// buyer's or a contractor's address.
func tedNUTS(form *node) []string {
	var out []string
	form.walk(func(k *node) bool {
		switch k.name {
		case "CONTRACTING_BODY", "CONTRACTING_AUTHORITY_INFORMATION_DEFENCE", "CONTRACTING_AUTHORITY_INFORMATION", "AWARDED_CONTRACT", "COMPLEMENTARY_INFO", "AWARD_OF_CONTRACT", "AWARD_OF_CONTRACT_DEFENCE", "RESULTS",
			"CONTRACTOR", "CONTRACTORS": // a contractor's address (a modification notice's, F20) is not where the work is done
			return false
		case "NUTS", "PERFORMANCE_NUTS":
			out = appendNUTS(out, k.attr("CODE"))
		}
		return true
	})
	return out
}

// tedDeadline reads the time limit for receipt of tenders (IV.2.2): DATE_RECEIPT_TENDERS
// and TIME_RECEIPT_TENDERS in R2.0.9, RECEIPT_LIMIT_DATE (DAY/MONTH/YEAR/TIME) in R2.0.8.
func tedDeadline(form *node, loc *time.Location) (*time.Time, error) {
	if d := form.find("DATE_RECEIPT_TENDERS"); d != nil && d.value() != "" {
		return tedDate(d.value(), form.find("TIME_RECEIPT_TENDERS").value(), loc, true)
	}
	if d := form.find("RECEIPT_LIMIT_DATE", "TIME_LIMIT_CHP"); d != nil {
		day, month, year := d.child("DAY").value(), d.child("MONTH").value(), d.child("YEAR").value()
		if day != "" && month != "" && year != "" {
			return tedDate(year+"-"+pad2(month)+"-"+pad2(day), d.child("TIME").value(), loc, true)
		}
	}
	return nil, nil
}

func pad2(s string) string {
	if len(s) == 1 {
		return "0" + s
	}
	return s
}

// tedDate reads "2018-02-19" or "20180219" with an optional "12:00" in loc; without a
// time of day, a deadline is the end of the day.
func tedDate(d, clock string, loc *time.Location, deadline bool) (*time.Time, error) {
	d = strings.TrimSpace(d)
	if d == "" {
		return nil, nil
	}
	if len(d) == 8 && strings.Trim(d, "0123456789") == "" {
		d = d[:4] + "-" + d[4:6] + "-" + d[6:]
	}
	day, err := time.ParseInLocation("2006-01-02", d, loc)
	if err != nil {
		return nil, fmt.Errorf("cannot parse %q as a date", d)
	}
	clock = strings.TrimSpace(clock)
	if clock == "" {
		if deadline {
			day = time.Date(day.Year(), day.Month(), day.Day(), 23, 59, 59, 0, loc)
		}
		return &day, nil
	}
	h, m, ok := strings.Cut(strings.ReplaceAll(clock, ".", ":"), ":")
	hh, err1 := strconv.Atoi(strings.TrimSpace(h))
	mm, err2 := strconv.Atoi(strings.TrimSpace(m[:min(len(m), 2)]))
	if !ok || err1 != nil || err2 != nil || hh > 24 || mm > 59 {
		return nil, fmt.Errorf("cannot parse time of day %q", clock)
	}
	t := time.Date(day.Year(), day.Month(), day.Day(), hh, mm, 0, 0, loc)
	return &t, nil
}

// tedValue takes the coded value (total, estimated or procurement) and falls back on the
// form's VAL_TOTAL / VAL_ESTIMATED_TOTAL.
func tedValue(notice, form *node) *passerelle.Money {
	for _, v := range notice.child("VALUES").children("VALUE") {
		if m := money(v.value(), v.attr("CURRENCY")); m != nil {
			return m
		}
	}
	if obj := form.child("OBJECT_CONTRACT"); obj != nil {
		for _, name := range []string{"VAL_TOTAL", "VAL_ESTIMATED_TOTAL"} {
			if v := obj.child(name); v != nil {
				if m := money(v.value(), v.attr("CURRENCY")); m != nil {
					return m
				}
			}
		}
	}
	return nil
}
