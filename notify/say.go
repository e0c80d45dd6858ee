package notify

import (
	"strconv"
	"strings"
	"time"

	"github.com/passerelle/passerelle"
)

// Say tells a match's reason plainly in lang ("fr" or "en"; others get French, the
// members' first language), with dates in now's zone and "dans N jours" counted from now,
// as the digest's own dates are. An unknown key says its key: a message missing from the
// catalogue shows, rather than a blank.
func Say(r passerelle.Reason, lang string, now time.Time) string {
	if lang != "en" {
		lang = "fr"
	}
	c := reasonTexts[lang]
	tpl, ok := c[r.Key]
	if !ok {
		return r.Key
	}
	val := func(name string) string {
		v := r.Args[name]
		switch name {
		case "field":
			f := c["field.description"]
			if v == "title" {
				f = c["field.title"]
			}
			if l := r.Args["field_lang"]; l != "" {
				f += " (" + l + ")"
			}
			return f
		case "label":
			if l := r.Args["label_"+lang]; l != "" {
				return l
			}
			return r.Args["label_en"]
		case "bundle":
			key := "bundle.cluster"
			if r.Args["bundle_kind"] == "sector" {
				key = "bundle.sector"
			}
			name := v
			if s, ok := bundleNames[lang][v]; ok {
				name = s
			}
			return strings.ReplaceAll(c[key], "{name}", name)
		case "via":
			if v == "" {
				return ""
			}
			return strings.ReplaceAll(c[v], "{term}", r.Args["via_term"])
		case "date", "left":
			t, err := time.Parse(time.RFC3339, r.Args["date"])
			if err != nil {
				return r.Args["date"]
			}
			if name == "left" {
				return relative(now, t, lang)
			}
			return formatDate(t, now.Location(), lang)
		case "conf":
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return v
			}
			return strings.ReplaceAll(c["percent"], "{n}", strconv.Itoa(int(f*100+0.5)))
		}
		return v
	}
	return fill(tpl, val)
}

