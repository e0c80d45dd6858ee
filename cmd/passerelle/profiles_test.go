package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/passerelle/passerelle"
)

// Members import with several profiles, export, and import again unchanged: the canonical
// shape (profiles given, the top level their first) is a fixed point. A bad profile is
// named by record and path.
func TestMembersImportExportProfiles(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	file := filepath.Join(dir, "members.json")
	body := `[
 {"id":"duo","name":"Duo","tier":"premium","profiles":[
   {"id":"secu","name":"Sécurité","skills":["tests d'intrusion"],"min_score":40},
   {"id":"games","name":"Jeux sérieux","clusters":["seriousgames"],"regions":["BE3"]}]},
 {"id":"solo","name":"Solo","tier":"premium","skills":["cloud"]}
]`
	if err := os.WriteFile(file, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := runMain(t, "members", "import", "--data", data, file); code != 0 {
		t.Fatalf("import: exit %d\n%s%s", code, out, errOut)
	}
	code, exported, errOut := runMain(t, "members", "export", "--data", data)
	if code != 0 {
		t.Fatalf("export: exit %d: %s", code, errOut)
	}
	var ms []passerelle.Member
	if err := json.Unmarshal([]byte(exported), &ms); err != nil {
		t.Fatal(err)
	}
	if len(ms) != 2 || len(ms[0].Profiles) != 2 || ms[0].Skills[0] != "tests d'intrusion" || ms[0].MinScore != 40 ||
		len(ms[1].Profiles) != 1 || ms[1].Profiles[0].ID != passerelle.MainProfile {
		t.Fatalf("exported %s", exported)
	}
	again := filepath.Join(dir, "again.json")
	if err := os.WriteFile(again, []byte(exported), 0o644); err != nil {
		t.Fatal(err)
	}
	data2 := filepath.Join(dir, "data2")
	if code, out, errOut := runMain(t, "members", "import", "--data", data2, again); code != 0 {
		t.Fatalf("re-import of the export: exit %d\n%s%s", code, out, errOut)
	}
	_, exported2, _ := runMain(t, "members", "export", "--data", data2)
	var ms2 []passerelle.Member
	_ = json.Unmarshal([]byte(exported2), &ms2)
	for i := range ms2 {
		ms2[i].Created, ms2[i].Updated = ms[i].Created, ms[i].Updated
	}
	a, _ := json.Marshal(ms)
	b, _ := json.Marshal(ms2)
	if string(a) != string(b) {
		t.Errorf("export → import → export changed the members:\n%s\n%s", a, b)
	}

	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`[{"id":"b","name":"B","tier":"premium","profiles":[{"id":"x","name":"X"},{"id":"x","name":"Y","clusters":["gaming"]}]}]`), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = runMain(t, "members", "import", "--data", data, bad)
	if code == 0 || !strings.Contains(errOut, "record 1") || !strings.Contains(errOut, "profiles[1].id") || !strings.Contains(errOut, "profiles[1].clusters[0]") {
		t.Errorf("bad profiles: exit %d: %s", code, errOut)
	}
}
