// Package passerelle is the domain vocabulary of Passerelle, a business-opportunity
// matchmaking engine for a technology cluster association: opportunities (calls for
// projects, grants, tenders), members and their profiles, match rules, matches with
// their explanation, sources and runs.
//
// The package imports nothing but the standard library. Every other package speaks
// these types; adapters (store, index, source, matcher, notify, api) live in
// sub-packages named after what they hold.
package passerelle

import (
	"strings"
	"time"
)

// Kind says what an opportunity is.
type Kind string

const (
	KindCall      Kind = "call"
	KindTender    Kind = "tender"
	KindGrant     Kind = "grant"
	KindPriorInfo Kind = "prior-info"
	KindAward     Kind = "award"
	KindOther     Kind = "other"
)

// Valid reports whether k is one of the known kinds.
func (k Kind) Valid() bool {
	switch k {
	case KindCall, KindTender, KindGrant, KindPriorInfo, KindAward, KindOther:
		return true
	}
	return false
}

// Status is the life stage of an opportunity, derived from its deadline and kind.
type Status string

const (
	StatusOpen      Status = "open"
	StatusClosing   Status = "closing" // deadline within ClosingWindow
	StatusClosed    Status = "closed"
	StatusCancelled Status = "cancelled"
	StatusUnknown   Status = "unknown"
)

// ClosingWindow is how close a deadline must be for an open opportunity to be "closing".
const ClosingWindow = 7 * 24 * time.Hour

// Text is a title and description in one language.
type Text struct {
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
}

// Stage is one step of a multi-stage call (letter of intent, pre-proposal, full proposal).
type Stage struct {
	Name     string     `json:"name"`
	Deadline *time.Time `json:"deadline"`
}

// Money is an amount in a currency (ISO 4217).
type Money struct {
	Amount   float64 `json:"amount"`
	Currency string  `json:"currency,omitempty"`
}

// Opportunity is a call for projects, a grant or a public tender, as published by a source.
// The JSON shape is the canonical one: API, import and export use it.
type Opportunity struct {
	// ID is stable: an imported JSONL record keeps its id; otherwise "<source>:<external id>".
	ID         string   `json:"id"`
	Source     string   `json:"source"`
	Sources    []string `json:"sources,omitempty"` // every source that published it, first one first
	ExternalID string   `json:"external_id,omitempty"`
	// Changes is the external id of the notice this one corrects or completes (a TED F14
	// corrigendum, an eForms change notice), empty for an original notice.
	Changes string `json:"changes,omitempty"`
	// Partial marks a record that only completes the notice stored under the same id (an
	// OCDS partial release: a deadline extension, an award): the fields it leaves empty keep
	// their stored values, and the newer release's fields win. The store merges it; a
	// stored opportunity is never partial.
	Partial bool `json:"partial,omitempty"`
	// Aliases are other ids the same notice goes by, e.g. "ted:<notice identifier>" for an
	// eForms notice stored under its publication number: a change notice may name it by
	// either, and the store finds it under each.
	Aliases []string `json:"aliases,omitempty"`

	Kind         Kind            `json:"kind"`
	Title        string          `json:"title"`
	Description  string          `json:"description,omitempty"`
	Language     string          `json:"language,omitempty"`
	Translations map[string]Text `json:"translations,omitempty"`
	URL          string          `json:"url,omitempty"`
	Buyer        string          `json:"buyer,omitempty"`
	Pole         string          `json:"pole,omitempty"`
	Country      string          `json:"country,omitempty"`
	NUTS         []string        `json:"nuts,omitempty"`
	CPV          []string        `json:"cpv,omitempty"` // 8 digits, main first
	Clusters     []string        `json:"clusters,omitempty"`
	Sectors      []string        `json:"sectors,omitempty"`

	Published *time.Time `json:"published"`
	Deadline  *time.Time `json:"deadline"`
	// DeadlineUntrusted flags placeholder deadlines (year 2049 and the like).
	DeadlineUntrusted bool `json:"deadline_untrusted,omitempty"`
	// DeadlineEvidence says where a deadline no field stated was read: the field and the
	// words quoted from its text ("description text: “jusqu'au 30 juin 2026”").
	DeadlineEvidence string  `json:"deadline_evidence,omitempty"`
	Stages           []Stage `json:"stages,omitempty"`
	Value            *Money  `json:"value,omitempty"`
	// Programme and ActionType name the funding instrument ("Horizon Europe", "HORIZON
	// Research and Innovation Actions", "HORIZON ERC Grants"): the action type says who may
	// apply, which decides a member's eligibility before any fit.
	Programme  string `json:"programme,omitempty"`
	ActionType string `json:"action_type,omitempty"`
	Status     Status `json:"status"`

	FirstSeen time.Time `json:"first_seen"`
	Updated   time.Time `json:"updated"`
	Revision  int       `json:"revision"`
	// Revisions is filled only when one opportunity is read with its history.
	Revisions []Revision `json:"revisions,omitempty"`
}

