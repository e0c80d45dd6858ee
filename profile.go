package passerelle

import (
	"slices"
	"strings"
)

// Profile is one business line of a member: what it is matched on. A company with several
// lines (a security integrator that also builds serious games) keeps one named profile per
// line, each with its own words, codes, regions, exclusions and threshold, and a match
// names the profile it came from.
type Profile struct {
	ID        string   `json:"id"`
	Name      string   `json:"name"`
	Skills    []string `json:"skills,omitempty"`
	Clusters  []string `json:"clusters,omitempty"`
	Sectors   []string `json:"sectors,omitempty"`
	CPV       []string `json:"cpv,omitempty"`     // declared CPV prefixes
	Regions   []string `json:"regions,omitempty"` // NUTS prefixes
	Exclude   []string `json:"exclude,omitempty"` // words or phrases that veto a match
	Languages []string `json:"languages,omitempty"`
	Budget    *Budget  `json:"budget,omitempty"`
	MinScore  float64  `json:"min_score,omitempty"`
}

// MainProfile is the id of the profile a member written without `profiles` has: its
// top-level matching fields. Store migration 10 gave it to every member stored before
// profiles existed, so their matches and those of members read from files agree.
const MainProfile = "main"

// ProfileFields are the JSON names of a member's top-level matching fields, which are its
// first profile.
var ProfileFields = []string{"skills", "clusters", "sectors", "cpv", "regions", "exclude", "languages", "budget", "min_score"}

// Empty reports whether p declares nothing to match on. An empty profile matches nothing:
// missing data is never agreement (regions, budget and languages alone say where and how
// much, not what).
func (p *Profile) Empty() bool {
	return len(p.Skills) == 0 && len(p.Clusters) == 0 && len(p.Sectors) == 0 && len(p.CPV) == 0
}

// EffectiveProfiles returns the member's profiles as the matcher reads them: its `profiles` when it
// has some, else one profile (id "main", named after the member) made of its top-level
// matching fields. The slice may be the member's own: do not change it.
func (m *Member) EffectiveProfiles() []Profile {
	if len(m.Profiles) > 0 {
		return m.Profiles
	}
	return []Profile{m.topProfile(MainProfile, m.defaultProfileName())}
}

// EmptyProfile reports whether no profile of the member declares anything to match on.
func (m *Member) EmptyProfile() bool {
	for _, p := range m.EffectiveProfiles() {
		if !p.Empty() {
			return false
		}
	}
	return true
}

// Normalize puts a member in its canonical stored form, in which `profiles` is always
// given and the top-level matching fields are a copy of the first profile: a member
// written without profiles gets one ("main") made of its top-level fields; a member
// written with profiles alone gets its top-level fields from the first. A member whose
// top-level fields and first profile both say something, and differ, is left as it is
// for Validate to refuse (which of the two was meant cannot be told).
func (m *Member) Normalize() {
	switch {
	case len(m.Profiles) == 0:
		m.Profiles = []Profile{m.topProfile(MainProfile, m.defaultProfileName())}
	case m.topEmpty():
		m.setTop(m.Profiles[0])
	}
}

// TopEdited makes the first profile what the top-level matching fields now say (an edit
// that changed those alone, like a PATCH of `skills`), keeping its id and name.
func (m *Member) TopEdited() {
	if len(m.Profiles) == 0 {
		return
	}
	m.Profiles[0] = m.topProfile(m.Profiles[0].ID, m.Profiles[0].Name)
}

// ProfilesEdited makes the top-level matching fields the new first profile (an edit that
// changed `profiles` alone).
func (m *Member) ProfilesEdited() {
	if len(m.Profiles) > 0 {
		m.setTop(m.Profiles[0])
	}
}

// Profile returns the member's profile with that id.
func (m *Member) Profile(id string) (Profile, bool) {
	for _, p := range m.EffectiveProfiles() {
		if p.ID == id {
			return p, true
		}
	}
	return Profile{}, false
}

func (m *Member) defaultProfileName() string {
	if n := strings.TrimSpace(m.Name); n != "" {
		return n
	}
	return MainProfile
}

