package source

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/passerelle/passerelle"
)

// Issue 9, defect 10: a Latin-1 feed without a declaration is decoded, and the run is told.
func TestLoadLatin1Feed(t *testing.T) {
	dir := t.TempDir()
	copyFile(t, "testdata/latin1.rss", filepath.Join(dir, "pole.rss"))
	var f Fetcher
	res, err := f.Load(context.Background(), passerelle.Source{ID: "pole", URL: dir}, Validators{})
	if err != nil || len(res.Errors) != 0 || len(res.Opportunities) != 2 {
		t.Fatalf("%d items, errors %v, %v", len(res.Opportunities), res.Errors, err)
	}
	if o := res.Opportunities[0]; o.Title != "Appel à projets « Économie numérique » 2026" || o.Deadline == nil || o.Language != "fr" {
		t.Errorf("first item: %q deadline %v language %q", o.Title, o.Deadline, o.Language)
	}
	if len(res.Notes) != 1 || !strings.Contains(res.Notes[0], "pole.rss: not UTF-8 and no encoding declared: read as windows-1252") {
		t.Errorf("notes %q", res.Notes)
	}
	// A UTF-8 document is left alone and noted nowhere.
	if out, note := toUTF8([]byte("<rss>déjà</rss>"), "u.rss"); note != "" || string(out) != "<rss>déjà</rss>" {
		t.Errorf("UTF-8 document changed: %q %q", out, note)
	}
	// A declaration that lies (UTF-8) is corrected with the text.
	out, note := toUTF8([]byte("<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss>d\xe9j\xe0</rss>"), "l.rss")
	if note == "" || string(out) != `<?xml version="1.0" encoding="UTF-8"?><rss>déjà</rss>` {
		t.Errorf("lying declaration: %q %q", out, note)
	}
	// A declared ISO-8859-1 is the XML decoder's business.
	latin := "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><rss>d\xe9j\xe0</rss>"
	if out, note := toUTF8([]byte(latin), "d.rss"); note != "" || string(out) != latin {
		t.Errorf("declared Latin-1 changed: %q %q", out, note)
	}
}

// Issue 9, defect 9: a .xml file that is not XML is said to be so, not read as a table.
func TestDetectNotXML(t *testing.T) {
	for _, name := range []string{"notices.xml", "https://pole.example.be/feed.rss?x=1", "a.atom"} {
		_, err := Detect([]byte("Référence;Intitulé;Date limite\n1;Audit;2026-03-01\n"), name)
		if err == nil || !strings.Contains(err.Error(), "not XML") || passerelle.ErrorCode(err) != passerelle.EINVALID {
			t.Errorf("%s: %v", name, err)
		}
	}
	var f Fetcher
	dir := t.TempDir()
	copyFile(t, "testdata/calls.csv", filepath.Join(dir, "export.xml"))
	_, err := f.Load(context.Background(), passerelle.Source{ID: "s", URL: dir}, Validators{})
	if err == nil || !strings.Contains(err.Error(), "export.xml: not XML") || strings.Contains(err.Error(), "column") {
		t.Errorf("load: %v", err)
	}
}