// Texts returns every title+description pair of the opportunity: its own language first,
// then its translations in a stable order.
func (o *Opportunity) Texts() []Text {
	out := []Text{{Title: o.Title, Description: o.Description}}
	langs := make([]string, 0, len(o.Translations))
	for l := range o.Translations {
		langs = append(langs, l)
	}
	sortStrings(langs)
	for _, l := range langs {
		out = append(out, o.Translations[l])
	}
	return out
}

// ComputeStatus derives the status at now from kind and deadline. Cancelled and closed
// stay as they are: a source said so.
func (o *Opportunity) ComputeStatus(now time.Time) Status {
	switch {
	case o.Status == StatusCancelled:
		return StatusCancelled
	case o.Kind == KindAward:
		return StatusClosed
	case o.Deadline == nil:
		if o.Status == StatusClosed {
			return StatusClosed
		}
		if o.Status == StatusOpen || o.Status == StatusClosing {
			return StatusOpen
		}
		return StatusUnknown
	case !o.Deadline.After(now):
		return StatusClosed
	case o.Deadline.Sub(now) <= ClosingWindow:
		return StatusClosing
	default:
		return StatusOpen
	}
}

// FieldChange is one field's old and new value in a revision.
type FieldChange struct {
	Field string `json:"field"`
	Old   string `json:"old"`
	New   string `json:"new"`
}

// Revision is a material change of an opportunity (deadline, status, value, text, stages).
type Revision struct {
	N       int           `json:"n"`
	At      time.Time     `json:"at"`
	Source  string        `json:"source,omitempty"`
	Changes []FieldChange `json:"changes"`
}

// Tier is a member's subscription level. Only premium members get matches.
type Tier string

const (
	TierBasic   Tier = "basic"
	TierPremium Tier = "premium"
)

// Organisation is the kind of body a member is.
type Organisation string

const (
	OrgSME      Organisation = "sme"
	OrgLarge    Organisation = "large"
	OrgResearch Organisation = "research"
	OrgPublic   Organisation = "public"
)

// OrganisationOf is m's organisation, sme when unsaid (most members are small companies).
func (m *Member) OrganisationOf() Organisation {
	if m.Organisation == "" {
		return OrgSME
	}
	return m.Organisation
}

// Budget is the contract value range a member can take on.
type Budget struct {
	Min float64 `json:"min,omitempty"`
	Max float64 `json:"max,omitempty"`
}

// Contact is a person who receives digests.
type Contact struct {
	Name  string `json:"name,omitempty"`
	Email string `json:"email"`
}

// NotifySettings says how and how often a member hears of new matches.
type NotifySettings struct {
	Frequency  string   `json:"frequency,omitempty"` // daily, weekly, off
	Channels   []string `json:"channels,omitempty"`  // email, webhook
	WebhookURL string   `json:"webhook_url,omitempty"`
}

