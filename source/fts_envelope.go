package source

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
)

// The portal's search API (api.tech.ec.europa.eu/search-api/prod/rest/search) answers with
// an envelope, {"totalResults": N, "pageNumber": 1, "results": [...]}, whose results are
// either topics already flattened (the shape of ../shared/data/calls/raw_sample.jsonl) or the
// API's own records: {"reference", "content", "metadata": {"identifier": ["…"], "title": [
// "…"], "deadlineDate": ["2026-09-03T00:00:00.000+0000"], "status": ["31094502"], …}}, every
// metadata value a list of strings, some of them JSON ("actions"). Both are read.

// ftsStatusCodes are the search API's status codes.
var ftsStatusCodes = map[string]string{"31094501": "forthcoming", "31094502": "open", "31094503": "closed"}

// ftsProgrammes names the framework programmes (metadata.frameworkProgramme) members answer.
var ftsProgrammes = map[string]string{
	"43108390": "Horizon Europe", "43152860": "Digital Europe", "44181033": "European Defence Fund",
	"43252405": "LIFE", "43251567": "Connecting Europe Facility", "43089234": "Innovation Fund",
	"43332642": "EU4Health", "43353764": "Erasmus+", "43251814": "Creative Europe",
	"43252476": "Single Market Programme", "43298916": "Euratom", "43637601": "Pilot Projects & Preparatory Actions",
}

// ftsEnvelope reports an envelope and reads its results; ok is false when raw is not one.
func (p *ftsParser) envelope(ctx context.Context, raw []byte) (ok bool, err error) {
	var env struct {
		Results []json.RawMessage `json:"results"`
	}
	if json.Unmarshal(raw, &env) != nil || env.Results == nil {
		return false, nil
	}
	lines := lineCounter{raw: raw, line: 1}
	off := bytes.Index(raw, []byte(`"results"`))
	for i, r := range env.Results {
		if i%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return true, err
			}
		}
		p.records++
		line := 0
		if j := bytes.Index(raw[max(off, 0):], bytes.TrimSpace(r)[:min(len(bytes.TrimSpace(r)), 64)]); off >= 0 && j >= 0 {
			off += j
			line = lines.at(off)
		}
		p.record(p.records, line, ftsFlatten(r))
	}
	return true, nil
}

// ftsFlatten turns one of the API's own records into a flattened topic; anything else is
// returned as it is.
func ftsFlatten(r json.RawMessage) json.RawMessage {
	var rec struct {
		Reference string              `json:"reference"`
		Content   string              `json:"content"`
		Summary   string              `json:"summary"`
		URL       string              `json:"url"`
		Metadata  map[string][]string `json:"metadata"`
	}
	if json.Unmarshal(r, &rec) != nil || rec.Metadata == nil {
		return r
	}
	m := rec.Metadata
	first := func(k string) string {
		if v := m[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	t := map[string]any{
		"reference":       rec.Reference,
		"topicId":         first("identifier"),
		"title":           first("title"),
		"callIdentifier":  first("callIdentifier"),
		"callTitle":       first("callTitle"),
		"description":     first("descriptionByte"),
		"topicConditions": first("topicConditions"),
		"typesOfAction":   first("typesOfAction"),
		"deadlineModel":   first("deadlineModel"),
		"callStatus":      ftsStatusCodes[first("status")],
	}
	if t["title"] == "" {
		t["title"] = rec.Content
	}
	if t["description"] == "" {
		t["description"] = first("description")
	}
	for _, code := range m["frameworkProgramme"] {
		if name, ok := ftsProgrammes[code]; ok {
			t["programme"] = name
			break
		}
	}
	// The actions (a JSON list in a string) carry the type of action, the submission
	// procedure and the deadlines of each stage; deadlineDate repeats the dates.
	var actions []struct {
		Types []struct {
			TypeOfAction string `json:"typeOfAction"`
		} `json:"types"`
		DeadlineDates       []string `json:"deadlineDates"`
		DeadlineModel       string   `json:"deadlineModel"`
		SubmissionProcedure struct {
			Abbreviation string `json:"abbreviation"`
		} `json:"submissionProcedure"`
	}
	dates := m["deadlineDate"]
	if json.Unmarshal([]byte(first("actions")), &actions) == nil && len(actions) > 0 {
		a := actions[0]
		if t["typesOfAction"] == "" && len(a.Types) > 0 {
			t["typesOfAction"] = a.Types[0].TypeOfAction
		}
		if t["deadlineModel"] == "" {
			t["deadlineModel"] = a.DeadlineModel
		}
		if t["deadlineModel"] == "" {
			t["deadlineModel"] = a.SubmissionProcedure.Abbreviation
		}
		if len(a.DeadlineDates) > 0 {
			dates = a.DeadlineDates
		}
	}
	var days []string
	for _, d := range dates {
		// "2026-09-03T00:00:00.000+0000": the portal's way of writing a day.
		if d = strings.TrimSpace(d); len(d) >= 10 {
			days = append(days, d[:10])
		}
	}
	switch len(days) {
	case 0:
	case 1:
		t["deadline"] = days[0]
	default:
		t["deadline"] = days
	}
	b, err := json.Marshal(t)
	if err != nil {
		return r
	}
	return b
}
