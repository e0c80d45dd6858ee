package source

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/passerelle/passerelle"
)

func parseFile(t *testing.T, p string, src passerelle.Source) ([]passerelle.Opportunity, error) {
	t.Helper()
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return Parse(context.Background(), src.Format, f, p, src)
}

func TestParseFeed(t *testing.T) {
	bru := brussels(t)
	type want struct {
		id, title, url, lang string
		descHas, descNot     string
		cpv                  []string
		deadline             *time.Time
		published            time.Time
	}
	at := func(y int, m time.Month, d, h, mi, s int) *time.Time {
		v := time.Date(y, m, d, h, mi, s, 0, bru)
		return &v
	}
	tests := []struct {
		file, format string
		want         []want
	}{
		{file: "testdata/calls.rss", format: "rss", want: []want{
			{id: "pole:appel-2026-017", title: "Appel à projets « Cybersécurité des PME » 2026", url: "https://pole.example.be/appels/cyber-pme-2026", lang: "fr",
				descHas: "Budget : 2 M€", descNot: "<strong>", cpv: []string{"72212730"}, deadline: at(2026, 3, 15, 12, 0, 0), published: *at(2026, 1, 12, 9, 30, 0)},
			{id: "pole:https://pole.example.be/appels/marche-plateforme-web", title: "Marché public : plateforme web de réservation", lang: "fr",
				cpv: []string{"72413000", "72413000"}, deadline: at(2026, 2, 27, 16, 0, 0)},
			{id: "pole:sg-logistique", title: "Serious games pour la formation en logistique", lang: "fr", descHas: "Conception de jeux", descNot: "<p>", deadline: at(2026, 4, 30, 23, 59, 59)},
			// No guid: the link identifies the item. No deadline anywhere.
			{id: "pole:https://pole.example.be/agenda/webinaire-financement", title: "Webinaire : financer l'innovation numérique", lang: "fr"},
		}},
		{file: "testdata/calls.atom", format: "atom", want: []want{
			{id: "pole:tag:agentschap.example.be,2026:oproep-iot-zorg", title: "Oproep IoT in de zorg", url: "https://agentschap.example.be/oproepen/iot-zorg", lang: "nl",
				descHas: "Uiterste datum voor indiening", cpv: []string{"32441200"}, deadline: at(2026, 3, 31, 17, 0, 0), published: *at(2026, 1, 19, 9, 0, 0)},
			{id: "pole:tag:agentschap.example.be,2026:oproep-dc-energie", title: "Data centers: energie-efficiëntie", lang: "nl", deadline: at(2026, 6, 15, 23, 59, 59),
				published: time.Date(2026, 1, 18, 12, 0, 0, 0, time.UTC)},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			ops, err := parseFile(t, tt.file, passerelle.Source{ID: "pole", Format: tt.format})
			if err != nil {
				t.Fatal(err)
			}
			if len(ops) != len(tt.want) {
				t.Fatalf("got %d items, want %d", len(ops), len(tt.want))
			}
			for i, w := range tt.want {
				o := ops[i]
				if o.ID != w.id {
					t.Errorf("[%d] id = %q, want %q", i, o.ID, w.id)
				}
				if o.Title != w.title {
					t.Errorf("[%d] title = %q, want %q", i, o.Title, w.title)
				}
				if w.url != "" && o.URL != w.url {
					t.Errorf("[%d] url = %q, want %q", i, o.URL, w.url)
				}
				if o.Language != w.lang {
					t.Errorf("[%d] language = %q, want %q", i, o.Language, w.lang)
				}
				if w.descHas != "" && !strings.Contains(o.Description, w.descHas) {
					t.Errorf("[%d] description %q lacks %q", i, o.Description, w.descHas)
				}
				if w.descNot != "" && strings.Contains(o.Description, w.descNot) {
					t.Errorf("[%d] description %q still has %q", i, o.Description, w.descNot)
				}
				if strings.Join(o.CPV, ",") != strings.Join(w.cpv, ",") {
					t.Errorf("[%d] cpv = %v, want %v", i, o.CPV, w.cpv)
				}
				switch {
				case w.deadline == nil && o.Deadline != nil:
					t.Errorf("[%d] deadline = %v, want none", i, o.Deadline)
				case w.deadline != nil && (o.Deadline == nil || !o.Deadline.Equal(*w.deadline)):
					t.Errorf("[%d] deadline = %v, want %v", i, o.Deadline, w.deadline)
				}
				if !w.published.IsZero() && (o.Published == nil || !o.Published.Equal(w.published)) {
					t.Errorf("[%d] published = %v, want %v", i, o.Published, w.published)
				}
			}
		})
	}
}

func TestParseFeedBadDeadlineElement(t *testing.T) {
	feed := `<rss version="2.0"><channel><title>x</title>
<item><title>ok</title><guid>1</guid></item>
<item><title>bad</title><guid>2</guid><deadline>bientôt</deadline></item>
</channel></rss>`
	ops, err := ParseFeed(context.Background(), strings.NewReader(feed), "f.rss", passerelle.Source{ID: "s"})
	if len(ops) != 1 || ops[0].ID != "s:1" {
		t.Fatalf("good items = %v, want s:1 only", ops)
	}
	if err == nil || !strings.Contains(err.Error(), "f.rss: record 2: deadline: cannot parse \"bientôt\"") {
		t.Fatalf("err = %v, want the bad item named", err)
	}
}

func TestParseFeedNotAFeed(t *testing.T) {
	ops, err := ParseFeed(context.Background(), strings.NewReader(`{"not": "a feed"}`), "https://x.example/feed", passerelle.Source{ID: "s"})
	if err == nil || len(ops) != 0 || !strings.Contains(err.Error(), "https://x.example/feed") {
		t.Fatalf("got %v, %v; want an error naming the URL", ops, err)
	}
}
