package api_test

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/passerelle/passerelle"
	"github.com/passerelle/passerelle/api"
	"github.com/passerelle/passerelle/notify"
	"github.com/passerelle/passerelle/pipeline"
	"github.com/passerelle/passerelle/source"
)

// shotsDir is where the console's screenshots go when PASSERELLE_SHOTS names a directory.
func shot(tb *tab, name string) {
	dir := os.Getenv("PASSERELLE_SHOTS")
	if dir == "" {
		return
	}
	tb.t.Helper()
	png, err := chromedp.Run(tb.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		tb.t.Errorf("screenshot %s: %v", name, err)
		return
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		tb.t.Fatal(err)
	}
}

func (tb *tab) eval(js string) bool {
	tb.t.Helper()
	v, err := chromedp.Run(tb.ctx, chromedp.Evaluate[bool](js))
	if err != nil {
		tb.t.Fatalf("%s: %v", js, err)
	}
	return v
}

// newSignInInstall is a new install as `passerelle staff add` leaves it: an empty store and
// index holding one staff user and no key at all, served on its base URL with sign-in links
// mailed through mailpit. The test reads the store directly: a key of its own would show in
// the console's key list.
func newSignInInstall(t *testing.T, mp *mailpit) (*env, *api.Server) {
	t.Helper()
	db, ix := openStoreAndIndex(t)
	if _, err := db.AddStaffUser(t.Context(), "Claire Dubois", "claire@cluster.example", now); err != nil {
		t.Fatal(err)
	}
	pl := &pipeline.Pipeline{Store: db, Index: ix, Fetcher: &source.Fetcher{}, Now: func() time.Time { return now }}
	srv := httptest.NewUnstartedServer(nil)
	base := "http://" + srv.Listener.Addr().String()
	s := api.New(api.Config{Store: db, Index: ix, Runner: pl, Now: func() time.Time { return now }, MaxBody: 1 << 16, BaseURL: base,
		SignInMailer: &notify.Mailer{URL: "smtp://" + mp.smtp, From: "Passerelle <veille@passerelle.example>", Timeout: 20 * time.Second}})
	srv.Config.Handler = s
	srv.Start()
	t.Cleanup(srv.Close)
	return &env{t: t, srv: srv, db: db, ix: ix, pl: pl}, s
}

