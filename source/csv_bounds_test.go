package source

import (
	"context"
	"strings"
	"testing"

	"github.com/passerelle/passerelle"
)

// Issue 9, defect 11: a CSV with a huge number of columns or a huge field fails with a clear
// error before encoding/csv allocates for it; a real export with long quoted texts passes.
func TestCSVBounds(t *testing.T) {
	src := passerelle.Source{ID: "csv", Format: "csv"}
	header := "Référence;Intitulé;Date limite\n"
	tests := []struct {
		name, doc, errHas string
	}{
		{"columns in a row", header + "1;Audit;2026-03-01" + strings.Repeat(";", 200000) + "\n", "line 2: more than 1000 columns"},
		{"columns in the header", strings.Repeat("a,", 5000) + "titre\n1,2\n", "line 1: more than 1000 columns"},
		{"huge field", header + "1;" + strings.Repeat("x", 2<<20) + ";2026-03-01\n", "line 2: a field longer than 1048576 bytes"},
		{"huge quoted field over lines", header + "1;\"" + strings.Repeat("ligne\n", 200000) + "\";2026-03-01\n", "line 2: a field longer"},
	}
	for _, tt := range tests {
		ops, err := ParseCSV(context.Background(), strings.NewReader(tt.doc), "big.csv", src)
		if len(ops) != 0 || err == nil || !strings.Contains(err.Error(), "big.csv: "+tt.errHas) || passerelle.ErrorCode(err) != passerelle.EINVALID {
			t.Errorf("%s: %d records, %v", tt.name, len(ops), err)
		}
	}
	// Delimiters and newlines inside quotes are the field's, not columns.
	long := "\"" + strings.Repeat("cloud, sécurité; données\n", 2000) + "\""
	ops, err := ParseCSV(context.Background(), strings.NewReader(header+"1;"+long+";2026-03-01\n2;Audit;2026-04-01\n"), "ok.csv", src)
	if err != nil || len(ops) != 2 || ops[1].Title != "Audit" {
		t.Errorf("quoted long field: %d records, %v", len(ops), err)
	}
	// The real fixture passes untouched.
	if ops, err := parseFile(t, "testdata/calls.csv", src); len(ops) != 3 || err == nil {
		t.Errorf("calls.csv: %d records, %v", len(ops), err)
	}
}
