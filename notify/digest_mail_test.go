package notify

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/passerelle/passerelle"
)

// fullDigest is a digest with its three sections and signed links: codeloop's new matches,
// one it saved that closes in two days, one it was told of whose deadline moved and one
// whose call was cancelled.
func fullDigest(t testing.TB) Digest {
	now := clock(t)
	d, ok := Build(codeloop(), fixtureItems(t, "codeloop"), 2, now, brussels(t))
	if !ok {
		t.Fatal("no digest for codeloop")
	}
	d.ID = "dg_full"
	d.BaseURL = "https://passerelle.example"
	d.Association = "Cluster TIC de Wallonie"
	d.Secret = []byte("0123456789abcdef0123456789abcdef")
	d.More = 1
	soon := now.Add(50 * time.Hour)
	d.Closing = []Item{{
		Match: passerelle.Match{Member: "codeloop", Opportunity: "poles:mecatech-42", Score: 58, State: passerelle.MatchSaved},
		Opportunity: passerelle.Opportunity{ID: "poles:mecatech-42", Title: "Appel MecaTech : jumeaux numériques",
			Buyer: "Pôle MecaTech", Status: passerelle.StatusClosing, Deadline: &soon},
	}}
	moved := now.AddDate(0, 0, 20)
	d.Changed = []Change{
		{
			Item: Item{
				Match: passerelle.Match{Member: "codeloop", Opportunity: "ted:777-2026", Score: 66, State: passerelle.MatchNotified},
				Opportunity: passerelle.Opportunity{ID: "ted:777-2026", Title: "Hébergement sécurisé de données de santé",
					URL: "https://ted.example/notice/777-2026", Status: passerelle.StatusOpen, Deadline: &moved, Revision: 1},
			},
			Revisions: []passerelle.Revision{{N: 1, At: now.Add(-3 * time.Hour), Changes: []passerelle.FieldChange{
				{Field: "deadline", Old: "2026-03-10T12:00:00+01:00", New: moved.Format(time.RFC3339)}}}},
		},
		{
			Item: Item{
				Match: passerelle.Match{Member: "codeloop", Opportunity: "wallonie:2026-009", Score: 61, State: passerelle.MatchSeen},
				Opportunity: passerelle.Opportunity{ID: "wallonie:2026-009", Title: "Portail web des marchés communaux",
					Status: passerelle.StatusCancelled, Revision: 2},
			},
			Revisions: []passerelle.Revision{{N: 2, At: now.Add(-time.Hour), Changes: []passerelle.FieldChange{
				{Field: "status", Old: "open", New: "cancelled"}}}},
		},
	}
	return d
}

func TestDigestSections(t *testing.T) {
	d := fullDigest(t)
	txt := d.TextBody()
	for _, s := range []string{
		"Cluster TIC de Wallonie\n",
		"== Nouvelles opportunités ==", "== Clôture proche ==", "== Modifications ==",
		"Une autre nouvelle opportunité vous attend sur votre page. https://passerelle.example/app/member",
		"Appel MecaTech : jumeaux numériques\n   Date limite : 4 mars 2026 à 09:00 (dans 2 jours)",
		"Date limite déplacée\n   - Date limite : 10 mars 2026 à 12:00 → 22 mars 2026 à 07:00",
		"Annulée\n   - Statut : ouvert → annulé",
		"Avis officiel : https://ted.example/notice/777-2026",
		"Vos préférences : https://passerelle.example/app/preferences",
		"Se désabonner : https://passerelle.example/u/",
		"Pertinent : https://passerelle.example/app/feedback/",
	} {
		if !strings.Contains(txt, s) {
			t.Errorf("text lacks %q:\n%s", s, txt)
		}
	}
	// New matches best first, capped: the third best is not there, the "1 more" is.
	if i, j := strings.Index(txt, "Audit de sécurité informatique"), strings.Index(txt, "Call for projects: secure medical IoT"); i < 0 || j < i {
		t.Errorf("new matches not best first:\n%s", txt)
	}
	if strings.Contains(txt, "Développement d'une plateforme web") {
		t.Error("the digest carries more new matches than its cap")
	}
	// Each link's token checks out for its purpose, member and match.
	rel, notRel := d.FeedbackLinks(d.Items[0])
	tok := strings.TrimPrefix(strings.Split(rel, "?")[0], "https://passerelle.example/app/feedback/")
	c, err := VerifyToken(d.Secret, tok, PurposeMatch)
	if err != nil || c.Member != "codeloop" || c.Opportunity != d.Items[0].Opportunity.ID {
		t.Errorf("feedback token says %+v, %v", c, err)
	}
	if !strings.HasSuffix(rel, "?verdict=relevant") || !strings.HasSuffix(notRel, "?verdict=not_relevant") {
		t.Errorf("feedback links %q, %q", rel, notRel)
	}
	if _, err := VerifyToken(d.Secret, tok, PurposeUnsubscribe); err == nil {
		t.Error("a match token unsubscribes")
	}
	if _, err := VerifyToken([]byte("another secret, another server.."), tok, PurposeMatch); err == nil {
		t.Error("a token checks out under another secret")
	}
	if !strings.Contains(d.PageLink(d.Items[0]), "/app/opportunities/ted:123456-2026?t=") {
		t.Errorf("title link %q", d.PageLink(d.Items[0]))
	}

	// Webhook receivers get the reminders too.
	if p := NewPayload(d, d.ID, clock(t)); len(p.Closing) != 1 || len(p.Changed) != 2 || p.Changed[1].Revisions[0].Changes[0].New != "cancelled" {
		t.Errorf("webhook payload: closing %d, changed %+v", len(p.Closing), p.Changed)
	}

	// A reminders-only digest has its own subject; one of several profiles groups by it.
	r := d
	r.Items = nil
	if got := r.Subject(); got != "Passerelle — vos opportunités suivies, pour Codeloop" {
		t.Errorf("reminders-only subject %q", got)
	}
	g := d
	g.Member.Profiles = []passerelle.Profile{{ID: "secu", Name: "Sécurité", Skills: []string{"audit"}}, {ID: "web", Name: "Web", Skills: []string{"site"}}}
	g.Items = append([]Item(nil), d.Items...)
	g.Items[0].Match.Profile = "secu"
	g.Items[1].Match.Profile = "web"
	if txt := g.TextBody(); !strings.Contains(txt, "-- Profil « Sécurité » --") || !strings.Contains(txt, "-- Profil « Web » --") {
		t.Errorf("two profiles, no groups:\n%s", txt)
	}
	if strings.Contains(d.TextBody(), "Profil «") {
		t.Error("one profile, yet a group heading")
	}
}

