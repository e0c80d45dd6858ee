package matcher

import (
	"strconv"
	"strings"
	"time"

	passerelle "github.com/passerelle/passerelle"
)

// Reasons are the evidence as data (passerelle.Reason), built beside the evidence text
// from the same facts, so that what a member is told in plain words is exactly what the
// engine saw: the skill, the field, the words the notice writes, the code it carries.

func reasonOf(key string, kv ...string) *passerelle.Reason {
	r := &passerelle.Reason{Key: key, Args: make(map[string]string, len(kv)/2)}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			r.Args[kv[i]] = kv[i+1]
		}
	}
	return r
}

// fieldArgs names a notice field for a reason: "title" or "description", and the
// language of a translation's field ("title (de)").
func fieldArgs(f *field) (name, lang string) {
	name = "description"
	if f.title {
		name = "title"
	}
	if i := strings.Index(f.name, " ("); i > 0 && strings.HasSuffix(f.name, ")") {
		lang = f.name[i+2 : len(f.name)-1]
	}
	return name, lang
}

// skillReason tells how skill sk was found in d (the best hit h).
func (s *Scorer) skillReason(sk *phrase, d *doc, h skillHit) *passerelle.Reason {
	f := d.fields[h.field]
	va := sk.alts[h.alt]
	hh := va.matchW(f, true, len(d.cpv) == 0)
	key := passerelle.ReasonSkillPart
	switch {
	case hh.q >= 1:
		key = passerelle.ReasonSkillPhrase
	case hh.whole && hh.q >= scatteredNear:
		key = passerelle.ReasonSkillNear
	case hh.whole:
		key = passerelle.ReasonSkillApart
	}
	found := hh.surfaceText(f, va)
	if key == passerelle.ReasonSkillPhrase && normPhrase(found) == va.norm {
		found = "" // the notice writes it as the member does: no need to quote it twice
	}
	name, lang := fieldArgs(f)
	return reasonOf(key, "skill", sk.text, "via", va.viaKey, "via_term", va.viaTerm,
		"field", name, "field_lang", lang, "found", found)
}

// cpvReason tells which code of d (or inferred for it) fits concept c, of skill (the
// skill's text; "" for the profile's own concepts).
func (s *Scorer) cpvReason(d *doc, f cpvFit, c *concept, skill string) *passerelle.Reason {
	key, code := passerelle.ReasonCPV, ""
	var kv []string
	if len(d.cpv) == 0 {
		x := d.inferred[f.i]
		key, code = passerelle.ReasonCPVInferred, x.code
		kv = append(kv, "of", strconv.Itoa(x.of), "k", strconv.Itoa(x.k), "conf", strconv.FormatFloat(x.conf, 'f', 2, 64))
	} else {
		code = d.cpv[f.i]
	}
	kv = append(kv, "code", code)
	for _, l := range []string{"fr", "en"} {
		label := s.voc.Label(code, l)
		if label == "" {
			label = s.voc.Label(c.code, l)
		}
		kv = append(kv, "label_"+l, label)
	}
	switch {
	case skill != "":
		kv = append(kv, "skill", skill)
	case c.declared:
		kv = append(kv, "prefix", c.prefix)
	default:
		kv = append(kv, "skills", strconv.Itoa(c.agreed))
	}
	return reasonOf(key, kv...)
}

// bundleReason tells why a notice belongs to a cluster or sector (kind).
func bundleReason(key, kind, name string, kv ...string) *passerelle.Reason {
	return reasonOf(key, append([]string{"bundle", name, "bundle_kind", kind}, kv...)...)
}

func (s *Scorer) codeLabels(code string) []string {
	return []string{"label_fr", s.voc.Label(code, "fr"), "label_en", s.voc.Label(code, "en")}
}

func dateReason(key string, t time.Time) *passerelle.Reason {
	return reasonOf(key, "date", t.UTC().Format(time.RFC3339))
}