// Member is a company of the association and its declared profile.
type Member struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Tier Tier   `json:"tier"`
	// Organisation is the kind of body the member is (sme when unsaid): it decides which
	// funding instruments it may apply to.
	Organisation Organisation   `json:"organisation,omitempty"`
	Clusters     []string       `json:"clusters,omitempty"`
	Skills       []string       `json:"skills,omitempty"`
	Sectors      []string       `json:"sectors,omitempty"`
	CPV          []string       `json:"cpv,omitempty"`     // declared CPV prefixes
	Regions      []string       `json:"regions,omitempty"` // NUTS prefixes
	Exclude      []string       `json:"exclude,omitempty"` // words or phrases that veto a match
	Languages    []string       `json:"languages,omitempty"`
	Budget       *Budget        `json:"budget,omitempty"`
	Contacts     []Contact      `json:"contacts,omitempty"`
	Notify       NotifySettings `json:"notify"`
	MinScore     float64        `json:"min_score,omitempty"`
	// Profiles are the member's business lines, each matched on its own; the top-level
	// matching fields above are the first (see Normalize). Absent: one profile, those fields.
	Profiles []Profile `json:"profiles,omitempty"`
	Created  time.Time `json:"created"`
	Updated  time.Time `json:"updated"`
}

// Validate checks a member's fields and returns a *ValidationError naming each bad one.
func (m *Member) Validate() error {
	var v ValidationError
	if strings.TrimSpace(m.ID) == "" {
		v.Add("id", "is required")
	} else if strings.ContainsAny(m.ID, "/ \t\n?#") {
		v.Add("id", "must not contain spaces, '/', '?' or '#'")
	}
	if strings.TrimSpace(m.Name) == "" {
		v.Add("name", "is required")
	}
	if m.Tier != TierBasic && m.Tier != TierPremium {
		v.Add("tier", "must be basic or premium")
	}
	switch m.Organisation {
	case "", OrgSME, OrgLarge, OrgResearch, OrgPublic:
	default:
		v.Add("organisation", "must be sme, large, research or public")
	}
	validateMatching(&v, "", m.Clusters, m.CPV, m.Budget, m.MinScore)
	m.validateProfiles(&v)
	switch m.Notify.Frequency {
	case "", "daily", "weekly", "off":
	default:
		v.Add("notify.frequency", "must be daily, weekly or off")
	}
	for i, ch := range m.Notify.Channels {
		if ch != "email" && ch != "webhook" {
			v.Add(indexPath("notify.channels", i), "must be email or webhook")
		}
	}
	for i, c := range m.Contacts {
		if !strings.Contains(c.Email, "@") {
			v.Add(indexPath("contacts", i)+".email", "is not an e-mail address")
		}
	}
	return v.Err()
}

// The six technology clusters of the association.
const (
	ClusterWeb          = "web"
	ClusterIoT          = "iot"
	ClusterDataCenters  = "datacenters"
	ClusterSecurity     = "security"
	ClusterTransmedia   = "transmedia"
	ClusterSeriousGames = "seriousgames"
)

// Clusters lists the cluster ids in a stable order.
var Clusters = []string{ClusterWeb, ClusterIoT, ClusterDataCenters, ClusterSecurity, ClusterTransmedia, ClusterSeriousGames}

// KnownCluster reports whether c names one of the six clusters.
func KnownCluster(c string) bool {
	for _, k := range Clusters {
		if c == k {
			return true
		}
	}
	return false
}

// MatchState is where a match stands for its member.
type MatchState string

const (
	MatchNew       MatchState = "new"
	MatchNotified  MatchState = "notified"
	MatchSeen      MatchState = "seen"
	MatchSaved     MatchState = "saved"
	MatchDismissed MatchState = "dismissed"
)

// Contribution is one piece of evidence of a score: which signal, what it saw, how many points.
type Contribution struct {
	Signal   string  `json:"signal"`   // text, cluster, cpv, sector, region, budget, deadline, freshness
	Evidence string  `json:"evidence"` // e.g. "skill 'cybersécurité' ~ title 'sécurité informatique'"
	Points   float64 `json:"points"`
	// Reason is the same evidence as data, for telling a member plainly in their language.
	Reason *Reason `json:"reason,omitempty"`
}

// Explanation is the evidence behind a score. Contributions add up to the score;
// Veto, when set, says what ruled the pair out.
type Explanation struct {
	Contributions []Contribution `json:"contributions"`
	Veto          string         `json:"veto,omitempty"`
}

