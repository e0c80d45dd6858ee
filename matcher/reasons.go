package matcher

import (
	"strconv"
	"time"

	passerelle "github.com/passerelle/passerelle"
)

// Reasons are the evidence as data (passerelle.Reason), built beside the evidence text
// from the same facts, so that what a member is told in plain words is exactly what the
// engine saw: the skill, the field, the words the notice writes, the code it carries.

// kind names a field for a reason: "title" or "description" (its language apart, in trans).
func (f *field) kind() string {
	if f.title {
		return "title"
	}
	return "description"
}

func reasonOf(key string, kv ...string) *passerelle.Reason {
	r := &passerelle.Reason{Key: key, Args: make(map[string]string, len(kv)/2)}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			r.Args[kv[i]] = kv[i+1]
		}
	}
	return r
}

// cpvReason tells which code of d (or inferred for it) fits concept c, of skill (the
// skill's text; "" for the profile's own concepts).
func (s *Scorer) cpvReason(d *doc, f cpvFit, c *concept, skill string) *passerelle.Reason {
	key, code := passerelle.ReasonCPV, ""
	// Room for every arg, so that building them allocates nothing (reasonOf copies them).
	kv := make([]string, 0, 16)
	if len(d.cpv) == 0 {
		x := d.inferred[f.i]
		key, code = passerelle.ReasonCPVInferred, x.code
		kv = append(kv, "of", strconv.Itoa(x.of), "k", strconv.Itoa(x.k), "conf", strconv.FormatFloat(x.conf, 'f', 2, 64))
		if x.lab > 0 {
			kv = append(kv, "labels", strconv.Itoa(x.lab))
		}
	} else {
		code = d.cpv[f.i]
	}
	kv = append(kv, "code", code)
	kv = s.appendCodeLabels(kv, code, c.code)
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

// codeLabels are the French and English labels of code (of fallback, for a code the
// vocabulary does not know), as a reason's args.
func (s *Scorer) codeLabels(code, fallback string) []string {
	return s.appendCodeLabels(make([]string, 0, 4), code, fallback)
}

// appendCodeLabels appends codeLabels(code, fallback) to kv.
func (s *Scorer) appendCodeLabels(kv []string, code, fallback string) []string {
	for _, l := range [...]struct{ lang, key string }{{"fr", "label_fr"}, {"en", "label_en"}} {
		label := s.voc.Label(code, l.lang)
		if label == "" && fallback != "" {
			label = s.voc.Label(fallback, l.lang)
		}
		kv = append(kv, l.key, label)
	}
	return kv
}

func dateReason(key string, t time.Time) *passerelle.Reason {
	return reasonOf(key, "date", t.UTC().Format(time.RFC3339))
}
