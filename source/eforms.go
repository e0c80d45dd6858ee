package source

import (
	"context"
	"errors"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/passerelle/passerelle"
)

// ParseEForms reads one eForms UBL notice (ContractNotice, PriorInformationNotice,
// ContractAwardNotice; SDK 1.x, Doffin variants included): BT-21 title and BT-24
// description of the procedure and its lots (every language present; the notice's
// language first, the others as translations), BT-262/263 CPV codes, BT-5071 NUTS and
// BT-5141 country of the place of performance, BT-131/1311 submission deadline, BT-27
// estimated value (the awarded total for results), the buyer's name and country, the
// notice type (BT-02) as kind, BT-758 (the notice a change notice changes) as Changes, and
// Status cancelled when the notice cancels the procedure or closes it without a winner.
// The external id is the TED publication number when the notice has one of its own, else
// its notice identifier (BT-701): see eformsNoticeID.
func ParseEForms(ctx context.Context, r io.Reader, name string, src passerelle.Source) ([]passerelle.Opportunity, error) {
	return eformsXML.parse(r, name, src)
}

var eformsXML = xmlNotice{
	format: "an eForms notice",
	isRoot: func(root *node) bool {
		return strings.HasSuffix(root.name, "Notice") && root.child("ProcurementProject", "NoticeTypeCode") != nil
	},
	read: eformsNotice,
}

func eformsKind(code string) passerelle.Kind {
	switch {
	case strings.HasPrefix(code, "pin-cfc"), strings.HasPrefix(code, "cn-"), code == "qu-sy", code == "subco", code == "pin-tran":
		return passerelle.KindCall
	case strings.HasPrefix(code, "pin-"):
		return passerelle.KindPriorInfo
	case strings.HasPrefix(code, "can-"), code == "veat":
		return passerelle.KindAward
	}
	return passerelle.KindOther
}

func eformsNotice(root *node, loc *time.Location) (passerelle.Opportunity, string, error) {
	var o passerelle.Opportunity
	ext := root.path("UBLExtensions", "UBLExtension", "ExtensionContent", "EformsExtension")
	pub := ext.child("Publication")
	o.ExternalID = eformsNoticeID(root, pub)
	if o.ExternalID == "" {
		return o, "ID", errors.New("no notice identifier (BT-701)")
	}
	o.Kind = eformsKind(root.child("NoticeTypeCode").value())
	o.Language = lang3(root.child("NoticeLanguageCode").value())

	project := root.child("ProcurementProject")
	lots := root.children("ProcurementProjectLot")
	texts := eformsTexts(project, lots)
	if t, ok := texts[o.Language]; ok {
		o.Title, o.Description = t.Title, t.Description
	} else {
		// No text in the declared language: take the first language present.
		for _, n := range append([]*node{project}, lotProjects(lots)...) {
			if name := n.child("Name"); name != nil {
				o.Language = lang3(name.attr("languageID"))
				o.Title, o.Description = texts[o.Language].Title, texts[o.Language].Description
				break
			}
		}
	}
	if o.Title == "" {
		return o, "Name", errors.New("no title (BT-21)")
	}
	for l, t := range texts {
		if l == o.Language || l == "" || t.Title == "" {
			continue
		}
		if o.Translations == nil {
			o.Translations = map[string]passerelle.Text{}
		}
		o.Translations[l] = t
	}

	for _, p := range append([]*node{project}, lotProjects(lots)...) {
		if c := p.path("MainCommodityClassification", "ItemClassificationCode"); c != nil {
			o.CPV = appendUnique(o.CPV, c.value())
		}
		for _, a := range p.children("AdditionalCommodityClassification") {
			o.CPV = appendUnique(o.CPV, a.child("ItemClassificationCode").value())
		}
		for _, l := range p.children("RealizedLocation") {
			o.NUTS = appendNUTS(o.NUTS, l.path("Address", "CountrySubentityCode").value())
		}
	}

	// The buyer: the organisation the contracting party points at.
	orgs := map[string]*node{}
	for _, org := range ext.path("Organizations").children("Organization") {
		c := org.child("Company")
		orgs[c.path("PartyIdentification", "ID").value()] = c
	}
	var buyer *node
	for _, cp := range root.children("ContractingParty") {
		if b := orgs[cp.path("Party", "PartyIdentification", "ID").value()]; b != nil {
			buyer = b
			break
		}
		if name := cp.path("Party", "PartyName", "Name").value(); name != "" {
			buyer = cp.child("Party")
			break
		}
	}
	o.Buyer = unescapeText(buyer.path("PartyName", "Name").value())
	o.Country = country3(buyer.path("PostalAddress", "Country", "IdentificationCode").value())
	if o.Country == "" {
		for _, p := range append([]*node{project}, lotProjects(lots)...) {
			if c := p.find("IdentificationCode"); c != nil {
				o.Country = country3(c.value())
				break
			}
		}
	}

	var err error
	if o.Published, err = eformsDate(pub.child("PublicationDate").value(), "", loc, false); err != nil || o.Published == nil {
		o.Published, _ = eformsDate(root.child("IssueDate").value(), "", loc, false)
	}
	if d, stages, field, err := eformsDeadlines(root, lots, loc); err != nil {
		return o, field, err
	} else {
		o.Deadline, o.Stages = d, stages
	}
	if v := project.path("RequestedTenderTotal", "EstimatedOverallContractAmount"); v != nil {
		o.Value = money(v.value(), v.attr("currencyID"))
	}
	if o.Value == nil {
		if v := ext.path("NoticeResult", "TotalAmount"); v != nil {
			o.Value = money(v.value(), v.attr("currencyID"))
		}
	}
	if ch := ext.path("Changes", "ChangedNoticeIdentifier").value(); ch != "" {
		o.Changes = changedNotice(ch)
	}
	if eformsCancelled(ext) {
		o.Status = passerelle.StatusCancelled
	}
	if id := eformsOwnID(root); id != "" && id != o.ExternalID {
		// Its change notices name it so (the skeleton prefixes the source).
		o.Aliases = []string{id}
	}
	return o, "", nil
}

