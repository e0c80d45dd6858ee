package source

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/passerelle/passerelle"
)

// eformsChange is a minimal eForms change notice (subtype 16 structure of the SDK:
// UBLExtensions/…/EformsExtension/Changes/ChangeReason/ReasonCode, BT-140) with the
// reason code to test in place of REASON.
const eformsChange = `<?xml version="1.0" encoding="UTF-8"?>
<ContractNotice xmlns="urn:oasis:names:specification:ubl:schema:xsd:ContractNotice-2"
  xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
  xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
  xmlns:ext="urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2"
  xmlns:efac="http://data.europa.eu/p27/eforms-ubl-extension-aggregate-components/1"
  xmlns:efbc="http://data.europa.eu/p27/eforms-ubl-extension-basic-components/1"
  xmlns:efext="http://data.europa.eu/p27/eforms-ubl-extensions/1">
 <ext:UBLExtensions><ext:UBLExtension><ext:ExtensionContent><efext:EformsExtension>
  <efac:Changes>
   <efbc:ChangedNoticeIdentifier>0f2b6c3e-8f1a-4b7e-9d0a-1c2d3e4f5a6b-01</efbc:ChangedNoticeIdentifier>
   <efac:ChangeReason><cbc:ReasonCode listName="change-corrig-justification">REASON</cbc:ReasonCode></efac:ChangeReason>
  </efac:Changes>
  <efac:Publication><efbc:NoticePublicationID schemeName="ojs-notice-id">00123456-2024</efbc:NoticePublicationID></efac:Publication>
 </efext:EformsExtension></ext:ExtensionContent></ext:UBLExtension></ext:UBLExtensions>
 <cbc:ID schemeName="notice-id">7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d</cbc:ID>
 <cbc:NoticeTypeCode listName="competition">cn-standard</cbc:NoticeTypeCode>
 <cbc:NoticeLanguageCode>FRA</cbc:NoticeLanguageCode>
 <cac:ProcurementProject><cbc:Name languageID="FRA">Entretien des espaces verts</cbc:Name></cac:ProcurementProject>
</ContractNotice>`

func TestEFormsCancelled(t *testing.T) {
	real, err := os.ReadFile("../testdata/ted/537513-2025.xml")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(real), ">clos-nw<") {
		t.Fatal("fixture 537513-2025.xml no longer holds a clos-nw lot result")
	}
	tests := []struct {
		name, doc string
		want      passerelle.Status
	}{
		// Real result notice: its one lot closed without a winner, no tenders received.
		{"result clos-nw", string(real), passerelle.StatusCancelled},
		{"result selec-w", strings.Replace(string(real), ">clos-nw<", ">selec-w<", 1), ""},
		{"result open-nw", strings.Replace(string(real), ">clos-nw<", ">open-nw<", 1), ""},
		// One lot won, another closed without winner: the procedure had an outcome.
		{"result mixed", strings.Replace(string(real), "</efac:NoticeResult>",
			`<efac:LotResult><cbc:TenderResultCode listName="winner-selection-status">selec-w</cbc:TenderResultCode></efac:LotResult></efac:NoticeResult>`, 1), ""},
		{"change cancel", strings.Replace(eformsChange, "REASON", "cancel", 1), passerelle.StatusCancelled},
		{"change cancel-intent", strings.Replace(eformsChange, "REASON", "cancel-intent", 1), passerelle.StatusCancelled},
		{"change cor-buy", strings.Replace(eformsChange, "REASON", "cor-buy", 1), ""},
	}
	for _, tt := range tests {
		ops, err := Parse(context.Background(), "auto", strings.NewReader(tt.doc), tt.name+".xml", passerelle.Source{ID: "ted"})
		if err != nil || len(ops) != 1 {
			t.Errorf("%s: %d notices, %v", tt.name, len(ops), err)
			continue
		}
		if ops[0].Status != tt.want {
			t.Errorf("%s: status %q, want %q", tt.name, ops[0].Status, tt.want)
		}
	}
}