func (m *Member) topProfile(id, name string) Profile {
	return Profile{ID: id, Name: name, Skills: m.Skills, Clusters: m.Clusters, Sectors: m.Sectors, CPV: m.CPV,
		Regions: m.Regions, Exclude: m.Exclude, Languages: m.Languages, Budget: m.Budget, MinScore: m.MinScore}
}

func (m *Member) setTop(p Profile) {
	m.Skills, m.Clusters, m.Sectors, m.CPV = p.Skills, p.Clusters, p.Sectors, p.CPV
	m.Regions, m.Exclude, m.Languages, m.Budget, m.MinScore = p.Regions, p.Exclude, p.Languages, p.Budget, p.MinScore
}

func (m *Member) topEmpty() bool {
	return len(m.Skills)+len(m.Clusters)+len(m.Sectors)+len(m.CPV)+len(m.Regions)+len(m.Exclude)+len(m.Languages) == 0 &&
		m.Budget == nil && m.MinScore == 0
}

// topDiffers names the top-level matching fields that differ from p's.
func (m *Member) topDiffers(p *Profile) []string {
	var out []string
	eq := func(name string, a, b []string) {
		if !slices.Equal(a, b) {
			out = append(out, name)
		}
	}
	eq("skills", m.Skills, p.Skills)
	eq("clusters", m.Clusters, p.Clusters)
	eq("sectors", m.Sectors, p.Sectors)
	eq("cpv", m.CPV, p.CPV)
	eq("regions", m.Regions, p.Regions)
	eq("exclude", m.Exclude, p.Exclude)
	eq("languages", m.Languages, p.Languages)
	if (m.Budget == nil) != (p.Budget == nil) || m.Budget != nil && *m.Budget != *p.Budget {
		out = append(out, "budget")
	}
	if m.MinScore != p.MinScore {
		out = append(out, "min_score")
	}
	return out
}

// validateProfiles checks the profiles' ids, names and fields, each error at its path
// ("profiles[1].skills"), and that the top-level fields are the first profile.
func (m *Member) validateProfiles(v *ValidationError) {
	seen := map[string]int{}
	for i := range m.Profiles {
		p := &m.Profiles[i]
		at := indexPath("profiles", i)
		switch id := strings.TrimSpace(p.ID); {
		case id == "":
			v.Add(at+".id", "is required")
		case id != p.ID || strings.ContainsAny(p.ID, "/ \t\n?#"):
			v.Add(at+".id", "must not contain spaces, '/', '?' or '#'")
		default:
			if j, dup := seen[p.ID]; dup {
				v.Add(at+".id", "repeats "+quote(p.ID)+" of "+indexPath("profiles", j))
			}
			seen[p.ID] = i
		}
		if strings.TrimSpace(p.Name) == "" {
			v.Add(at+".name", "is required")
		}
		validateMatching(v, at+".", p.Clusters, p.CPV, p.Budget, p.MinScore)
	}
	if len(m.Profiles) > 0 && !m.topEmpty() {
		for _, f := range m.topDiffers(&m.Profiles[0]) {
			v.Add(f, "differs from profiles[0]."+f+": the top-level matching fields are the first profile; send one or the other, or the same")
		}
	}
}

// validateMatching checks the fields a profile and a member's top level share, under
// prefix ("" or "profiles[1].").
func validateMatching(v *ValidationError, prefix string, clusters, cpv []string, budget *Budget, minScore float64) {
	for i, c := range clusters {
		if !KnownCluster(c) {
			v.Add(prefix+indexPath("clusters", i), "unknown cluster "+quote(c)+"; known: "+strings.Join(Clusters, ", "))
		}
	}
	for i, c := range cpv {
		if c == "" || strings.Trim(c, "0123456789") != "" || len(c) > 8 {
			v.Add(prefix+indexPath("cpv", i), "must be a CPV prefix of up to 8 digits")
		}
	}
	if budget != nil && budget.Max > 0 && budget.Min > budget.Max {
		v.Add(prefix+"budget.min", "is above budget.max")
	}
	if minScore < 0 || minScore > 100 {
		v.Add(prefix+"min_score", "must be between 0 and 100")
	}
}
