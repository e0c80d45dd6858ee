package passerelle

// Reason is the evidence of a contribution as data: a message of the catalogue and the
// facts it names (the skill, the field, the words found, a code and its labels, a date),
// so that each reader is told it plainly in their own language. Contribution.Evidence
// keeps the engine's own wording for staff and programs; a Reason says the same thing,
// never more. Args keys are those of the message's template (notify's catalogue says them).
type Reason struct {
	Key  string            `json:"key"`
	Args map[string]string `json:"args,omitempty"`
}

// Keys of reasons, one per kind of evidence.
const (
	ReasonSkillPhrase    = "skill.phrase"    // the skill as written (or one of its wordings)
	ReasonSkillNear      = "skill.near"      // every word of the skill, close together
	ReasonSkillApart     = "skill.apart"     // every word, far apart in a long text
	ReasonSkillPart      = "skill.part"      // a part of the skill's words
	ReasonCPV            = "cpv"             // a code of the notice fits a skill, several, or a declared prefix
	ReasonCPVInferred    = "cpv.inferred"    // a code inferred from similar notices fits likewise
	ReasonBundleTagged   = "bundle.tagged"   // the source tagged the notice with the cluster/sector
	ReasonBundleCPV      = "bundle.cpv"      // a code of the notice is under the bundle
	ReasonBundleKeyword  = "bundle.keyword"  // a keyword of the bundle occurs
	ReasonDeadline       = "deadline"        // the next deadline
	ReasonPublished      = "published"       // the publication date
	ReasonRegion         = "region"          // the place is in the member's regions
	ReasonBudget         = "budget"          // the value is within the member's budget
	ReasonViaSynonym     = "via.synonym"     // how a skill's wording came: a synonym
	ReasonViaTranslation = "via.translation" // a translation
	ReasonViaLabel       = "via.label"       // a CPV label in another language
)
