package notify

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/passerelle/passerelle"
)

// messages are the words of a digest in one language.
type messages struct {
	subjectOne, subjectMany string // %d count, %s member name
	hello                   string
	introOne, introMany     string // %d count, %s member name
	buyer, deadline, stages string
	score, why, link        string
	noDeadline              string
	today, tomorrow, inDays string // inDays: %d
	past                    string
	more                    string // %d count: the new matches not in the digest
	moreOne                 string
	page                    string // link text of the member page
	footer                  string // %s member name
	prefs                   string
	months                  [12]string
	dateAt                  string // layout between date and hour

	subjectReminders          string // %s member name: a digest with reminders only
	introReminders            string // %s member name
	secNew, secClosing        string // section headings
	secChanged, profile       string // profile: %s its name
	view, official            string // links: Passerelle's page, the official notice
	relevant, notRelevant     string // feedback buttons
	unsubscribe, why2         string // why2: the footer's line on the buttons
	changeDeadline, changeCxl string // what kind of change
	changeOther               string
	fields                    map[string]string // revision field → its name
	statuses                  map[string]string // status → its name
	textChanged               string            // a long text changed: not quoted
}

var texts = map[string]messages{
	"fr": {
		subjectOne:  "Passerelle — %d nouvelle opportunité pour %s",
		subjectMany: "Passerelle — %d nouvelles opportunités pour %s",
		hello:       "Bonjour,",
		introOne:    "Voici %d nouvelle opportunité pour %s.",
		introMany:   "Voici %d nouvelles opportunités pour %s, de la plus pertinente à la moins pertinente.",
		buyer:       "Acheteur",
		deadline:    "Date limite",
		stages:      "Étapes",
		score:       "Score",
		why:         "Pourquoi",
		link:        "Lien",
		noDeadline:  "non communiquée",
		today:       "aujourd'hui",
		tomorrow:    "demain",
		inDays:      "dans %d jours",
		past:        "dépassée",
		moreOne:     "Une autre nouvelle opportunité vous attend sur votre page.",
		more:        "%d autres nouvelles opportunités vous attendent sur votre page.",
		page:        "Votre page",
		footer:      "Vous recevez ce message parce que %s est membre premium de l'association.",
		prefs:       "Vos préférences",
		months: [12]string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet",
			"août", "septembre", "octobre", "novembre", "décembre"},
		dateAt: " à ",

		subjectReminders: "Passerelle — vos opportunités suivies, pour %s",
		introReminders:   "Des nouvelles des opportunités que %s suit.",
		secNew:           "Nouvelles opportunités",
		secClosing:       "Clôture proche",
		secChanged:       "Modifications",
		profile:          "Profil « %s »",
		view:             "Voir l'opportunité",
		official:         "Avis officiel",
		relevant:         "Pertinent",
		notRelevant:      "Pas pertinent",
		unsubscribe:      "Se désabonner",
		why2:             "Vos avis « Pertinent » / « Pas pertinent » affinent les prochaines sélections.",
		changeDeadline:   "Date limite déplacée",
		changeCxl:        "Annulée",
		changeOther:      "Rectificatif",
		fields: map[string]string{"deadline": "Date limite", "status": "Statut", "value": "Montant",
			"stages": "Étapes", "title": "Titre", "description": "Description"},
		statuses: map[string]string{"open": "ouvert", "closing": "clôture proche", "closed": "clôturé",
			"cancelled": "annulé", "unknown": "inconnu"},
		textChanged: "texte modifié",
	},
	"en": {
		subjectOne:  "Passerelle — %d new opportunity for %s",
		subjectMany: "Passerelle — %d new opportunities for %s",
		hello:       "Hello,",
		introOne:    "Here is %d new opportunity for %s.",
		introMany:   "Here are %d new opportunities for %s, most relevant first.",
		buyer:       "Buyer",
		deadline:    "Deadline",
		stages:      "Stages",
		score:       "Score",
		why:         "Why",
		link:        "Link",
		noDeadline:  "not given",
		today:       "today",
		tomorrow:    "tomorrow",
		inDays:      "in %d days",
		past:        "passed",
		moreOne:     "One more new opportunity waits on your page.",
		more:        "%d more new opportunities wait on your page.",
		page:        "Your page",
		footer:      "You receive this message because %s is a premium member of the association.",
		prefs:       "Your preferences",
		months: [12]string{"January", "February", "March", "April", "May", "June", "July",
			"August", "September", "October", "November", "December"},
		dateAt: ", ",

		subjectReminders: "Passerelle — the opportunities %s follows",
		introReminders:   "News of the opportunities %s follows.",
		secNew:           "New opportunities",
		secClosing:       "Closing soon",
		secChanged:       "Changes",
		profile:          "Profile “%s”",
		view:             "See the opportunity",
		official:         "Official notice",
		relevant:         "Relevant",
		notRelevant:      "Not relevant",
		unsubscribe:      "Unsubscribe",
		why2:             "Your “Relevant” / “Not relevant” verdicts sharpen the next selections.",
		changeDeadline:   "Deadline moved",
		changeCxl:        "Cancelled",
		changeOther:      "Corrigendum",
		fields: map[string]string{"deadline": "Deadline", "status": "Status", "value": "Value",
			"stages": "Stages", "title": "Title", "description": "Description"},
		statuses: map[string]string{"open": "open", "closing": "closing soon", "closed": "closed",
			"cancelled": "cancelled", "unknown": "unknown"},
		textChanged: "text changed",
	},
}

