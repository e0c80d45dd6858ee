package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A --data that holds no store is a typo for read commands: they fail, naming the directory,
// and create nothing.
func TestReadCommandsNeverCreateAStore(t *testing.T) {
	for _, args := range [][]string{
		{"members", "list"}, {"members", "export"}, {"export", "opportunities"}, {"search", "cyber"},
		{"check"}, {"rules", "show"}, {"sources", "list"}, {"explain", "--member", "m", "--opportunity", "o"},
		{"backup", "copy.db"},
	} {
		data := filepath.Join(t.TempDir(), "typo")
		code, out, errOut := runMain(t, append(args, "--data", data)...)
		if code == 0 || !strings.Contains(errOut, "no store in "+data) {
			t.Errorf("%v on a missing --data: exit %d\n%s%s", args, code, out, errOut)
		}
		if _, err := os.Stat(data); !os.IsNotExist(err) {
			t.Errorf("%v created %s (%v)", args, data, err)
		}
	}
}

func TestMembersImportMistakesCreateNothing(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	code, _, errOut := runMain(t, "members", "import", "--data", data, filepath.Join(dir, "nosuch.json"))
	if code == 0 || !strings.Contains(errOut, "nosuch.json") {
		t.Errorf("import of a missing file: exit %d: %s", code, errOut)
	}
	if _, err := os.Stat(data); !os.IsNotExist(err) {
		t.Errorf("import of a missing file created %s", data)
	}

	// Three bad records among five: all three are named, with number, id and field.
	file := filepath.Join(dir, "members.json")
	body := `[
 {"id":"ok-1","name":"One","tier":"premium","skills":["cloud"]},
 {"id":"bad tier","name":"Two","tier":"gold"},
 {"id":"ok-3","name":"Three","tier":"basic"},
 {"id":"x4","name":"Four","tier":"premium","colour":"blue"},
 {"id":"","name":"Five","tier":"premium"}
]`
	if err := os.WriteFile(file, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = runMain(t, "members", "import", "--data", data, file)
	if code == 0 {
		t.Fatalf("import of bad records succeeded")
	}
	for _, want := range []string{"3 bad records", "record 2 (id \"bad tier\")", "record 4", "colour", "record 5"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("import errors lack %q:\n%s", want, errOut)
		}
	}
	if strings.Contains(errOut, "record 1 ") || strings.Contains(errOut, "record 3 ") {
		t.Errorf("good records reported as bad:\n%s", errOut)
	}
	if _, err := os.Stat(data); !os.IsNotExist(err) {
		t.Errorf("a rejected import created %s", data)
	}
}