// Verdict is a member's feedback on a match.
type Verdict string

const (
	VerdictRelevant    Verdict = "relevant"
	VerdictNotRelevant Verdict = "not_relevant"
	VerdictSaved       Verdict = "saved"
	VerdictDismissed   Verdict = "dismissed"
)

// Valid reports whether v is a known verdict.
func (v Verdict) Valid() bool {
	switch v {
	case VerdictRelevant, VerdictNotRelevant, VerdictSaved, VerdictDismissed:
		return true
	}
	return false
}

// Feedback is what a member said of a match.
type Feedback struct {
	Verdict      Verdict   `json:"verdict"`
	Reason       string    `json:"reason,omitempty"`
	At           time.Time `json:"at"`
	RulesVersion int       `json:"rules_version,omitempty"`
}

// Match is an opportunity found for a member, with its score and the evidence for it.
type Match struct {
	Member       string      `json:"member"`
	Opportunity  string      `json:"opportunity"`
	Score        float64     `json:"score"` // 0-100
	Profile      string      `json:"profile,omitempty"`
	Explanation  Explanation `json:"explanation"`
	RulesVersion int         `json:"rules_version"`
	State        MatchState  `json:"state"`
	Feedback     *Feedback   `json:"feedback,omitempty"`
	Created      time.Time   `json:"created"`
	Updated      time.Time   `json:"updated"`
}

// Source is a place calls are published: a pole's RSS feed, TED, a buyer's page.
type Source struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Pole     string `json:"pole,omitempty"`
	URL      string `json:"url"`    // http(s) URL or a local path
	Format   string `json:"format"` // auto, rss, atom, jsonl, csv, json, ocds, ted-xml, eforms, fts, html
	Schedule string `json:"schedule,omitempty"`
	Enabled  bool   `json:"enabled"`
	// Options are format options: CSV column map, JSON field paths, HTML CSS selectors.
	Options  map[string]string `json:"options,omitempty"`
	Language string            `json:"language,omitempty"` // default language of its notices
	Timezone string            `json:"timezone,omitempty"` // zone of date-times without one
	Clusters []string          `json:"clusters,omitempty"` // default clusters of its notices
	Sectors  []string          `json:"sectors,omitempty"`
	Kind     Kind              `json:"kind,omitempty"` // default kind of its notices
}

// Formats lists the input formats a source may declare.
var Formats = []string{"auto", "rss", "atom", "jsonl", "csv", "json", "ocds", "ted-xml", "eforms", "fts", "html"}

// Validate checks a source's fields and returns a *ValidationError naming each bad one.
func (s *Source) Validate() error {
	var v ValidationError
	if strings.TrimSpace(s.ID) == "" {
		v.Add("id", "is required")
	} else if strings.ContainsAny(s.ID, "/ :\t\n?#") {
		v.Add("id", "must not contain spaces, ':', '/', '?' or '#'")
	}
	if strings.TrimSpace(s.URL) == "" {
		v.Add("url", "is required")
	} else if msg := sourceURLProblem(s.URL); msg != "" {
		v.Add("url", msg)
	}
	if s.Format != "" {
		ok := false
		for _, f := range Formats {
			ok = ok || f == s.Format
		}
		if !ok {
			v.Add("format", "unknown format "+quote(s.Format)+"; known: "+strings.Join(Formats, ", "))
		}
	}
	if s.Timezone != "" {
		if _, err := time.LoadLocation(s.Timezone); err != nil {
			v.Add("timezone", "unknown time zone "+quote(s.Timezone))
		}
	}
	for i, c := range s.Clusters {
		if !KnownCluster(c) {
			v.Add(indexPath("clusters", i), "unknown cluster "+quote(c))
		}
	}
	if s.Kind != "" && !s.Kind.Valid() {
		v.Add("kind", "unknown kind "+quote(string(s.Kind)))
	}
	return v.Err()
}

