package passerelle

import (
	"strconv"
	"strings"
	"time"
)

// The message catalogue: what Passerelle tells people, in French (the members' first
// language) and English. One place, so that a page, an e-mail and a feed say the same
// thing the same way; a message is a template whose {names} a Reason's Args fill.
type catalogue struct {
	lang    string
	msg     map[string]string
	months  [12]string
	bundles map[string]string // cluster and sector names as people say them
}

var catalogues = map[string]*catalogue{
	"fr": {
		lang: "fr",
		msg: map[string]string{
			ReasonSkillPhrase:    "Votre compétence « {skill} »[ ({via})] figure dans {field}[ : « {found} »]",
			ReasonSkillNear:      "Les mots de votre compétence « {skill} »[ ({via})] figurent ensemble dans {field} : « {found} »",
			ReasonSkillApart:     "Les mots de votre compétence « {skill} »[ ({via})] figurent dans {field}, à distance : « {found} »",
			ReasonSkillPart:      "Une partie de votre compétence « {skill} »[ ({via})] figure dans {field} : « {found} »",
			ReasonCPV:            "Le code CPV {code}[ ({label})] de l'avis correspond à [votre compétence « {skill} »][plusieurs de vos compétences ({skills})][votre code déclaré {prefix}]",
			ReasonCPVInferred:    "Code CPV {code}[ ({label})] déduit des avis semblables ({of} des {k} plus proches le portent, confiance {conf}) : il correspond à [votre compétence « {skill} »][plusieurs de vos compétences ({skills})][votre code déclaré {prefix}]",
			ReasonBundleTagged:   "La source classe cette opportunité dans {bundle}",
			ReasonBundleCPV:      "Le code CPV {code}[ ({label})] correspond à {bundle}",
			ReasonBundleKeyword:  "Le mot « {keyword} » de {bundle} figure dans {field}[ : « {found} »]",
			ReasonDeadline:       "Clôture le {date} ({left})",
			ReasonPublished:      "Publiée le {date}",
			ReasonRegion:         "Dans votre région : {where}",
			ReasonBudget:         "Montant dans votre budget : {amount} {currency}",
			ReasonViaSynonym:     "synonyme « {term} »",
			ReasonViaTranslation: "traduite « {term} »",
			ReasonViaLabel:       "libellé CPV « {term} »",
			reasonFieldTitle:     "le titre",
			reasonFieldDesc:      "la description",
			reasonFieldIn:        "{field} ({lang})",
			reasonBundleCluster:  "votre grappe {name}",
			reasonBundleSector:   "votre secteur {name}",
			reasonLeftToday:      "aujourd'hui",
			reasonLeftTomorrow:   "demain",
			reasonLeftDays:       "dans {n} jours",
			reasonLeftPast:       "dépassée",
			reasonDateAt:         " à ",
			reasonPercent:        "{n} %",
		},
		months: [12]string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet",
			"août", "septembre", "octobre", "novembre", "décembre"},
		bundles: map[string]string{"web": "Web", "iot": "Internet des objets", "datacenters": "Centres de données",
			"security": "Sécurité", "transmedia": "Transmédia", "seriousgames": "Serious games"},
	},
	"en": {
		lang: "en",
		msg: map[string]string{
			ReasonSkillPhrase:    "Your skill “{skill}”[ ({via})] appears in {field}[: “{found}”]",
			ReasonSkillNear:      "The words of your skill “{skill}”[ ({via})] appear together in {field}: “{found}”",
			ReasonSkillApart:     "The words of your skill “{skill}”[ ({via})] appear in {field}, apart: “{found}”",
			ReasonSkillPart:      "Part of your skill “{skill}”[ ({via})] appears in {field}: “{found}”",
			ReasonCPV:            "The notice's CPV code {code}[ ({label})] fits [your skill “{skill}”][several of your skills ({skills})][your declared code {prefix}]",
			ReasonCPVInferred:    "CPV code {code}[ ({label})] inferred from similar notices ({of} of the {k} closest carry it, confidence {conf}): it fits [your skill “{skill}”][several of your skills ({skills})][your declared code {prefix}]",
			ReasonBundleTagged:   "The source files this opportunity under {bundle}",
			ReasonBundleCPV:      "CPV code {code}[ ({label})] belongs to {bundle}",
			ReasonBundleKeyword:  "The word “{keyword}” of {bundle} appears in {field}[: “{found}”]",
			ReasonDeadline:       "Closes on {date} ({left})",
			ReasonPublished:      "Published on {date}",
			ReasonRegion:         "In your region: {where}",
			ReasonBudget:         "Value within your budget: {amount} {currency}",
			ReasonViaSynonym:     "synonym “{term}”",
			ReasonViaTranslation: "translated “{term}”",
			ReasonViaLabel:       "CPV label “{term}”",
			reasonFieldTitle:     "the title",
			reasonFieldDesc:      "the description",
			reasonFieldIn:        "{field} ({lang})",
			reasonBundleCluster:  "your {name} cluster",
			reasonBundleSector:   "your {name} sector",
			reasonLeftToday:      "today",
			reasonLeftTomorrow:   "tomorrow",
			reasonLeftDays:       "in {n} days",
			reasonLeftPast:       "passed",
			reasonDateAt:         ", ",
			reasonPercent:        "{n}%",
		},
		months: [12]string{"January", "February", "March", "April", "May", "June", "July",
			"August", "September", "October", "November", "December"},
		bundles: map[string]string{"web": "Web", "iot": "Internet of Things", "datacenters": "Data centres",
			"security": "Security", "transmedia": "Transmedia", "seriousgames": "Serious games"},
	},
}

func catalogueOf(lang string) *catalogue {
	if c, ok := catalogues[strings.ToLower(lang)]; ok {
		return c
	}
	return catalogues["fr"]
}

// field names a notice's field: "le titre", or "la description (de)" for a translation's.
func (c *catalogue) field(name, lang string) string {
	f := c.msg[reasonFieldDesc]
	if name == "title" {
		f = c.msg[reasonFieldTitle]
	}
	if lang == "" {
		return f
	}
	return strings.NewReplacer("{field}", f, "{lang}", lang).Replace(c.msg[reasonFieldIn])
}

func (c *catalogue) bundleName(name string) string {
	if s, ok := c.bundles[name]; ok {
		return s
	}
	return name
}

// date writes t as "12 mars 2026", with the hour when it has one ("à 17:00").
func (c *catalogue) date(t time.Time, loc *time.Location) string {
	t = t.In(loc)
	s := strconv.Itoa(t.Day()) + " " + c.months[t.Month()-1] + " " + strconv.Itoa(t.Year())
	if t.Hour() != 0 || t.Minute() != 0 {
		s += c.msg[reasonDateAt] + t.Format("15:04")
	}
	return s
}

// left says how far t is from now: "demain", "dans 5 jours", "dépassée".
func (c *catalogue) left(now, t time.Time) string {
	if !t.After(now) {
		return c.msg[reasonLeftPast]
	}
	switch n := daysLeft(now, t); n {
	case 0:
		return c.msg[reasonLeftToday]
	case 1:
		return c.msg[reasonLeftTomorrow]
	default:
		return strings.ReplaceAll(c.msg[reasonLeftDays], "{n}", strconv.Itoa(n))
	}
}
