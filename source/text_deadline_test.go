package source

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/passerelle/passerelle"
)

// textDeadlineFeed is modelled on the RSS feeds of Walloon poles and agencies (invented
// items): the deadline is only in the description, written as people write it.
const textDeadlineFeed = `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Appels</title>
<item><guid>a1</guid><title>Appel à projets Économie circulaire 2026</title>
 <description>&lt;p&gt;Les entreprises wallonnes peuvent déposer leur projet jusqu'au 30 juin 2026 à 12h00 sur le guichet.&lt;/p&gt;</description></item>
<item><guid>a2</guid><title>Oproep digitale innovatie</title>
 <description>Dien uw voorstel uiterlijk op 12 mei 2026 in via het e-loket.</description></item>
<item><guid>a3</guid><title>Ausschreibung Forschung</title>
 <description>Bewerbungen bis zum 30. Juni 2026, 14:00 Uhr.</description></item>
<item><guid>a4</guid><title>Call for pilots — Deadline: 2026-05-12 17:00</title>
 <description>Open to SMEs.</description></item>
</channel></rss>`

// Issue 9, defect 7: deadlines written in text are read in the source's zone, with the
// evidence of where they came from.
func TestFeedTextDeadlines(t *testing.T) {
	lon, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	src := passerelle.Source{ID: "pole", Timezone: "Europe/London"}
	ops, err := ParseFeed(context.Background(), strings.NewReader(textDeadlineFeed), "pole.rss", src)
	if err != nil || len(ops) != 4 {
		t.Fatalf("%d items, %v", len(ops), err)
	}
	want := []struct {
		at       string
		evidence string
	}{
		{"2026-06-30 12:00", "description text: “jusqu'au 30 juin 2026 à 12h00”"},
		{"2026-05-12 23:59", "description text: “uiterlijk op 12 mei 2026”"},
		{"2026-06-30 14:00", "description text: “bis zum 30. Juni 2026, 14:00”"},
		{"2026-05-12 17:00", "title text: “Deadline: 2026-05-12 17:00”"},
	}
	for i, w := range want {
		o := ops[i]
		at, _ := time.ParseInLocation("2006-01-02 15:04", w.at, lon)
		if o.Deadline == nil || !o.Deadline.Truncate(time.Minute).Equal(at) {
			t.Errorf("%s: deadline %v, want %v (London)", o.ExternalID, o.Deadline, at)
		}
		if o.DeadlineEvidence != w.evidence {
			t.Errorf("%s: evidence %q, want %q", o.ExternalID, o.DeadlineEvidence, w.evidence)
		}
	}
}