// reasonTexts are the messages of reasons, a template per key whose {names} the reason's
// Args fill; a part in [brackets] shows only when every name in it has a value.
var reasonTexts = map[string]map[string]string{
	"fr": {
		passerelle.ReasonSkillPhrase:    "Votre compétence « {skill} »[ ({via})] figure dans {field}[ : « {found} »][, et dans le titre : « {title_found} »]",
		passerelle.ReasonSkillNear:      "Les mots de votre compétence « {skill} »[ ({via})] figurent ensemble dans {field} : « {found} »[, et dans le titre : « {title_found} »]",
		passerelle.ReasonSkillApart:     "Les mots de votre compétence « {skill} »[ ({via})] figurent dans {field}, à distance : « {found} »[, et dans le titre : « {title_found} »]",
		passerelle.ReasonSkillPart:      "Une partie de votre compétence « {skill} »[ ({via})] figure dans {field} : « {found} »[, et dans le titre : « {title_found} »]",
		passerelle.ReasonCPV:            "Le code CPV {code}[ ({label})] de l'avis correspond à [votre compétence « {skill} »][plusieurs de vos compétences ({skills})][votre code déclaré {prefix}]",
		passerelle.ReasonCPVInferred:    "Code CPV {code}[ ({label})] déduit des avis semblables ({of} des {k} plus proches le portent[, dont {labels} intitulés du vocabulaire CPV], confiance {conf}) : il correspond à [votre compétence « {skill} »][plusieurs de vos compétences ({skills})][votre code déclaré {prefix}]",
		passerelle.ReasonBundleTagged:   "La source classe cette opportunité dans {bundle}",
		passerelle.ReasonBundleCPV:      "Le code CPV {code}[ ({label})] correspond à {bundle}",
		passerelle.ReasonBundleKeyword:  "Le mot « {keyword} » de {bundle} figure dans {field}[ : « {found} »]",
		passerelle.ReasonDeadline:       "Clôture le {date} ({left})",
		passerelle.ReasonPublished:      "Publiée le {date}",
		passerelle.ReasonRegion:         "Dans votre région : {where}",
		passerelle.ReasonBudget:         "Montant dans votre budget : {amount} {currency}",
		passerelle.ReasonViaSynonym:     "synonyme « {term} »",
		passerelle.ReasonViaTranslation: "traduite « {term} »",
		passerelle.ReasonViaLabel:       "libellé CPV « {term} »",
		"field.title":                   "le titre",
		"field.description":             "la description",
		"bundle.cluster":                "votre grappe {name}",
		"bundle.sector":                 "votre secteur {name}",
		"percent":                       "{n} %",
	},
	"en": {
		passerelle.ReasonSkillPhrase:    "Your skill “{skill}”[ ({via})] appears in {field}[: “{found}”][, and in the title: “{title_found}”]",
		passerelle.ReasonSkillNear:      "The words of your skill “{skill}”[ ({via})] appear together in {field}: “{found}”[, and in the title: “{title_found}”]",
		passerelle.ReasonSkillApart:     "The words of your skill “{skill}”[ ({via})] appear in {field}, apart: “{found}”[, and in the title: “{title_found}”]",
		passerelle.ReasonSkillPart:      "Part of your skill “{skill}”[ ({via})] appears in {field}: “{found}”[, and in the title: “{title_found}”]",
		passerelle.ReasonCPV:            "The notice's CPV code {code}[ ({label})] fits [your skill “{skill}”][several of your skills ({skills})][your declared code {prefix}]",
		passerelle.ReasonCPVInferred:    "CPV code {code}[ ({label})] inferred from similar notices ({of} of the {k} closest carry it[, {labels} of them CPV labels], confidence {conf}): it fits [your skill “{skill}”][several of your skills ({skills})][your declared code {prefix}]",
		passerelle.ReasonBundleTagged:   "The source files this opportunity under {bundle}",
		passerelle.ReasonBundleCPV:      "CPV code {code}[ ({label})] belongs to {bundle}",
		passerelle.ReasonBundleKeyword:  "The word “{keyword}” of {bundle} appears in {field}[: “{found}”]",
		passerelle.ReasonDeadline:       "Closes on {date} ({left})",
		passerelle.ReasonPublished:      "Published on {date}",
		passerelle.ReasonRegion:         "In your region: {where}",
		passerelle.ReasonBudget:         "Value within your budget: {amount} {currency}",
		passerelle.ReasonViaSynonym:     "synonym “{term}”",
		passerelle.ReasonViaTranslation: "translated “{term}”",
		passerelle.ReasonViaLabel:       "CPV label “{term}”",
		"field.title":                   "the title",
		"field.description":             "the description",
		"bundle.cluster":                "your {name} cluster",
		"bundle.sector":                 "your {name} sector",
		"percent":                       "{n}%",
	},
}

// bundleNames are the clusters as people name them (sectors keep their rules name).
var bundleNames = map[string]map[string]string{
	"fr": {"web": "Web", "iot": "Internet des objets", "datacenters": "Centres de données",
		"security": "Sécurité", "transmedia": "Transmédia", "seriousgames": "Serious games"},
	"en": {"web": "Web", "iot": "Internet of Things", "datacenters": "Data centres",
		"security": "Security", "transmedia": "Transmedia", "seriousgames": "Serious games"},
}

// fill replaces each {name} of tpl by val(name). A part in [brackets] is kept only when
// every name in it has a value: "[ ({via})]" vanishes for a skill found as written.
func fill(tpl string, val func(string) string) string {
	var b strings.Builder
	for len(tpl) > 0 {
		i := strings.IndexByte(tpl, '[')
		j := strings.IndexByte(tpl, ']')
		if i < 0 || j < i {
			b.WriteString(fillPart(tpl, val, nil))
			break
		}
		b.WriteString(fillPart(tpl[:i], val, nil))
		empty := false
		if part := fillPart(tpl[i+1:j], val, &empty); !empty {
			b.WriteString(part)
		}
		tpl = tpl[j+1:]
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