// eformsCancelled tells whether the notice ends the procedure without a contract, in
// the two ways eForms says it:
//   - a change notice whose reason (BT-140, codelist change-corrig-justification) is
//     "cancel" (the procedure is cancelled) or "cancel-intent" (the buyer announces it
//     will be): either way the call is no longer worth answering;
//   - a result notice where no result chose a winner and every one says "clos-nw"
//     (BT-142 winner-selection-status: closed, no winner; BT-144 gives the reason, such as
//     no tenders received). "open-nw" means the competition goes on, so it is not a
//     cancellation, and one "selec-w" lot is enough for the procedure to have an outcome.
func eformsCancelled(ext *node) bool {
	for _, ch := range ext.children("Changes") {
		for _, r := range ch.children("ChangeReason") {
			switch strings.ToLower(r.child("ReasonCode").value()) {
			case "cancel", "cancel-intent":
				return true
			}
		}
	}
	closed := 0
	for _, res := range ext.path("NoticeResult").children("LotResult") {
		switch strings.ToLower(res.child("TenderResultCode").value()) {
		case "clos-nw":
			closed++
		case "":
			// A result without a code says nothing either way.
		default:
			return false
		}
	}
	return closed > 0
}

func lotProjects(lots []*node) []*node {
	var out []*node
	for _, l := range lots {
		if p := l.child("ProcurementProject"); p != nil {
			out = append(out, p)
		}
	}
	return out
}

// eformsTexts gathers title and description per language: the procedure's, then each
// lot's description.
func eformsTexts(project *node, lots []*node) map[string]passerelle.Text {
	out := map[string]passerelle.Text{}
	descs := map[string][]string{}
	var order []*node
	order = append(order, project)
	order = append(order, lotProjects(lots)...)
	for i, p := range order {
		for _, n := range p.children("Name") {
			l := lang3(n.attr("languageID"))
			if t := out[l]; t.Title == "" && (i == 0 || t.Title == "") {
				t.Title = unescapeText(n.value())
				out[l] = t
			}
		}
		for _, d := range p.children("Description") {
			l := lang3(d.attr("languageID"))
			descs[l] = append(descs[l], cleanSpace(d.text))
		}
	}
	for l, parts := range descs {
		t := out[l]
		t.Description = joinParts(parts)
		out[l] = t
	}
	return out
}

// eformsDate reads an eForms date ("2023-02-10+01:00") and optional time
// ("12:00:00+01:00"). Their offset is kept; without one, the source's zone applies.
func eformsDate(d, clock string, loc *time.Location, deadline bool) (*time.Time, error) {
	d = strings.TrimSpace(d)
	if d == "" {
		return nil, nil
	}
	day, zone := d, ""
	if len(d) > 10 {
		day, zone = d[:10], d[10:]
	}
	clock = strings.TrimSpace(clock)
	if clock != "" {
		// The time carries its own offset, usually the same as the date's.
		c := clock
		for _, sep := range []string{"Z", "+", "-"} {
			if i := strings.Index(c, sep); i > 0 {
				zone, c = c[i:], c[:i]
				break
			}
		}
		if len(c) == 5 {
			c += ":00"
		}
		return parseTime(day+"T"+c+zone, loc, deadline)
	}
	if zone != "" && zone != "Z" {
		return parseTime(day+zone, loc, deadline)
	}
	if zone == "Z" {
		return parseTime(day+"+00:00", loc, deadline)
	}
	return parseTime(day, loc, deadline)
}

// reEFormsPublicationID is the shape of the publication number TED gives an eForms notice
// ("00522031-2023"). Anything else in NoticePublicationID is not this notice's own number:
// Doffin writes "n.a." in every notice it publishes nationally, and some copy the OJS number
// of another notice ("2021/S 056-142708", an old TED XML notice) into it.
var reEFormsPublicationID = regexp.MustCompile(`^\d{6,8}-\d{4}$`)