func msgs(lang string) messages {
	if t, ok := texts[lang]; ok {
		return t
	}
	return texts["fr"]
}

// Subject is the e-mail subject of the digest, in the member's language.
func (d Digest) Subject() string {
	t := msgs(Lang(d.Member))
	name := oneLine(d.Member.Name) // no line break into a header
	switch len(d.Items) {
	case 0:
		return fmt.Sprintf(t.subjectReminders, name)
	case 1:
		return fmt.Sprintf(t.subjectOne, 1, name)
	}
	return fmt.Sprintf(t.subjectMany, len(d.Items), name)
}

// itemView is one item as shown to a reader, in the digest's language.
type itemView struct {
	N           int
	Title       string
	Link        string // Passerelle's page of the opportunity (signed for the member)
	Official    string // the notice at its source, when it has an http(s) address
	Buyer       string
	Deadline    string
	Stages      []string
	Score       string
	Reasons     []string
	Relevant    string // one-click feedback links (a confirmation page), empty without a secret
	NotRelevant string
	Changes     []string // "Date limite : 13 mars 2026 → 20 mars 2026", for a changed item
	ChangeKind  string   // "Date limite déplacée", "Annulée", "Rectificatif"
}

// groupView is the new items of one profile (one group, unnamed, for a single profile).
type groupView struct {
	Name  string
	Items []itemView
}

type digestView struct {
	Lang        string
	Subject     string
	Association string
	Hello       string
	Intro       string
	Groups      []groupView
	Closing     []itemView
	Changed     []itemView
	More        string // "12 more wait on your page", empty when none
	Page        string // the member page's address, empty without a base URL
	PageL       string
	Footer      string
	Why2        string
	Prefs       string
	PrefsURL    string
	Unsub       string
	UnsubURL    string
	BaseURL     string
	L           labels
}

// labels are the field names of an item, colon included (French puts a space before it),
// and the words of links and headings.
type labels struct {
	Buyer, Deadline, Stages, Score, Why, Link, Prefs, View, Official, Unsub string
	Relevant, NotRelevant, SecNew, SecClosing, SecChanged                   string
}

// DefaultAssociation heads a digest whose sender did not name the association.
const DefaultAssociation = "Passerelle"

func (d Digest) view() digestView {
	lang := Lang(d.Member)
	t := msgs(lang)
	v := digestView{
		Lang:        lang,
		Subject:     d.Subject(),
		Association: oneLine(d.Association),
		Hello:       t.hello,
		Footer:      fmt.Sprintf(t.footer, d.Member.Name),
		Why2:        t.why2,
		Prefs:       t.prefs,
		Unsub:       t.unsubscribe,
		BaseURL:     strings.TrimRight(d.BaseURL, "/"),
		L:           labelsOf(lang, t),
		PageL:       t.page,
	}
	if v.Association == "" {
		v.Association = DefaultAssociation
	}
	switch len(d.Items) {
	case 0:
		v.Intro = fmt.Sprintf(t.introReminders, d.Member.Name)
	case 1:
		v.Intro = fmt.Sprintf(t.introOne, 1, d.Member.Name)
	default:
		v.Intro = fmt.Sprintf(t.introMany, len(d.Items), d.Member.Name)
	}
	switch {
	case d.More == 1:
		v.More = t.moreOne
	case d.More > 1:
		v.More = fmt.Sprintf(t.more, d.More)
	}
	if v.BaseURL != "" {
		v.Page = v.BaseURL + "/app/member"
		v.PrefsURL = v.BaseURL + "/app/preferences"
		v.UnsubURL = d.UnsubscribeURL()
	}
	// New items, grouped by the member's profile (business line) they came from when
	// they came from several (Digest.Groups), numbered through.
	gs := d.Groups()
	if len(gs) < 2 {
		gs = []ProfileGroup{{Items: d.Items}}
	}
	n := 0
	for _, g := range gs {
		var gv groupView
		if len(gs) > 1 {
			name := g.Profile.Name
			if name == "" {
				name = g.Profile.ID
			}
			gv.Name = fmt.Sprintf(t.profile, oneLine(name))
		}
		for _, it := range g.Items {
			n++
			gv.Items = append(gv.Items, d.itemOf(n, it, lang))
		}
		v.Groups = append(v.Groups, gv)
	}
	for i, it := range d.Closing {
		v.Closing = append(v.Closing, d.itemOf(i+1, it, lang))
	}
	for i, c := range d.Changed {
		iv := d.itemOf(i+1, c.Item, lang)
		iv.ChangeKind, iv.Changes = changesOf(c.Revisions, d.Generated, lang)
		v.Changed = append(v.Changed, iv)
	}
	return v
}

