package source

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/passerelle/passerelle"
)

// Fields a tabular or scraped record can map to, for CSV columns ("csv.title": "Intitulé"),
// JSON paths ("json.title": "name") and HTML selectors ("html.title": "h3 a").
var mappedFields = []string{"id", "title", "description", "url", "deadline", "published", "buyer", "country", "cpv", "nuts", "language", "kind", "status", "value", "currency"}

// fieldSynonyms are the column or key names recognised without an option, lower-cased,
// in FR, EN, NL and DE as sources write them.
var fieldSynonyms = map[string][]string{
	"id":          {"id", "identifier", "identifiant", "reference", "référence", "ref", "ocid", "guid", "notice_id", "referentie", "kenmerk"},
	"title":       {"title", "titre", "intitulé", "intitule", "objet", "name", "nom", "naam", "titel", "subject", "onderwerp"},
	"description": {"description", "summary", "résumé", "resume", "descriptif", "omschrijving", "beschrijving", "beschreibung", "details", "body"},
	"url":         {"url", "link", "lien", "href", "permalink", "website"},
	"deadline":    {"deadline", "date limite", "date_limite", "datelimite", "date de clôture", "clôture", "cloture", "closing_date", "closing date", "enddate", "end_date", "uiterste datum", "sluitingsdatum", "frist", "date limite de remise des offres"},
	"published":   {"published", "publication", "date de publication", "date_publication", "publication_date", "pubdate", "publicatiedatum", "date"},
	"buyer":       {"buyer", "acheteur", "pouvoir adjudicateur", "organisme", "organisation", "organization", "aanbestedende dienst", "auftraggeber", "authority"},
	"country":     {"country", "pays", "land"},
	"cpv":         {"cpv", "cpv_codes", "codes cpv", "code cpv", "cpv code"},
	"nuts":        {"nuts", "region", "région", "lieu"},
	"language":    {"language", "langue", "lang", "taal", "sprache"},
	"kind":        {"kind", "type", "nature"},
	"status":      {"status", "statut", "état"},
	"value":       {"value", "amount", "montant", "budget", "bedrag", "betrag", "valeur"},
	"currency":    {"currency", "devise", "munt", "währung"},
}

// fieldMap resolves each field to a key of the record (a column name, a JSON path, a CSS
// selector): the option "<prefix>.<field>" when set, else the first available key whose
// name is a synonym of the field. Options naming a key that does not exist are an error.
func fieldMap(prefix string, opts map[string]string, available []string) (map[string]string, error) {
	out := map[string]string{}
	lower := map[string]string{}
	for _, k := range available {
		lower[strings.ToLower(strings.TrimSpace(k))] = k
	}
	var missing []string
	for _, f := range mappedFields {
		if v, ok := opts[prefix+"."+f]; ok && v != "" {
			if available != nil {
				k, ok := lower[strings.ToLower(strings.TrimSpace(v))]
				if !ok {
					missing = append(missing, fmt.Sprintf("%s.%s: no column %q", prefix, f, v))
					continue
				}
				v = k
			}
			out[f] = v
			continue
		}
		if available == nil {
			continue
		}
		for _, syn := range fieldSynonyms[f] {
			if k, ok := lower[syn]; ok {
				out[f] = k
				break
			}
		}
	}
	if len(missing) > 0 {
		return nil, passerelle.Errorf(passerelle.EINVALID, "%s (columns: %s)", strings.Join(missing, "; "), strings.Join(available, ", "))
	}
	return out, nil
}

// fieldError names the field of a record that could not be read.
type fieldError struct {
	field string
	err   error
}

func (e *fieldError) Error() string { return e.field + ": " + e.err.Error() }