// reVersioned is a notice identifier with its version (BT-758 names the changed notice so:
// "537eb083-fde5-44ea-8395-2e9308bac65e-01", a UUID or a national number such as Doffin's
// "2023-697632", then "-" and two digits).
var reVersioned = regexp.MustCompile(`^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|\d{4}-\d{6})-\d{2}$`)

// changedNotice is the identifier a change notice's reference (BT-758) names, without the
// version: notices are stored under their identifier (or their publication number, with the
// identifier as an alias), never with a version. A publication number ("422781-2023") is
// kept as it is.
func changedNotice(ref string) string {
	ref = strings.TrimSpace(ref)
	if m := reVersioned.FindStringSubmatch(ref); m != nil {
		return m[1]
	}
	return ref
}

// eformsOwnID is the notice identifier (BT-701) alone.
func eformsOwnID(root *node) string {
	for _, id := range root.children("ID") {
		if id.attr("schemeName") == "notice-id" {
			return strings.TrimSpace(id.value())
		}
	}
	return ""
}

// eformsNoticeID is the identifier the notice is stored under: its TED publication number
// when it has a real one of its own, else its notice identifier (BT-701, the root's cbc:ID
// with schemeName "notice-id", a UUID or a national number), which every notice carries.
func eformsNoticeID(root, pub *node) string {
	if id := strings.TrimSpace(pub.child("NoticePublicationID").value()); reEFormsPublicationID.MatchString(id) {
		return tedPublicationNumber(id)
	}
	var any string
	for _, id := range root.children("ID") {
		if v := strings.TrimSpace(id.value()); v != "" {
			if id.attr("schemeName") == "notice-id" {
				return v
			}
			if any == "" {
				any = v
			}
		}
	}
	return any
}

// tedPublicationNumber turns eForms' "00522031-2023" into TED's "522031-2023" (six digits).
func tedPublicationNumber(id string) string {
	id = strings.TrimSpace(id)
	num, year, ok := strings.Cut(id, "-")
	if !ok {
		return id
	}
	for len(num) > 6 && num[0] == '0' {
		num = num[1:]
	}
	return num + "-" + year
}

var langs3 = map[string]string{
	"BUL": "bg", "CES": "cs", "DAN": "da", "DEU": "de", "ELL": "el", "ENG": "en", "EST": "et",
	"FIN": "fi", "FRA": "fr", "GLE": "ga", "HRV": "hr", "HUN": "hu", "ITA": "it", "LAV": "lv",
	"LIT": "lt", "MLT": "mt", "NLD": "nl", "POL": "pl", "POR": "pt", "RON": "ro", "SLK": "sk",
	"SLV": "sl", "SPA": "es", "SWE": "sv", "NOB": "nb", "NNO": "nn", "NOR": "no", "ISL": "is",
	"LUX": "lb", "CAT": "ca", "EUS": "eu", "GLG": "gl", "TUR": "tr", "SRP": "sr", "MKD": "mk",
	"SQI": "sq", "RUS": "ru", "UKR": "uk",
}

// lang3 maps an ISO 639-2 code (eForms) to ISO 639-1.
func lang3(s string) string {
	s = strings.ToUpper(strings.TrimSpace(s))
	if l, ok := langs3[s]; ok {
		return l
	}
	return strings.ToLower(s)
}

var countries3 = map[string]string{
	"AUT": "AT", "BEL": "BE", "BGR": "BG", "HRV": "HR", "CYP": "CY", "CZE": "CZ", "DNK": "DK",
	"EST": "EE", "FIN": "FI", "FRA": "FR", "DEU": "DE", "GRC": "GR", "HUN": "HU", "IRL": "IE",
	"ITA": "IT", "LVA": "LV", "LTU": "LT", "LUX": "LU", "MLT": "MT", "NLD": "NL", "POL": "PL",
	"PRT": "PT", "ROU": "RO", "SVK": "SK", "SVN": "SI", "ESP": "ES", "SWE": "SE", "NOR": "NO",
	"ISL": "IS", "LIE": "LI", "CHE": "CH", "GBR": "GB", "TUR": "TR", "SRB": "RS", "MKD": "MK",
	"MNE": "ME", "ALB": "AL", "BIH": "BA", "UKR": "UA", "MDA": "MD", "GEO": "GE", "ARM": "AM",
	"USA": "US", "CAN": "CA", "XKX": "XK", "1A0": "XK", "MCO": "MC", "AND": "AD", "SMR": "SM",
}

// country3 maps an ISO 3166-1 alpha-3 code (eForms) to alpha-2.
func country3(s string) string {
	s = strings.ToUpper(strings.TrimSpace(s))
	if c, ok := countries3[s]; ok {
		return c
	}
	if len(s) == 2 {
		return tedCountry(s)
	}
	return s
}
