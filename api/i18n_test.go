package api_test

import (
	"html"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/passerelle/passerelle/notify"
)

// pageTexts gathers what the pages say in French: the templates' texts and attributes people
// read, and the scripts' literals passed to t() or to the helpers that translate their text.
func pageTexts(t *testing.T) []string {
	t.Helper()
	norm := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	letters := regexp.MustCompile(`[A-Za-zÀ-ÿ]`)
	var out []string
	add := func(s string) {
		if s = norm(s); s != "" && letters.MatchString(s) && s != "Passerelle" && s != "· Passerelle" &&
			s != "English" && s != "Français" { // the language switch names each language in itself
			out = append(out, s)
		}
	}
	tmpls, _ := filepath.Glob("templates/*.html")
	action := regexp.MustCompile(`\{\{[^}]*\}\}`)
	attr := regexp.MustCompile(`(?:placeholder|aria-label|title)="([^"]*)"`)
	tag := regexp.MustCompile(`<[^>]*>`)
	for _, f := range tmpls {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		s := action.ReplaceAllString(string(b), "\x00")
		s = regexp.MustCompile(`(?s)<script type="application/json"[^>]*>.*?</script>`).ReplaceAllString(s, "")
		for _, m := range attr.FindAllStringSubmatch(s, -1) {
			add(html.UnescapeString(m[1]))
		}
		for _, part := range strings.Split(tag.ReplaceAllString(s, "\x00"), "\x00") {
			add(html.UnescapeString(part))
		}
	}
	for _, title := range []string{"Connexion", "Mes opportunités", "Console de l'équipe", "Confirmer la connexion", "Mes préférences", "Mes profils", "Personnes de l'équipe", "Détail du run", "Fiche du membre", "Retours des membres", "Opportunité", "Votre avis", "Résumés par e-mail", "Lien invalide"} {
		add(title)
	}
	lit := `"((?:[^"\\]|\\.)*)"`
	calls := []*regexp.Regexp{
		regexp.MustCompile(`\bt\(\s*` + lit),
		regexp.MustCompile(`(?:emptyRow\(\d+,|button\(|armed\()\s*` + lit),
		regexp.MustCompile(`armed\(` + lit + `,\s*` + lit),
		regexp.MustCompile(`armed\([^,]*,\s*[^?]*\?\s*` + lit + `\s*:\s*` + lit),
		regexp.MustCompile(`button\([^,]*\?\s*` + lit + `\s*:\s*` + lit),
		regexp.MustCompile(`plural\([^,]+,\s*` + lit + `,\s*` + lit),
		regexp.MustCompile(`"[a-z]+\.[a-z]+": ` + lit),             // the audit log's action names
		regexp.MustCompile(`\["[a-z_]+\.?[a-z_]*", ` + lit + `\]`), // the rules form's labels
	}
	scripts, _ := filepath.Glob("static/*.js")
	for _, f := range scripts {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, re := range calls {
			for _, m := range re.FindAllStringSubmatch(string(b), -1) {
				for _, g := range m[1:] {
					if g != "secondary" && g != "danger" {
						add(strings.ReplaceAll(g, `\"`, `"`))
					}
				}
			}
		}
	}
	return out
}

// TestPagesCatalogueIsComplete: every French text of the pages has its English in the one
// catalogue (package notify), so that a page in English shows no French left over.
func TestPagesCatalogueIsComplete(t *testing.T) {
	en := notify.PageTexts("en")
	texts := pageTexts(t)
	if len(texts) < 150 {
		t.Fatalf("found only %d texts in the pages: the extraction is broken", len(texts))
	}
	for _, fr := range texts {
		if v, ok := en[fr]; !ok || strings.TrimSpace(v) == "" {
			t.Errorf("no English for %q", fr)
		}
	}
	if notify.PageTexts("fr") != nil {
		t.Error("French, the pages' own language, should need no catalogue")
	}
}