// buildRecord turns the values of one mapped record into an opportunity. get returns the
// raw value of a field ("" when absent). layout, when set, is the Go layout of the
// source's dates (option "<prefix>.date_format").
func buildRecord(get func(field string) string, src passerelle.Source, loc *time.Location, layout string) (passerelle.Opportunity, error) {
	var o passerelle.Opportunity
	o.Title = unescapeText(stripHTML(get("title")))
	if o.Title == "" {
		return o, &fieldError{"title", errors.New("missing")}
	}
	o.Description = stripHTML(get("description"))
	o.URL = strings.TrimSpace(get("url"))
	o.Buyer = oneLine(get("buyer"))
	if c := strings.TrimSpace(get("country")); c != "" {
		o.Country = country3(c)
	}
	o.Language = langTag(get("language"))
	o.ExternalID = strings.TrimSpace(get("id"))
	if o.ExternalID == "" {
		o.ExternalID = o.URL
	}
	if o.ExternalID == "" {
		// Nothing else identifies the record: its title (and deadline) do, stably.
		sum := sha256.Sum256([]byte(o.Title + "\x00" + get("deadline")))
		o.ExternalID = "t" + hex.EncodeToString(sum[:8])
	}
	o.ID = src.ID + ":" + o.ExternalID
	for _, c := range splitList(get("cpv")) {
		if code := cpvCategory(c); code != "" {
			o.CPV = append(o.CPV, code)
		}
	}
	for _, n := range splitList(get("nuts")) {
		o.NUTS = appendNUTS(o.NUTS, n)
	}
	var err error
	if o.Deadline, err = readDate(get("deadline"), loc, layout, true); err != nil {
		return o, &fieldError{"deadline", err}
	}
	if o.Published, err = readDate(get("published"), loc, layout, false); err != nil {
		return o, &fieldError{"published", err}
	}
	if k := strings.ToLower(strings.TrimSpace(get("kind"))); k != "" {
		if passerelle.Kind(k).Valid() {
			o.Kind = passerelle.Kind(k)
		}
	}
	switch s := passerelle.Status(strings.ToLower(strings.TrimSpace(get("status")))); s {
	case passerelle.StatusOpen, passerelle.StatusClosed, passerelle.StatusCancelled:
		o.Status = s
	}
	if v := strings.TrimSpace(get("value")); v != "" {
		amount, cur := splitAmount(v)
		if c := strings.TrimSpace(get("currency")); c != "" {
			cur = c
		}
		if o.Value = money(amount, cur); o.Value == nil {
			return o, &fieldError{"value", fmt.Errorf("not an amount: %q", v)}
		}
	}
	return o, nil
}

// readDate reads a date with the source's layout when given, else the usual formats
// (ISO, RFC 3339, dd/mm/yyyy, "15 mars 2026"…).
func readDate(s string, loc *time.Location, layout string, deadline bool) (*time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	if layout != "" {
		t, err := time.ParseInLocation(layout, s, loc)
		if err != nil {
			return nil, fmt.Errorf("cannot parse %q with layout %q", s, layout)
		}
		if deadline && !strings.ContainsAny(layout, "15") {
			t = time.Date(t.Year(), t.Month(), t.Day(), 23, 59, 59, 0, loc)
		}
		return &t, nil
	}
	if t, err := parseFeedTime(s, loc); err == nil {
		if !deadline && t.Hour() == 23 && t.Minute() == 59 && t.Second() == 59 && !strings.Contains(s, "23:59") {
			// A bare date read as a deadline; as a publication date it is the start of the day.
			v := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, t.Location())
			return &v, nil
		}
		return t, nil
	}
	return nil, fmt.Errorf("cannot parse %q as a date", s)
}

// splitList splits "72000000-5; 48000000 , 30200000" or "BE1|BE2".
func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == '|' || r == '\n' })
}

// splitAmount separates "85 000,50 EUR" or "€ 1,200.00" into a number and a currency.
func splitAmount(s string) (amount, currency string) {
	s = strings.ReplaceAll(strings.ReplaceAll(s, "€", " EUR "), "\u00a0", " ")
	var num strings.Builder
	for _, f := range strings.Fields(s) {
		if strings.Trim(f, "0123456789.,'") == "" {
			num.WriteString(f)
		} else if len(f) == 3 && strings.ToUpper(f) == f {
			currency = f
		}
	}
	n := strings.ReplaceAll(num.String(), "'", "")
	// "1.200,50" and "1,200.50": the last separator is the decimal one when two digits or
	// fewer follow it; otherwise separators group thousands.
	last := strings.LastIndexAny(n, ".,")
	if last >= 0 && len(n)-last-1 <= 2 {
		n = strings.NewReplacer(".", "", ",", "").Replace(n[:last]) + "." + n[last+1:]
	} else {
		n = strings.NewReplacer(".", "", ",", "").Replace(n)
	}
	return n, currency
}
