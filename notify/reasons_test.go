package notify

import (
	"strings"
	"testing"

	"github.com/passerelle/passerelle"
)

// A match's reasons reach the member in plain words of its language, in the e-mail and
// the feeds alike; the engine's evidence stays for staff.
func TestDigestSaysReasonsInTheMembersLanguage(t *testing.T) {
	now := clock(t)
	deadline := now.AddDate(0, 0, 30)
	item := fixtureItems(t, "codeloop")[0]
	item.Opportunity.Deadline, item.Opportunity.Stages = &deadline, nil
	item.Match.Explanation.Contributions = []passerelle.Contribution{
		{Signal: "text", Evidence: "skill 'cybersécurité' = title 'cybersécurité'", Points: 30,
			Reason: &passerelle.Reason{Key: passerelle.ReasonSkillPhrase, Args: map[string]string{"skill": "cybersécurité", "field": "title"}}},
		{Signal: "deadline", Evidence: "deadline in 29 days", Points: 5,
			Reason: &passerelle.Reason{Key: passerelle.ReasonDeadline, Args: map[string]string{"date": deadline.UTC().Format("2006-01-02T15:04:05Z07:00")}}},
	}
	for _, tc := range []struct {
		m          passerelle.Member
		want, gone []string
	}{
		{codeloop(), []string{"Votre compétence « cybersécurité » figure dans le titre (+30)", "(dans 30 jours) (+5)"},
			[]string{"skill 'cybersécurité'", "deadline in 29 days"}},
		{dataforge(), []string{"Your skill “cybersécurité” appears in the title (+30)", "(in 30 days) (+5)"},
			[]string{"skill 'cybersécurité'", "deadline in"}},
	} {
		item.Match.Member = tc.m.ID
		d := Digest{Member: tc.m, Items: []Item{item}, Generated: now}
		var feed strings.Builder
		if err := WriteAtom(&feed, tc.m, d.Items, "https://passerelle.example/feeds/x.atom", now); err != nil {
			t.Fatal(err)
		}
		for name, body := range map[string]string{"text": d.TextBody(), "html": d.HTMLBody(), "atom": feed.String()} {
			for _, w := range tc.want {
				if name != "text" {
					w = strings.NewReplacer("«", "", "»", "", "“", "", "”", "").Replace(w)
					body = strings.NewReplacer("«", "", "»", "", "“", "", "”", "", "&#34;", "", "&#39;", "'", "&#43;", "+").Replace(body)
				}
				if !strings.Contains(body, w) {
					t.Errorf("%s %s lacks %q:\n%s", tc.m.ID, name, w, body)
				}
			}
			for _, g := range tc.gone {
				if strings.Contains(body, g) {
					t.Errorf("%s %s still says the engine's %q", tc.m.ID, name, g)
				}
			}
		}
	}
}