// sourceURLProblem says what is wrong with a source's address, so that a typo is refused when
// the source is saved rather than failing at night as "no such file or directory". Anything
// with a scheme must be http(s) or file with a host and no spaces; anything else is a local path.
func sourceURLProblem(u string) string {
	scheme, rest, ok := strings.Cut(u, "://")
	if !ok {
		return ""
	}
	switch strings.ToLower(scheme) {
	case "http", "https":
	case "file":
		return ""
	default:
		return "unknown scheme " + quote(scheme) + ": use http://, https:// or a local path"
	}
	host, _, _ := strings.Cut(rest, "/")
	switch {
	case host == "":
		return "has no host after " + quote(scheme+"://")
	case strings.ContainsAny(host, " \t\n\"<>\\^`{|}"):
		return "host " + quote(host) + " holds a space or a character not allowed in a host name"
	case strings.ContainsAny(u, " \t\n"):
		return "holds a space: write it %20"
	}
	return ""
}

// SourceRun is what one run did with one source.
type SourceRun struct {
	Source      string    `json:"source"`
	Started     time.Time `json:"started"`
	Finished    time.Time `json:"finished"`
	Fetched     int       `json:"fetched"`
	New         int       `json:"new"`
	Updated     int       `json:"updated"`
	Unchanged   int       `json:"unchanged"`
	Failed      int       `json:"failed"`
	NotModified bool      `json:"not_modified,omitempty"`
	Errors      []string  `json:"errors,omitempty"`
	// Notes say what was read otherwise than as written (a Latin-1 feed without a
	// declaration): worth knowing, not a failure.
	Notes []string `json:"notes,omitempty"`
}

// RunStatus says how a run ended.
type RunStatus string

const (
	RunRunning RunStatus = "running"
	RunOK      RunStatus = "ok"
	RunPartial RunStatus = "partial" // some sources failed, the rest went on
	RunFailed  RunStatus = "failed"
	// RunInterrupted: the process was stopped (signal, shutdown, crash) before the run ended;
	// the work it left is pending in the store and the next run finishes it.
	RunInterrupted RunStatus = "interrupted"
)

// Run is one pass of the pipeline: ingest → index → match → notify.
type Run struct {
	ID       string      `json:"id"`
	Trigger  string      `json:"trigger"` // schedule, api, cli, demo
	Started  time.Time   `json:"started"`
	Finished *time.Time  `json:"finished"`
	Status   RunStatus   `json:"status"`
	Sources  []SourceRun `json:"sources"`
	Indexed  int         `json:"indexed"`
	Matched  int         `json:"matched"` // opportunities streamed through the matcher
	Matches  int         `json:"matches"` // matches written
	// Digests sent: members told, deliveries that worked and that failed (see deliveries).
	Digests          int `json:"digests"`
	Deliveries       int `json:"deliveries"`
	DeliveryFailures int `json:"delivery_failures"`
	// FailedRecords counts the records sources gave that could not be read (all sources).
	FailedRecords int    `json:"failed_records"`
	Error         string `json:"error,omitempty"`
	// Stage is the step the run is at (or, once ended, the last it reached); SourcesPlanned
	// is how many sources it reads: together with Sources they say how far a run has gone.
	Stage          RunStage `json:"stage,omitempty"`
	SourcesPlanned int      `json:"sources_planned"`
	// Channels say, per channel, what the run's deliveries did (run_channels.go).
	Channels []ChannelRun `json:"channels"`
}

// Role is what an API key may reach.
type Role string

const (
	RoleStaff  Role = "staff"
	RoleMember Role = "member"
)

// APIKey is a stored key. Only its hash is kept; the secret is shown once at creation.
type APIKey struct {
	ID      string    `json:"id"`
	Role    Role      `json:"role"`
	Member  string    `json:"member,omitempty"`
	Created time.Time `json:"created"`
	Hash    string    `json:"-"`
}

// NormalizeCPV turns a CPV code as sources write it ("72212730-5", "72212730", "722127305")
// into its 8 digits, or "" when it is not a CPV code.
func NormalizeCPV(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '-'); i >= 0 {
		s = s[:i]
	}
	s = strings.ReplaceAll(s, " ", "")
	if len(s) == 9 {
		s = s[:8] // check digit written without its dash
	}
	if len(s) != 8 || strings.Trim(s, "0123456789") != "" {
		return ""
	}
	return s
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}
