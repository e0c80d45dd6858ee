package passerelle

import (
	"strconv"
	"strings"
	"time"
)

// Reason is the evidence of a contribution as data: a message of the catalogue and the
// facts it names (the skill, the field, the words found, a code and its labels, a date),
// so that each reader is told it plainly in their own language. Contribution.Evidence
// keeps the engine's own wording for staff and programs; a Reason says the same thing,
// never more. Args keys are those of the message's template (see catalogue).
type Reason struct {
	Key  string            `json:"key"`
	Args map[string]string `json:"args,omitempty"`
}

// Keys of reasons, one per kind of evidence.
const (
	ReasonSkillPhrase    = "skill.phrase"      // the skill as written (or one of its wordings)
	ReasonSkillNear      = "skill.near"        // every word of the skill, close together
	ReasonSkillApart     = "skill.apart"       // every word, far apart in a long text
	ReasonSkillPart      = "skill.part"        // a part of the skill's words
	ReasonCPV            = "cpv"               // a code of the notice fits a skill, several, or a declared prefix
	ReasonCPVInferred    = "cpv.inferred"      // a code inferred from similar notices fits likewise
	ReasonBundleTagged   = "bundle.tagged"     // the source tagged the notice with the cluster/sector
	ReasonBundleCPV      = "bundle.cpv"        // a code of the notice is under the bundle
	ReasonBundleKeyword  = "bundle.keyword"    // a keyword of the bundle occurs
	ReasonDeadline       = "deadline"          // the next deadline
	ReasonPublished      = "published"         // the publication date
	ReasonRegion         = "region"            // the place is in the member's regions
	ReasonBudget         = "budget"            // the value is within the member's budget
	ReasonViaSynonym     = "via.synonym"       // how a skill's wording came: a synonym
	ReasonViaTranslation = "via.translation"   // a translation
	ReasonViaLabel       = "via.label"         // a CPV label in another language
	reasonFieldTitle     = "field.title"       //
	reasonFieldDesc      = "field.description" //
	reasonFieldIn        = "field.in"          // a field of a translation: "%s (de)"
	reasonBundleCluster  = "bundle.cluster"    // "votre grappe %s"
	reasonBundleSector   = "bundle.sector"     // "votre secteur %s"
	reasonLeftToday      = "left.today"
	reasonLeftTomorrow   = "left.tomorrow"
	reasonLeftDays       = "left.days"
	reasonLeftPast       = "left.past"
	reasonDateAt         = "date.at"
	reasonPercent        = "percent"
)

// Say tells r in lang ("fr" or "en"; others get French, the users' first language), with
// dates in loc and "in N days" counted from now. An unknown key says its key: a message
// missing from the catalogue shows, rather than a blank.
func (r Reason) Say(lang string, now time.Time, loc *time.Location) string {
	c := catalogueOf(lang)
	tpl, ok := c.msg[r.Key]
	if !ok {
		return r.Key
	}
	if loc == nil {
		loc = time.UTC
	}
	val := func(name string) string {
		v := r.Args[name]
		switch name {
		case "field":
			return c.field(v, r.Args["field_lang"])
		case "label":
			if l := r.Args["label_"+c.lang]; l != "" {
				return l
			}
			return r.Args["label_en"]
		case "bundle":
			key := reasonBundleCluster
			if r.Args["bundle_kind"] == "sector" {
				key = reasonBundleSector
			}
			return strings.ReplaceAll(c.msg[key], "{name}", c.bundleName(v))
		case "via":
			if v == "" {
				return ""
			}
			return strings.ReplaceAll(c.msg[v], "{term}", r.Args["via_term"])
		case "date":
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return v
			}
			return c.date(t, loc)
		case "left":
			t, err := time.Parse(time.RFC3339, r.Args["date"])
			if err != nil {
				return ""
			}
			return c.left(now.In(loc), t)
		case "conf":
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return v
			}
			return strings.ReplaceAll(c.msg[reasonPercent], "{n}", strconv.Itoa(int(f*100+0.5)))
		}
		return v
	}
	return fill(tpl, val)
}

// fill replaces each {name} of tpl by val(name). A part in [brackets] is kept only when
// every name in it has a value: "[ ({via})]" vanishes for a skill found as written.
func fill(tpl string, val func(string) string) string {
	var b strings.Builder
	for len(tpl) > 0 {
		i := strings.IndexByte(tpl, '[')
		if i < 0 {
			b.WriteString(fillPart(tpl, val, nil))
			break
		}
		b.WriteString(fillPart(tpl[:i], val, nil))
		j := strings.IndexByte(tpl[i:], ']')
		if j < 0 {
			b.WriteString(fillPart(tpl[i:], val, nil))
			break
		}
		empty := false
		part := fillPart(tpl[i+1:i+j], val, &empty)
		if !empty {
			b.WriteString(part)
		}
		tpl = tpl[i+j+1:]
	}
	return b.String()
}

func fillPart(s string, val func(string) string, empty *bool) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '{')
		j := strings.IndexByte(s, '}')
		if i < 0 || j < i {
			b.WriteString(s)
			return b.String()
		}
		v := val(s[i+1 : j])
		if v == "" && empty != nil {
			*empty = true
		}
		b.WriteString(s[:i])
		b.WriteString(v)
		s = s[j+1:]
	}
}

// daysLeft counts calendar days from now to t in now's zone (a deadline tomorrow at 9:00
// is "tomorrow" at 23:00 today).
func daysLeft(now, t time.Time) int {
	y1, m1, d1 := now.Date()
	y2, m2, d2 := t.In(now.Location()).Date()
	a := time.Date(y1, m1, d1, 12, 0, 0, 0, time.UTC)
	b := time.Date(y2, m2, d2, 12, 0, 0, 0, time.UTC)
	return int(b.Sub(a).Round(24*time.Hour) / (24 * time.Hour))
}
