package api_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/passerelle/passerelle"
)

// A company with two business lines: each profile matches on its own, and a match says
// which one found it; edits through PUT and PATCH keep the two sides (top-level fields and
// first profile) one.
func TestMemberWithTwoProfiles(t *testing.T) {
	e := newEnv(t)
	var m passerelle.Member
	e.do("POST", "/api/v1/members", e.staff, `{"id":"duo","name":"Duo SA","tier":"premium","profiles":[
		{"id":"secu","name":"Sécurité","skills":["tests d'intrusion"],"regions":["BE"],"min_score":30},
		{"id":"roads","name":"Voirie","skills":["asphaltage","travaux de voirie"],"cpv":["4523"],"exclude":["cybersécurité"]}]}`, 201, &m)
	if len(m.Profiles) != 2 || !equalStrings(m.Skills, []string{"tests d'intrusion"}) || m.MinScore != 30 {
		t.Fatalf("created %+v: the top-level fields must be the first profile", m)
	}
	var page struct {
		Items []struct {
			Opportunity string `json:"opportunity"`
			Profile     string `json:"profile"`
		} `json:"items"`
	}
	e.do("GET", "/api/v1/members/duo/matches", e.staff, "", 200, &page)
	by := map[string]string{}
	for _, it := range page.Items {
		by[it.Opportunity] = it.Profile
	}
	if by["o1"] != "secu" || by["o3"] != "roads" {
		t.Fatalf("matches by profile %v: want o1 from secu, o3 from roads", by)
	}
	if _, ok := by["a/b c"]; ok {
		t.Error("a notice in France matched the profile limited to BE")
	}

	// Bad profiles are refused with the path of each bad field.
	var p problem
	e.do("POST", "/api/v1/members", e.staff, `{"id":"bad","name":"B","tier":"premium","profiles":[{"id":"a","name":"A"},{"id":"a","name":"","clusters":["gaming"]}]}`, 400, &p)
	want := map[string]bool{"profiles[1].id": true, "profiles[1].name": true, "profiles[1].clusters[0]": true}
	for _, f := range p.Errors {
		delete(want, f.Path)
	}
	if len(want) > 0 {
		t.Errorf("not named: %v in %+v", want, p.Errors)
	}
	e.do("POST", "/api/v1/members", e.staff, `{"id":"bad","name":"B","tier":"premium","profiles":[{"id":"a","name":"A"},{"id":"b","name":"B","skills":"web"}]}`, 400, &p)
	if len(p.Errors) != 1 || p.Errors[0].Path != "profiles[1].skills" {
		t.Errorf("wrong type not named by its path: %+v", p)
	}
	e.do("POST", "/api/v1/members", e.staff, `{"id":"bad","name":"B","tier":"premium","profiles":[{"id":"a","name":"A","skils":["x"]}]}`, 400, &p)
	if len(p.Errors) != 1 || p.Errors[0].Path != "profiles[0].skils" {
		t.Errorf("unknown field not named by its path: %+v", p)
	}
	e.do("POST", "/api/v1/members", e.staff, `{"id":"bad","name":"B","tier":"premium","skills":["web"],"profiles":[{"id":"a","name":"A","skills":["iot"]}]}`, 400, &p)
	if len(p.Errors) != 1 || p.Errors[0].Path != "skills" || !strings.Contains(p.Errors[0].Message, "profiles[0].skills") {
		t.Errorf("top level disagreeing with the first profile: %+v", p)
	}
	e.do("GET", "/api/v1/members/bad", e.staff, "", 404, nil)

	// PATCH of the top level changes the first profile; of a profile, the top level.
	m = passerelle.Member{}
	e.do("PATCH", "/api/v1/members/duo", e.staff, `{"skills":["cybersécurité"]}`, 200, &m)
	if len(m.Profiles) != 2 || m.Profiles[0].ID != "secu" || !equalStrings(m.Profiles[0].Skills, []string{"cybersécurité"}) {
		t.Errorf("patched top level: %+v", m.Profiles)
	}
	m = passerelle.Member{}
	e.do("PATCH", "/api/v1/members/duo", e.staff, `{"profiles":[{"id":"roads","name":"Voirie","skills":["asphaltage"]}]}`, 200, &m)
	if len(m.Profiles) != 1 || !equalStrings(m.Skills, []string{"asphaltage"}) {
		t.Errorf("patched profiles: %+v", m)
	}
	e.do("GET", "/api/v1/members/duo/matches", e.staff, "", 200, &page)
	for _, it := range page.Items {
		if it.Profile != "roads" {
			t.Errorf("after removing secu, %s still comes from %q", it.Opportunity, it.Profile)
		}
	}
	// A PUT without profiles (a client older than profiles) keeps the other profiles.
	m = passerelle.Member{}
	e.do("PATCH", "/api/v1/members/duo", e.staff, `{"profiles":[{"id":"roads","name":"Voirie","skills":["asphaltage"]},{"id":"secu","name":"Sécurité","skills":["tests d'intrusion"]}]}`, 200, &m)
	m = passerelle.Member{}
	e.do("PUT", "/api/v1/members/duo", e.staff, `{"id":"duo","name":"Duo SA","tier":"premium","skills":["voirie"]}`, 200, &m)
	if len(m.Profiles) != 2 || m.Profiles[0].ID != "roads" || !equalStrings(m.Profiles[0].Skills, []string{"voirie"}) || m.Profiles[1].ID != "secu" {
		t.Errorf("old-style PUT: %+v", m.Profiles)
	}
	// Read, changed on one side, sent back whole: the changed side is the edit.
	m = passerelle.Member{} // json.Unmarshal into a used struct keeps what the answer leaves out
	e.do("GET", "/api/v1/members/duo", e.staff, "", 200, &m)
	m.Skills = []string{"asphaltage", "marquage routier"}
	b, _ := json.Marshal(m)
	m = passerelle.Member{}
	e.do("PUT", "/api/v1/members/duo", e.staff, string(b), 200, &m)
	if !equalStrings(m.Profiles[0].Skills, []string{"asphaltage", "marquage routier"}) || len(m.Profiles) != 2 {
		t.Errorf("read-modify-write of the top level: %+v", m.Profiles)
	}
	m = passerelle.Member{}
	e.do("GET", "/api/v1/members/duo", e.staff, "", 200, &m)
	m.Profiles[0].Skills = []string{"voirie"}
	b, _ = json.Marshal(m)
	m = passerelle.Member{}
	e.do("PUT", "/api/v1/members/duo", e.staff, string(b), 200, &m)
	if !equalStrings(m.Skills, []string{"voirie"}) {
		t.Errorf("read-modify-write of the first profile: %+v", m.Skills)
	}
	m = passerelle.Member{}
	e.do("GET", "/api/v1/members/duo", e.staff, "", 200, &m)
	m.Skills, m.Profiles[0].Skills = []string{"a"}, []string{"b"}
	b, _ = json.Marshal(m)
	e.do("PUT", "/api/v1/members/duo", e.staff, string(b), 400, &p)
	if len(p.Errors) != 1 || p.Errors[0].Path != "skills" {
		t.Errorf("both sides changed, differently: %+v", p)
	}
	// A member written the old way has one profile, "main", and its matches name it.
	m = passerelle.Member{}
	e.do("GET", "/api/v1/members/cyber", e.staff, "", 200, &m)
	if len(m.Profiles) != 1 || m.Profiles[0].ID != passerelle.MainProfile {
		t.Errorf("one-profile member: %+v", m.Profiles)
	}
	e.do("GET", "/api/v1/members/cyber/matches", e.cyber, "", 200, &page)
	if len(page.Items) == 0 || page.Items[0].Profile != passerelle.MainProfile {
		t.Errorf("one-profile member's matches: %+v", page.Items)
	}
}

func equalStrings(a, b []string) bool {
	return strings.Join(a, "\x00") == strings.Join(b, "\x00")
}
