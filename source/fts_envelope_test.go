package source

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/passerelle/passerelle"
)

// The search API's envelope, {"totalResults": N, "results": [...]}, holding the 12 real
// topics of testdata/fts_topics.jsonl, gives the same records as the topics one a line.
func TestParseFTSEnvelope(t *testing.T) {
	body, err := os.ReadFile("testdata/fts_topics.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(body)), "\n")
	env := `{"apiVersion": "2.137", "totalResults": 12, "pageNumber": 1, "pageSize": 50, "results": [` + strings.Join(lines, ",\n") + `]}`
	src := passerelle.Source{ID: "fts"}
	if f, err := Detect([]byte(env[:min(len(env), DetectSize)]), "search"); err != nil || f != "fts" {
		t.Fatalf("envelope detected as %q, %v", f, err)
	}
	want, err := Parse(context.Background(), "fts", strings.NewReader(string(body)), "topics.jsonl", src)
	if err != nil || len(want) != 12 {
		t.Fatalf("JSON Lines: %d topics, %v", len(want), err)
	}
	got, err := Parse(context.Background(), "auto", strings.NewReader(env), "search", src)
	if err != nil || len(got) != len(want) {
		t.Fatalf("envelope: %d topics, %v", len(got), err)
	}
	for i := range want {
		a, _ := json.Marshal(want[i])
		b, _ := json.Marshal(got[i])
		if string(a) != string(b) {
			t.Errorf("topic %d differs:\n%s\n%s", i, a, b)
		}
	}
}

// The API's own records (metadata values as lists, actions as JSON in a string, status and
// programme as codes) are read too; the topic conditions give the hour of the deadline.
func TestParseFTSAPIRecord(t *testing.T) {
	var topic map[string]any
	body, err := os.ReadFile("testdata/fts_topics.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(body), "\n") {
		if strings.Contains(l, `"ERASMUS-EDU-2026-PEX-COVE"`) {
			if err := json.Unmarshal([]byte(l), &topic); err != nil {
				t.Fatal(err)
			}
		}
	}
	if topic == nil {
		t.Fatal("fixture lost ERASMUS-EDU-2026-PEX-COVE")
	}
	// The record as the search API gives it (metadata keys as the API names them).
	actions, _ := json.Marshal([]map[string]any{{
		"types":               []map[string]string{{"typeOfAction": "ERASMUS Lump Sum Grants"}},
		"deadlineDates":       []string{"2026-09-03T00:00:00.000+0000"},
		"submissionProcedure": map[string]string{"abbreviation": "single-stage"},
	}})
	rec := map[string]any{
		"reference": topic["reference"], "content": topic["title"],
		"metadata": map[string][]string{
			"identifier":         {topic["topicId"].(string)},
			"title":              {topic["title"].(string)},
			"callIdentifier":     {topic["callIdentifier"].(string)},
			"descriptionByte":    {topic["description"].(string)},
			"topicConditions":    {topic["topicConditions"].(string)},
			"status":             {"31094502"},
			"frameworkProgramme": {"43353764"},
			"deadlineDate":       {"2026-09-03T00:00:00.000+0000"},
			"actions":            {string(actions)},
		},
	}
	env, _ := json.Marshal(map[string]any{"totalResults": 1, "results": []any{rec}})
	ops, err := Parse(context.Background(), "auto", strings.NewReader(string(env)), "search", passerelle.Source{ID: "fts"})
	if err != nil || len(ops) != 1 {
		t.Fatalf("%d topics, %v", len(ops), err)
	}
	o := ops[0]
	bru, _ := time.LoadLocation("Europe/Brussels")
	if o.ExternalID != "ERASMUS-EDU-2026-PEX-COVE" || o.Programme != "Erasmus+" || o.Status != passerelle.StatusOpen ||
		o.ActionType != "ERASMUS Lump Sum Grants" || o.Deadline == nil || !o.Deadline.Equal(time.Date(2026, 9, 3, 17, 0, 0, 0, bru)) {
		t.Errorf("API record: %+v deadline %v", o, o.Deadline)
	}
	if !strings.Contains(o.DeadlineEvidence, "3 September 2026, 17:00") || !strings.HasPrefix(o.DeadlineEvidence, "topicConditions text") {
		t.Errorf("evidence %q", o.DeadlineEvidence)
	}
}
