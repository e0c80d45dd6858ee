package notify

import (
	"bytes"
	"fmt"
	"html/template"
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
	f := t.subjectMany
	if len(d.Items) == 1 {
		f = t.subjectOne
	}
	return fmt.Sprintf(f, len(d.Items), oneLine(d.Member.Name)) // no line break into a header
}

// itemView is one item as shown to a reader, in the digest's language.
type itemView struct {
	N        int
	Title    string
	Link     string
	Buyer    string
	Deadline string
	Stages   []string
	Score    string
	Reasons  []string
}

type digestView struct {
	Lang    string
	Subject string
	Hello   string
	Intro   string
	Items   []itemView
	More    string // "12 more wait on your page", empty when none
	Page    string // the member page's address, empty without a base URL
	PageL   string
	Footer  string
	Prefs   string
	BaseURL string
	L       labels
}

// labels are the field names of an item, colon included (French puts a space before it).
type labels struct{ Buyer, Deadline, Stages, Score, Why, Link, Prefs string }

func (d Digest) view() digestView {
	lang := Lang(d.Member)
	t := msgs(lang)
	intro := t.introMany
	if len(d.Items) == 1 {
		intro = t.introOne
	}
	v := digestView{
		Lang:    lang,
		Subject: d.Subject(),
		Hello:   t.hello,
		Intro:   fmt.Sprintf(intro, len(d.Items), d.Member.Name),
		Footer:  fmt.Sprintf(t.footer, d.Member.Name),
		Prefs:   t.prefs,
		BaseURL: strings.TrimRight(d.BaseURL, "/"),
		L:       labelsOf(lang, t),
		PageL:   t.page,
	}
	switch {
	case d.More == 1:
		v.More = t.moreOne
	case d.More > 1:
		v.More = fmt.Sprintf(t.more, d.More)
	}
	if v.BaseURL != "" {
		v.Page = v.BaseURL + "/app/member"
	}
	for i, it := range d.Items {
		v.Items = append(v.Items, itemOf(i+1, it, d.BaseURL, d.Generated, lang))
	}
	return v
}

func labelsOf(lang string, t messages) labels {
	colon := " :"
	if lang == "en" {
		colon = ":"
	}
	return labels{Buyer: t.buyer + colon, Deadline: t.deadline + colon, Stages: t.stages + colon,
		Score: t.score + colon, Why: t.why + colon, Link: t.link + colon, Prefs: t.prefs + colon}
}

func itemOf(n int, it Item, base string, now time.Time, lang string) itemView {
	t := msgs(lang)
	o := it.Opportunity
	iv := itemView{
		N:        n,
		Title:    oneLine(Title(o, lang)),
		Link:     Link(base, it),
		Buyer:    oneLine(o.Buyer),
		Deadline: when(deadlineOf(&o), now, lang),
		Score:    strconv.Itoa(int(it.Match.Score+0.5)) + "/100",
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
	return iv
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
	var b strings.Builder
	b.WriteString(v.Hello + "\n\n" + v.Intro + "\n")
	for _, it := range v.Items {
		fmt.Fprintf(&b, "\n%d. %s\n", it.N, it.Title)
		if it.Buyer != "" {
			fmt.Fprintf(&b, "   %s %s\n", v.L.Buyer, it.Buyer)
		}
		fmt.Fprintf(&b, "   %s %s\n", v.L.Deadline, it.Deadline)
		if len(it.Stages) > 0 {
			fmt.Fprintf(&b, "   %s\n", v.L.Stages)
			for _, s := range it.Stages {
				fmt.Fprintf(&b, "   - %s\n", s)
			}
		}
		fmt.Fprintf(&b, "   %s %s\n", v.L.Score, it.Score)
		if len(it.Reasons) > 0 {
			fmt.Fprintf(&b, "   %s\n", v.L.Why)
			for _, r := range it.Reasons {
				fmt.Fprintf(&b, "   - %s\n", r)
			}
		}
		if it.Link != "" {
			fmt.Fprintf(&b, "   %s %s\n", v.L.Link, it.Link)
		}
	}
	if v.More != "" {
		b.WriteString("\n" + v.More)
		if v.Page != "" {
			b.WriteString(" " + v.Page)
		}
		b.WriteString("\n")
	}
	b.WriteString("\n-- \nPasserelle\n" + v.Footer + "\n")
	if v.BaseURL != "" {
		b.WriteString(v.L.Prefs + " " + v.BaseURL + "\n")
	}
	return b.String()
}

var htmlDigest = template.Must(template.New("digest").Parse(`<!DOCTYPE html>
<html lang="{{.Lang}}">
<head><meta charset="utf-8"><title>{{.Subject}}</title></head>
<body style="font-family: sans-serif; max-width: 40em;">
<p>{{.Hello}}</p>
<p>{{.Intro}}</p>
<ol>
{{- range .Items}}
<li style="margin-bottom: 1em;">
<strong>{{if .Link}}<a href="{{.Link}}">{{.Title}}</a>{{else}}{{.Title}}{{end}}</strong><br>
{{- if .Buyer}}
{{$.L.Buyer}} {{.Buyer}}<br>
{{- end}}
{{$.L.Deadline}} {{.Deadline}}<br>
{{- if .Stages}}
{{$.L.Stages}}<ul>{{range .Stages}}<li>{{.}}</li>{{end}}</ul>
{{- end}}
{{$.L.Score}} {{.Score}}
{{- if .Reasons}}
<br>{{$.L.Why}}<ul>{{range .Reasons}}<li>{{.}}</li>{{end}}</ul>
{{- end}}
</li>
{{- end}}
</ol>
{{- if .More}}
<p>{{.More}}{{if .Page}} <a href="{{.Page}}">{{.PageL}}</a>{{end}}</p>
{{- end}}
<p style="color: #666; font-size: smaller;">{{.Footer}}
{{- if .BaseURL}} <a href="{{.BaseURL}}">{{.Prefs}}</a>{{end}}</p>
</body>
</html>
`))

// HTMLBody is the HTML part of the digest e-mail.
func (d Digest) HTMLBody() string {
	var b bytes.Buffer
	if err := htmlDigest.Execute(&b, d.view()); err != nil {
		// The template is fixed and its data plain strings: a failure is a bug here.
		panic("notify: html digest template: " + err.Error())
	}
	return b.String()
}