// TestBrowserConsoleFromEmptyInstall is the staff console as a new staff member meets it: from
// an empty data directory, sign in by the link mailed to her (no key is ever pasted), read
// what to do first, add a source from a local feed (a mistyped address refused at once), test
// it, save it, run it, read its history, disable it, add a member and edit its skills with a
// preview, create and revoke a key, change a rule weight with a preview, save, roll back, and
// read the audit log of all of it, which names her; with no error in the browser console.
func TestBrowserConsoleFromEmptyInstall(t *testing.T) {
	browser := newBrowser(t)
	mp := startMailpitAPI(t)
	e, s := newSignInInstall(t, mp)
	feeds := feedServer(t)
	ctx := t.Context()

	tb := openTab(t, browser)
	signInByMail(tb, s, mp, e.srv.URL, "claire@cluster.example")
	tb.waitText("#whoami", "Claire Dubois")
	// Empty states: each list says what to do first; nothing says "null".
	tb.do(chromedp.WaitVisible(chromedp.CSS("#sources-empty")))
	tb.waitText("#sources-empty", "Ajouter une source")
	tb.waitText("#runs tbody", "Lancer maintenant")
	tb.waitText("#members tbody", "Aucun membre")
	tb.waitText("#audit tbody", "Aucune modification")
	tb.waitText("#keys tbody", "Aucune clé")
	tb.waitText("#feedback tbody", "Aucun retour")
	if tb.eval(`document.body.innerText.includes("null") || !document.getElementById("flash").hidden`) {
		t.Error("the empty console shows null or an error")
	}
	shot(tb, "01-console-empty")

	// A mistyped address is refused at save, beside the field, and nothing is stored.
	tb.do(chromedp.Click(chromedp.CSS("#source-new")), chromedp.WaitVisible(chromedp.CSS("#source-form")),
		chromedp.SendKeys(chromedp.CSS("#sf-id"), "pole"),
		chromedp.SendKeys(chromedp.CSS("#sf-name"), "Pôle numérique"),
		chromedp.SendKeys(chromedp.CSS("#sf-url"), "htp://exa mple.com/feed"),
		chromedp.Click(chromedp.CSS("#source-save")))
	tb.waitText(`.field-error[data-for="url"]`, `unknown scheme "htp"`)
	if !tb.eval(`document.getElementById("sf-url").getAttribute("aria-invalid") === "true"`) {
		t.Error("the bad url field is not marked invalid")
	}
	shot(tb, "02-source-url-refused")
	if srcs, err := e.db.Sources(ctx); err != nil || len(srcs) != 0 {
		t.Fatalf("a refused source was stored: %+v, %v", srcs, err)
	}

	// Test before saving: the first records as they would be stored.
	tb.do(chromedp.SetValue(chromedp.CSS("#sf-url"), feeds.URL+"/feed.rss"),
		chromedp.SetValue(chromedp.CSS("#sf-language"), "fr"),
		chromedp.Click(chromedp.CSS("#source-test")),
		chromedp.WaitVisible(chromedp.CSS("#source-test-result")))
	tb.waitText("#source-test-summary", "enregistrements lus")
	sample := tb.waitText("#source-sample tbody", "Cybersécurité des PME")
	if !strings.Contains(sample, "72212730") || !strings.Contains(sample, "fr") {
		t.Errorf("sample lacks the codes or the language: %q", sample)
	}
	if tb.eval(`document.querySelector('.field-error[data-for="url"]').textContent !== ""`) {
		t.Error("the url error stays after a good test")
	}
	shot(tb, "03-source-test")
	if n, err := e.db.CountOpportunities(ctx); err != nil || n != 0 {
		t.Errorf("testing a source stored %d opportunities (%v)", n, err)
	}

	tb.do(chromedp.Click(chromedp.CSS("#source-save")), chromedp.WaitNotVisible(chromedp.CSS("#source-form")))
	tb.waitText(`#sources tr[data-source="pole"]`, "Pôle numérique")
	tb.waitText(`#sources tr[data-source="pole"]`, "jamais")

	// Run it now, then read its history.
	tb.do(chromedp.Click(chromedp.CSS(`#sources tr[data-source="pole"] button:nth-child(3)`)))
	tb.waitText("#run-status", "Run terminé")
	tb.waitText("#runs tbody", "pole : 1 lus")
	tb.do(chromedp.Click(chromedp.CSS(`#sources tr[data-source="pole"] button:nth-child(4)`)),
		chromedp.WaitVisible(chromedp.CSS("#source-history")))
	tb.waitText("#source-history tbody", "ok")
	runs, err := e.db.Runs(ctx, 10)
	if err != nil || len(runs) != 1 || len(runs[0].Sources) != 1 || runs[0].Sources[0].Source != "pole" || runs[0].Sources[0].New == 0 {
		t.Fatalf("runs: %+v, %v", runs, err)
	}
	pole := runs[0].Sources[0]
	tb.waitText("#source-history tbody", fmt.Sprintf("\t%d\t%d\t", pole.Fetched, pole.New))
	shot(tb, "04-source-run-history")

	// Disable it: the table says so, and so does the store.
	tb.do(chromedp.Click(chromedp.CSS(`#sources tr[data-source="pole"] button:nth-child(2)`)))
	tb.waitText("#run-status", "Source désactivée")
	tb.waitText(`#sources tr[data-source="pole"]`, "non")
	src, err := e.db.Source(ctx, "pole")
	if err != nil || src.Enabled || src.Language != "fr" {
		t.Errorf("after disabling: %+v, %v", src, err)
	}

	// An open call besides the feed's (closed by the test's today), for the member to match.
	deadline := now.AddDate(0, 0, 20)
	if _, _, err := e.pl.Save(ctx, []passerelle.Opportunity{{ID: "o1", Source: "s", Kind: passerelle.KindCall,
		Title: "Audit de cybersécurité et tests d'intrusion", Description: "Sécurité informatique des PME.", Language: "fr",
		Country: "BE", CPV: []string{"72212730"}, Deadline: &deadline}}); err != nil {
		t.Fatal(err)
	}
	// A member added in the console: a bad cluster is refused beside its field.
	tb.do(chromedp.Click(chromedp.CSS("#member-new")), chromedp.WaitVisible(chromedp.CSS("#member-form")),
		chromedp.SendKeys(chromedp.CSS("#mf-id"), "cyber"),
		chromedp.SendKeys(chromedp.CSS("#mf-name"), "Cyber SA"),
		chromedp.SendKeys(chromedp.CSS("#mf-skills"), "cybersécurité"),
		chromedp.SendKeys(chromedp.CSS("#mf-clusters"), "securite"),
		chromedp.SendKeys(chromedp.CSS("#mf-contacts"), "Anne Dupont <anne@cyber.example>"),
		chromedp.Click(chromedp.CSS("#member-save")))
	tb.waitText(`#member-form .field-error[data-for="clusters"]`, "unknown cluster")
	tb.do(chromedp.SetValue(chromedp.CSS("#mf-clusters"), "security"), chromedp.Click(chromedp.CSS("#member-save")),
		chromedp.WaitNotVisible(chromedp.CSS("#member-form")))
	tb.waitText(`#members tr[data-member="cyber"]`, "Cyber SA")
	// Edit its skills with a preview of what they find, before saving.
	tb.do(chromedp.Click(chromedp.CSS(`#members tr[data-member="cyber"] button`)), chromedp.WaitVisible(chromedp.CSS("#member-form")))
	tb.waitText("#member-form-h", "cyber")
	tb.do(chromedp.SetValue(chromedp.CSS("#mf-skills"), "cybersécurité\ntests d'intrusion"),
		chromedp.Click(chromedp.CSS("#member-preview")), chromedp.WaitVisible(chromedp.CSS("#member-preview-result")))
	tb.waitText("#member-preview-list", "Audit de cybersécurité et tests d'intrusion")
	if m, err := e.db.Member(ctx, "cyber"); err != nil || len(m.Skills) != 1 {
		t.Fatalf("the preview changed the stored member: %+v, %v", m.Skills, err)
	}
	shot(tb, "05a-member-preview")
	tb.do(chromedp.Click(chromedp.CSS("#member-save")), chromedp.WaitNotVisible(chromedp.CSS("#member-form")))
	tb.waitText("#member-list-status", "Membre enregistré")
	m, err := e.db.Member(ctx, "cyber")
	if err != nil || strings.Join(m.Skills, "|") != "cybersécurité|tests d'intrusion" || len(m.Contacts) != 1 || m.Contacts[0].Email != "anne@cyber.example" || m.Contacts[0].Name != "Anne Dupont" {
		t.Fatalf("stored member: %+v, %v", m, err)
	}
	// A second business line, with its own skills and cluster: a bad cluster is refused
	// beside the field of the profile shown; the first profile keeps its own.
	tb.do(chromedp.Click(chromedp.CSS(`#members tr[data-member="cyber"] button`)), chromedp.WaitVisible(chromedp.CSS("#member-form")))
	tb.waitText("#member-form-h", "cyber")
	tb.do(chromedp.Click(chromedp.CSS("#mf-profile-add")),
		chromedp.SetValue(chromedp.CSS("#mf-profile-name"), "Jeux sérieux"),
		chromedp.SetValue(chromedp.CSS("#mf-skills"), "serious games"),
		chromedp.SetValue(chromedp.CSS("#mf-clusters"), "gaming"),
		chromedp.Click(chromedp.CSS("#member-save")))
	tb.waitText(`#member-form .field-error[data-for="clusters"]`, "unknown cluster")
	tb.do(chromedp.SetValue(chromedp.CSS("#mf-clusters"), "seriousgames"), chromedp.Click(chromedp.CSS("#member-save")),
		chromedp.WaitNotVisible(chromedp.CSS("#member-form")))
	tb.waitText("#member-list-status", "Membre enregistré")
	m, err = e.db.Member(t.Context(), "cyber")
	if err != nil || len(m.Profiles) != 2 || m.Profiles[0].ID != passerelle.MainProfile ||
		strings.Join(m.Profiles[0].Skills, "|") != "cybersécurité|tests d'intrusion" || strings.Join(m.Skills, "|") != "cybersécurité|tests d'intrusion" ||
		m.Profiles[1].ID != "jeux-serieux" || m.Profiles[1].Name != "Jeux sérieux" ||
		strings.Join(m.Profiles[1].Skills, "|") != "serious games" || strings.Join(m.Profiles[1].Clusters, "|") != "seriousgames" {
		t.Fatalf("member with a second profile: %+v, %v", m.Profiles, err)
	}
	// Shown again, then removed: the member keeps its first profile alone.
	tb.do(chromedp.Click(chromedp.CSS(`#members tr[data-member="cyber"] button`)), chromedp.WaitVisible(chromedp.CSS("#member-form")))
	tb.waitText("#mf-profile", "Jeux sérieux")
	tb.eval(`(() => { const s = document.querySelector("#mf-profile"); s.value = "1"; s.dispatchEvent(new Event("change")); return true; })()`)
	if !tb.eval(`document.querySelector("#mf-skills").value === "serious games" && document.querySelector("#mf-profile-name").value === "Jeux sérieux"`) {
		t.Error("the second profile is not shown when chosen")
	}
	shot(tb, "05a2-member-second-profile")
	tb.do(chromedp.Click(chromedp.CSS("#mf-profile-remove")), chromedp.Click(chromedp.CSS("#member-save")),
		chromedp.WaitNotVisible(chromedp.CSS("#member-form")))
	tb.waitText("#member-list-status", "Membre enregistré")
	if m, err = e.db.Member(t.Context(), "cyber"); err != nil || len(m.Profiles) != 1 || m.Profiles[0].ID != passerelle.MainProfile {
		t.Fatalf("after removing the second profile: %+v, %v", m.Profiles, err)
	}

	// Import: a CSV with French column names; the bad record is reported, the good one kept.
	csv := filepath.Join(t.TempDir(), "membres.csv")
	if err := os.WriteFile(csv, []byte("identifiant;nom;offre;compétences;clusters;email\n"+
		"webco;\"Web & Co\";premium;développement web|applications mobiles;web;info@webco.example\n"+
		"bad;Sans offre;gold;x;;\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tb.do(chromedp.SetUploadFiles(chromedp.CSS("#mi-file"), []string{csv}),
		chromedp.Click(chromedp.CSS(`#member-import button[type="submit"]`)))
	tb.waitText("#member-import-summary", "1 / 2 importés")
	report := tb.waitText("#member-import-list", "enregistrement 2 (bad)")
	if !strings.Contains(report, "enregistrement 1 (webco) : importé") || !strings.Contains(report, "tier") {
		t.Errorf("import report: %q", report)
	}
	web, err := e.db.Member(ctx, "webco")
	if err != nil || web.Name != "Web & Co" || strings.Join(web.Skills, "|") != "développement web|applications mobiles" || len(web.Contacts) != 1 {
		t.Errorf("imported member: %+v, %v", web, err)
	}
	tb.waitText(`#members tr[data-member="webco"]`, "Web & Co")
	shot(tb, "05b-member-import")

	// A key for it, shown once, then revoked.
	tb.do(chromedp.Navigate(e.srv.URL + "/app/staff"))
	tb.waitText("#members tbody", "Cyber SA")
	tb.waitText("#kf-member", "Cyber SA")
	tb.do(chromedp.SetValue(chromedp.CSS("#kf-role"), "member"), chromedp.SetValue(chromedp.CSS("#kf-member"), "cyber"),
		chromedp.Click(chromedp.CSS(`#key-form button[type="submit"]`)), chromedp.WaitVisible(chromedp.CSS("#key-created")))
	secret := tb.waitText("#key-secret", "")
	status := tb.waitText("#key-status", "Clé créée")
	keyID := strings.TrimSuffix(strings.TrimPrefix(status, "Clé créée : "), ".")
	var me struct{ Role, Member string }
	e.do("GET", "/app/api/whoami", strings.TrimSpace(secret), "", 200, &me)
	if me.Role != "member" || me.Member != "cyber" {
		t.Errorf("the key shown is %+v, want a member key of cyber", me)
	}
	tb.waitText(`#keys tr[data-key="`+keyID+`"]`, "cyber")
	shot(tb, "05-keys")
	row := `#keys tr[data-key="` + keyID + `"] button`
	tb.do(chromedp.Click(chromedp.CSS(row)))
	tb.waitText(row, "Confirmer")
	tb.do(chromedp.Click(chromedp.CSS(row)))
	tb.waitText("#key-status", "Clé révoquée")
	e.do("GET", "/app/api/whoami", strings.TrimSpace(secret), "", 401, nil)

	// A rule weight: preview, save, roll back.
	rules, err := e.db.CurrentRules(ctx)
	if err != nil {
		t.Fatal(err)
	}
	changed := rules
	changed.Weights.Cluster = rules.Weights.Cluster + 7
	changed.Comment = "plus de poids aux clusters"
	// Typed in the form, as staff would; the form writes it into the JSON.
	tb.do(chromedp.WaitVisible(chromedp.CSS("#rf-weights-cluster")),
		chromedp.SetValue(chromedp.CSS("#rf-weights-cluster"), ""),
		chromedp.SendKeys(chromedp.CSS("#rf-weights-cluster"), fmt.Sprint(changed.Weights.Cluster)),
		chromedp.SendKeys(chromedp.CSS("#rules-comment"), changed.Comment))
	var inJSON passerelle.Rules
	raw, err := chromedp.Run(tb.ctx, chromedp.Value(chromedp.CSS("#rules-json")))
	if err != nil || json.Unmarshal([]byte(raw), &inJSON) != nil || inJSON.Weights.Cluster != changed.Weights.Cluster || inJSON.Comment != changed.Comment {
		t.Fatalf("the form did not write the JSON: %v %+v", err, inJSON.Weights)
	}
	tb.do(chromedp.Click(chromedp.CSS("#rules-preview")), chromedp.WaitVisible(chromedp.CSS("#preview-result")))
	tb.waitText("#preview-summary", "ajoutés")
	tb.do(chromedp.Click(chromedp.CSS("#rules-save")))
	tb.waitText("#rules-status", "enregistrée")
	saved, err := e.db.CurrentRules(ctx)
	if err != nil || saved.Weights.Cluster != changed.Weights.Cluster || saved.Version != rules.Version+1 {
		t.Fatalf("saved rules: version %d cluster weight %v", saved.Version, saved.Weights.Cluster)
	}
	rb := fmt.Sprintf(`#rules-versions button[data-rollback="%d"]`, rules.Version)
	tb.do(chromedp.Click(chromedp.CSS(rb)))
	tb.waitText(rb, "Confirmer")
	tb.do(chromedp.Click(chromedp.CSS(rb)))
	tb.waitText("#rules-status", "retour à la version")
	back, err := e.db.CurrentRules(ctx)
	if err != nil || back.Weights.Cluster != rules.Weights.Cluster || back.Version != rules.Version+2 {
		t.Errorf("after rollback: version %d cluster weight %v, want %d and %v", back.Version, back.Weights.Cluster, rules.Version+2, rules.Weights.Cluster)
	}
	tb.do(chromedp.Navigate(e.srv.URL + "/app/staff#rules-h"))
	tb.waitText("#rules-versions tbody", "en vigueur")
	// The diff of two versions names the weight that changed.
	tb.do(chromedp.WaitVisible(chromedp.CSS("#rules-diff-form")),
		chromedp.SetValue(chromedp.CSS("#rd-a"), fmt.Sprint(rules.Version)), chromedp.SetValue(chromedp.CSS("#rd-b"), fmt.Sprint(rules.Version+1)),
		chromedp.Click(chromedp.CSS(`#rules-diff-form button[type="submit"]`)), chromedp.WaitVisible(chromedp.CSS("#rules-diff")))
	d := tb.waitText("#rules-diff-list", "weights.cluster")
	if !strings.Contains(d, fmt.Sprintf("%v → %v", rules.Weights.Cluster, changed.Weights.Cluster)) || !strings.Contains(d, "comment") {
		t.Errorf("diff of v%d and v%d: %q", rules.Version, rules.Version+1, d)
	}
	shot(tb, "06-rules-versions")

	// The audit log tells all of it, newest first, with the changed fields.
	audit := tb.waitText("#audit tbody", "règles modifiées")
	for _, want := range []string{"source ajoutée", "source modifiée", "enabled", "membre ajouté", "membre modifié", "skills", "clé créée", "clé révoquée", "weights.cluster", "Claire Dubois <claire@cluster.example> (vous)"} {
		if !strings.Contains(audit, want) {
			t.Errorf("audit log in the console lacks %q:\n%s", want, audit)
		}
	}
	if strings.Contains(audit, strings.TrimSpace(secret)) {
		t.Error("the audit log shows a key's secret")
	}
	tb.do(chromedp.Navigate(e.srv.URL + "/app/staff#audit-h"))
	tb.waitText("#audit tbody", "règles modifiées")
	tb.waitText("#audit thead", "Qui (personne ou clé)")
	shot(tb, "07-audit")
	// In the store too, every change is hers: the session, not a key, made them.
	staff, err := e.db.StaffUsers(ctx)
	if err != nil || len(staff) != 1 {
		t.Fatalf("staff users: %+v, %v", staff, err)
	}
	log, err := e.db.Audit(ctx, 100, "")
	if err != nil || len(log.Entries) == 0 {
		t.Fatalf("audit: %+v, %v", log, err)
	}
	for _, a := range log.Entries {
		if a.Actor != staff[0].ID || a.ActorName != "Claire Dubois <claire@cluster.example>" {
			t.Errorf("audit entry %s %s made by %q (%q), want the signed-in staff user %s", a.Action, a.Target, a.Actor, a.ActorName, staff[0].ID)
		}
	}

	// The same console in English, from the one catalogue; the choice is remembered.
	tb.do(chromedp.Navigate(e.srv.URL + "/app/staff?lang=en"))
	tb.waitText("h1", "Staff console")
	tb.waitText("#audit tbody", "rules changed")
	tb.waitText("#audit thead", "Who (person or key)")
	tb.waitText(`#sources tr[data-source="pole"]`, "Enable")
	tb.waitText("#keys-h", "API keys")
	if !tb.eval(`document.documentElement.lang === "en"`) {
		t.Error("the English page is not marked lang=en")
	}
	shot(tb, "08-console-english")
	tb.do(chromedp.Navigate(e.srv.URL + "/app/staff"))
	tb.waitText("#source-new", "Add a source")
	tb.do(chromedp.Navigate(e.srv.URL + "/app/staff?lang=fr"))
	tb.waitText("#source-new", "Ajouter une source")

	// Delete the source: two clicks; its opportunities stay.
	del := `#sources tr[data-source="pole"] button:nth-child(5)`
	tb.do(chromedp.Click(chromedp.CSS(del)))
	tb.waitText(del, "Confirmer")
	tb.do(chromedp.Click(chromedp.CSS(del)))
	tb.waitText("#run-status", "Source supprimée")
	tb.do(chromedp.WaitVisible(chromedp.CSS("#sources-empty")))
	if n, err := e.db.CountOpportunities(ctx); err != nil || n == 0 {
		t.Error("deleting a source lost its opportunities")
	}
}
