package notify

import "github.com/passerelle/passerelle"

// ProfileGroup is the part of a digest that one of the member's profiles (business lines)
// found, under its heading.
type ProfileGroup struct {
	Profile passerelle.Profile
	Heading string // "Profil « Sécurité »", in the digest's language
	Items   []Item // in the digest's order (best first)
}

// Groups returns the digest's items by the profile each match came from, in the member's
// order of profiles, leaving out profiles that found nothing. It is nil when the member
// has a single profile: the digest is then one list without headings, as it always was.
// A match naming no profile the member still has (stored before profiles, or of a
// profile since removed) goes with the first profile, whose fields the top level is.
func (d Digest) Groups() []ProfileGroup {
	ps := d.Member.EffectiveProfiles()
	if len(ps) < 2 {
		return nil
	}
	at := make(map[string]int, len(ps))
	for i, p := range ps {
		at[p.ID] = i
	}
	items := make([][]Item, len(ps))
	for _, it := range d.Items {
		i := at[it.Match.Profile] // 0 when unknown
		items[i] = append(items[i], it)
	}
	lang := Lang(d.Member)
	var out []ProfileGroup
	for i, p := range ps {
		if len(items[i]) > 0 {
			out = append(out, ProfileGroup{Profile: p, Heading: ProfileHeading(p, lang), Items: items[i]})
		}
	}
	return out
}

// ProfileHeading names a profile as a digest's heading: « Profil « Sécurité » »,
// “Profile ‘Security’”.
func ProfileHeading(p passerelle.Profile, lang string) string {
	name := oneLine(p.Name)
	if name == "" {
		name = p.ID
	}
	if lang == "en" {
		return "Profile “" + name + "”"
	}
	return "Profil « " + name + " »"
}

// minScoreOf is the threshold of the member's profile a match came from: each business
// line has its own (the first profile's, the top level, when the profile is unknown).
func minScoreOf(m *passerelle.Member, profile string) float64 {
	if p, ok := m.Profile(profile); ok {
		return p.MinScore
	}
	return m.MinScore
}