// TestMailpitDigest sends the full digest to a real SMTP server and reads it back: headers
// for one-click unsubscribe, both parts, and mailpit's HTML compatibility check.
func TestMailpitDigest(t *testing.T) {
	mp := startMailpit(t)
	mailer := &Mailer{URL: "smtp://veille:secret@" + mp.smtp, From: "Passerelle <veille@passerelle.example>",
		Timeout: 20 * time.Second, TLSConfig: &tls.Config{RootCAs: mp.pool}}
	d := fullDigest(t)
	if err := mailer.Send(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	var list struct{ Messages []mpSummary }
	mp.get(t, "/api/v1/messages", &list)
	if len(list.Messages) != 1 {
		t.Fatalf("%d messages", len(list.Messages))
	}
	id := list.Messages[0].ID
	var h map[string][]string
	mp.get(t, "/api/v1/message/"+id+"/headers", &h)
	if got := h["List-Unsubscribe"]; len(got) != 1 || got[0] != "<"+d.UnsubscribeURL()+">" {
		t.Errorf("List-Unsubscribe %q, want <%s>", got, d.UnsubscribeURL())
	}
	if got := h["List-Unsubscribe-Post"]; len(got) != 1 || got[0] != "List-Unsubscribe=One-Click" {
		t.Errorf("List-Unsubscribe-Post %q", got)
	}
	var m mpMessage
	mp.get(t, "/api/v1/message/"+id, &m)
	for _, s := range []string{"Cluster TIC de Wallonie", "Clôture proche", "Modifications", "Pertinent", "Se désabonner", "22 mars 2026"} {
		if !strings.Contains(m.HTML, s) || !strings.Contains(m.Text, s) {
			t.Errorf("a part lacks %q", s)
		}
	}
	raw := mp.raw(t, "/api/v1/message/"+id+"/html-check")
	var check struct {
		Total struct {
			Nodes       int
			Tests       int
			Unsupported float64
			Partial     float64
		}
		Warnings []struct {
			Title    string
			Category string
			Score    struct {
				Found       int
				Supported   float64
				Partial     float64
				Unsupported float64
			}
		}
	}
	if err := json.Unmarshal(raw, &check); err != nil {
		t.Fatalf("html-check: %v: %s", err, raw)
	}
	if check.Total.Nodes == 0 || check.Total.Tests == 0 {
		t.Fatalf("html-check tested nothing: %s", raw)
	}
	t.Logf("html-check: %d nodes, %d tests, %.1f%% unsupported, %.1f%% partial", check.Total.Nodes, check.Total.Tests, check.Total.Unsupported, check.Total.Partial)
	// mailpit grades each feature by the share of clients that do not support it. Nothing
	// the reader needs may depend on one that many clients lack: beyond 12 % unsupported,
	// only <body> (every HTML message has one; the layout puts nothing on it) is accepted.
	if check.Total.Unsupported > 2 {
		t.Errorf("html-check: %.1f%% of the tests unsupported, want at most 2%%", check.Total.Unsupported)
	}
	for _, w := range check.Warnings {
		t.Logf("html-check warning: %s (%s): found %d, supported %.0f%%, partial %.0f%%, unsupported %.0f%%", w.Title, w.Category, w.Score.Found, w.Score.Supported, w.Score.Partial, w.Score.Unsupported)
		if w.Score.Unsupported > 12 && w.Title != "<body> element" {
			t.Errorf("html-check: %s is unsupported by %.0f%% of mail clients", w.Title, w.Score.Unsupported)
		}
	}
}

func (s *mailpitServer) raw(t *testing.T, path string) []byte {
	t.Helper()
	resp, err := http.Get(s.api + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %s: %s", path, resp.Status, b.String())
	}
	return []byte(b.String())
}