func labelsOf(lang string, t messages) labels {
	colon := " :"
	if lang == "en" {
		colon = ":"
	}
	return labels{Buyer: t.buyer + colon, Deadline: t.deadline + colon, Stages: t.stages + colon,
		Score: t.score + colon, Why: t.why + colon, Link: t.link + colon, Prefs: t.prefs + colon,
		View: t.view, Official: t.official, Unsub: t.unsubscribe,
		Relevant: t.relevant, NotRelevant: t.notRelevant,
		SecNew: t.secNew, SecClosing: t.secClosing, SecChanged: t.secChanged}
}

func (d Digest) itemOf(n int, it Item, lang string) itemView {
	t := msgs(lang)
	o := it.Opportunity
	now := d.Generated
	iv := itemView{
		N:        n,
		Title:    oneLine(Title(o, lang)),
		Link:     d.PageLink(it),
		Official: OfficialLink(o),
		Buyer:    oneLine(o.Buyer),
		Deadline: when(deadlineOf(&o), now, lang),
		Score:    strconv.Itoa(int(it.Match.Score+0.5)) + "/100",
	}
	if iv.Official == iv.Link {
		iv.Official = ""
	}
	if o.DeadlineUntrusted {
		iv.Deadline = t.noDeadline
	}
	for _, s := range o.Stages {
		if s.Deadline == nil {
			continue
		}
		iv.Stages = append(iv.Stages, oneLine(s.Name)+" — "+when(s.Deadline, now, lang))
	}
	for _, c := range Reasons(it.Match, 3) {
		iv.Reasons = append(iv.Reasons, reason(c, lang, now))
	}
	iv.Relevant, iv.NotRelevant = d.FeedbackLinks(it)
	return iv
}

// changesOf says what revisions changed, field by field, old → new, and what kind of change
// they make together: cancelled, a moved deadline, else a corrigendum.
func changesOf(revs []passerelle.Revision, now time.Time, lang string) (string, []string) {
	t := msgs(lang)
	colon := " : "
	if lang == "en" {
		colon = ": "
	}
	kind := t.changeOther
	var lines []string
	for _, r := range revs {
		for _, c := range r.Changes {
			name := t.fields[c.Field]
			if name == "" {
				name = c.Field
			}
			old, new := c.Old, c.New
			switch c.Field {
			case "deadline":
				old, new = dateText(old, now, lang), dateText(new, now, lang)
				if kind == t.changeOther {
					kind = t.changeDeadline
				}
			case "status":
				if c.New == string(passerelle.StatusCancelled) {
					kind = t.changeCxl
				}
				old, new = statusText(t, old), statusText(t, new)
			case "description", "stages":
				lines = append(lines, name+colon+t.textChanged)
				continue
			}
			if old == "" {
				old = "—"
			}
			if new == "" {
				new = "—"
			}
			lines = append(lines, name+colon+oneLine(old)+" → "+oneLine(new))
		}
	}
	return kind, lines
}

// dateText renders an RFC 3339 time of a revision as the digest writes dates.
func dateText(s string, now time.Time, lang string) string {
	if s == "" {
		return ""
	}
	tm, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return s
	}
	return formatDate(tm, now.Location(), lang)
}

func statusText(t messages, s string) string {
	if v, ok := t.statuses[s]; ok {
		return v
	}
	return s
}

// reason renders a contribution as "Votre compétence « x » figure dans le titre (+14)":
// its reason said plainly in the reader's language, or the engine's evidence for a match
// stored before reasons existed.
func reason(c passerelle.Contribution, lang string, now time.Time) string {
	e := oneLine(c.Evidence)
	if c.Reason != nil {
		e = oneLine(Say(*c.Reason, lang, now))
	}
	if e == "" {
		e = c.Signal
	}
	return e + " (+" + points(c.Points) + ")"
}

func points(p float64) string {
	return strconv.FormatFloat(float64(int(p*10+0.5))/10, 'f', -1, 64)
}

// when renders a deadline as "12 mars 2026 à 17:00 (dans 5 jours)" in now's zone.
func when(t *time.Time, now time.Time, lang string) string {
	m := msgs(lang)
	if t == nil {
		return m.noDeadline
	}
	return formatDate(*t, now.Location(), lang) + " (" + relative(now, *t, lang) + ")"
}

func formatDate(t time.Time, loc *time.Location, lang string) string {
	m := msgs(lang)
	t = t.In(loc)
	s := strconv.Itoa(t.Day()) + " " + m.months[t.Month()-1] + " " + strconv.Itoa(t.Year())
	if t.Hour() != 0 || t.Minute() != 0 {
		s += m.dateAt + t.Format("15:04")
	}
	return s
}

func relative(now, t time.Time, lang string) string {
	m := msgs(lang)
	if !t.After(now) {
		return m.past
	}
	switch n := DaysLeft(now, t); n {
	case 0:
		return m.today
	case 1:
		return m.tomorrow
	default:
		return fmt.Sprintf(m.inDays, n)
	}
}

// oneLine folds runs of white space (newlines included) into single spaces: titles and
// evidence come from outside and must not break the layout of a text e-mail.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// TextBody is the plain-text part of the digest e-mail.
func (d Digest) TextBody() string {
	v := d.view()
	colon := " :"
	if v.Lang == "en" {
		colon = ":"
	}
	var b strings.Builder
	b.WriteString(v.Association + "\n\n" + v.Hello + "\n\n" + v.Intro + "\n")
	heading := func(s string) { fmt.Fprintf(&b, "\n\n== %s ==\n", s) }
	writeItem := func(it itemView, full bool) {
		fmt.Fprintf(&b, "\n%d. %s\n", it.N, it.Title)
		if it.ChangeKind != "" {
			fmt.Fprintf(&b, "   %s\n", it.ChangeKind)
			for _, c := range it.Changes {
				fmt.Fprintf(&b, "   - %s\n", c)
			}
		}
		if it.Buyer != "" && full {
			fmt.Fprintf(&b, "   %s %s\n", v.L.Buyer, it.Buyer)
		}
		fmt.Fprintf(&b, "   %s %s\n", v.L.Deadline, it.Deadline)
		if len(it.Stages) > 0 && full {
			fmt.Fprintf(&b, "   %s\n", v.L.Stages)
			for _, s := range it.Stages {
				fmt.Fprintf(&b, "   - %s\n", s)
			}
		}
		if full {
			fmt.Fprintf(&b, "   %s %s\n", v.L.Score, it.Score)
			if len(it.Reasons) > 0 {
				fmt.Fprintf(&b, "   %s\n", v.L.Why)
				for _, r := range it.Reasons {
					fmt.Fprintf(&b, "   - %s\n", r)
				}
			}
		}
		if it.Link != "" {
			fmt.Fprintf(&b, "   %s %s\n", v.L.Link, it.Link)
		}
		if it.Official != "" {
			fmt.Fprintf(&b, "   %s%s %s\n", v.L.Official, colon, it.Official)
		}
		if full && it.Relevant != "" {
			fmt.Fprintf(&b, "   %s%s %s\n   %s%s %s\n", v.L.Relevant, colon, it.Relevant, v.L.NotRelevant, colon, it.NotRelevant)
		}
	}
	if len(v.Groups) > 0 {
		heading(v.L.SecNew)
		for _, g := range v.Groups {
			if g.Name != "" {
				fmt.Fprintf(&b, "\n-- %s --\n", g.Name)
			}
			for _, it := range g.Items {
				writeItem(it, true)
			}
		}
		if v.More != "" {
			b.WriteString("\n" + v.More)
			if v.Page != "" {
				b.WriteString(" " + v.Page)
			}
			b.WriteString("\n")
		}
	}
	if len(v.Closing) > 0 {
		heading(v.L.SecClosing)
		for _, it := range v.Closing {
			writeItem(it, false)
		}
	}
	if len(v.Changed) > 0 {
		heading(v.L.SecChanged)
		for _, it := range v.Changed {
			writeItem(it, false)
		}
	}
	b.WriteString("\n-- \nPasserelle\n" + v.Footer + "\n")
	if v.PrefsURL != "" {
		b.WriteString(v.L.Prefs + " " + v.PrefsURL + "\n")
	}
	if v.UnsubURL != "" {
		fmt.Fprintf(&b, "%s%s %s\n", v.Unsub, colon, v.UnsubURL)
	}
	return b.String()
}

// HTMLBody is the HTML part of the digest e-mail.
func (d Digest) HTMLBody() string {
	var b bytes.Buffer
	if err := htmlDigest.Execute(&b, d.view()); err != nil {
		// The template is fixed and its data plain strings: a failure is a bug here.
		panic("notify: html digest template: " + err.Error())
	}
	return b.String()
}
