package store

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/passerelle/passerelle"
)

// TestMatchCodecKnowsEveryField fails when a field is added to a type the binary match
// codec writes: the codec would silently drop it. Teach matchcodec.go the field (as a new
// layout version), then update this list.
func TestMatchCodecKnowsEveryField(t *testing.T) {
	for _, tc := range []struct {
		typ    any
		fields []string
	}{
		{passerelle.Match{}, []string{"Member", "Opportunity", "Score", "Profile", "Explanation", "RulesVersion", "State", "Feedback", "Created", "Updated"}},
		{passerelle.Explanation{}, []string{"Contributions", "Veto"}},
		{passerelle.Contribution{}, []string{"Signal", "Evidence", "Points", "Reason"}},
		{passerelle.Reason{}, []string{"Key", "Args"}},
		{passerelle.Feedback{}, []string{"Verdict", "Reason", "At", "RulesVersion"}},
	} {
		typ := reflect.TypeOf(tc.typ)
		var got []string
		for i := 0; i < typ.NumField(); i++ {
			got = append(got, typ.Field(i).Name)
		}
		if !reflect.DeepEqual(got, tc.fields) {
			t.Errorf("%s has fields %v; matchcodec.go writes %v", typ, got, tc.fields)
		}
	}
}

func sameAsJSON(t testing.TB, a, b passerelle.Match) {
	t.Helper()
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	if string(x) != string(y) {
		t.Fatalf("round trip changed the match:\n got %s\nwant %s", y, x)
	}
}

func codecSamples() []passerelle.Match {
	full := mt("acme", "ted:000123-2025", 87.25, 3)
	full.State = passerelle.MatchSaved
	full.Profile = "secu"
	full.Explanation.Veto = "exclusion 'nuclear'"
	full.Explanation.Contributions = append(full.Explanation.Contributions,
		passerelle.Contribution{Signal: "cpv", Evidence: "CPV 72212730 ⊂ bundle security", Points: -2.5},
		passerelle.Contribution{Signal: "text", Evidence: "skill 'cybersécurité' = title", Points: 12,
			Reason: &passerelle.Reason{Key: passerelle.ReasonSkillPhrase, Args: map[string]string{"skill": "cybersécurité", "field": "title"}}},
		passerelle.Contribution{Signal: "deadline", Evidence: "deadline in 3 days", Points: 1, Reason: &passerelle.Reason{Key: passerelle.ReasonDeadline}})
	full.Feedback = &passerelle.Feedback{Verdict: passerelle.VerdictSaved, Reason: "bid with partner", At: time.Date(2025, 3, 2, 9, 30, 0, 5, time.FixedZone("", 3600)), RulesVersion: 2}
	full.Created, full.Updated = t0, t0.Add(time.Hour)
	return []passerelle.Match{{}, mt("a", "b", 0, 0), full}
}

func TestMatchCodecRoundTrip(t *testing.T) {
	for _, m := range codecSamples() {
		data, err := encodeMatch(&m)
		if err != nil {
			t.Fatal(err)
		}
		var got passerelle.Match
		if err := decodeMatch(data, &got); err != nil {
			t.Fatal(err)
		}
		sameAsJSON(t, m, got)
		// Matches written as JSON before the codec existed still read.
		js, _ := json.Marshal(m)
		var old passerelle.Match
		if err := decodeMatch(js, &old); err != nil {
			t.Fatal(err)
		}
		sameAsJSON(t, m, old)
	}
}

// A store written before reasons existed (layout v1) still reads, its contributions
// without reasons.
func TestMatchCodecReadsV1(t *testing.T) {
	m := codecSamples()[2]
	e := matchEncoder{}
	e.buf = append(e.buf, matchCodecV1)
	e.str(m.Member)
	e.str(m.Opportunity)
	e.float(m.Score)
	e.int(int64(m.RulesVersion))
	e.str(string(m.State))
	e.time(m.Created)
	e.time(m.Updated)
	e.str(m.Explanation.Veto)
	e.uint(uint64(len(m.Explanation.Contributions)))
	for _, c := range m.Explanation.Contributions {
		e.str(c.Signal)
		e.str(c.Evidence)
		e.float(c.Points)
	}
	e.buf = append(e.buf, 0)
	var got passerelle.Match
	if err := decodeMatch(e.buf, &got); err != nil {
		t.Fatal(err)
	}
	for i := range m.Explanation.Contributions {
		m.Explanation.Contributions[i].Reason = nil
	}
	m.Feedback, m.Profile = nil, ""
	sameAsJSON(t, m, got)
}

// A store written before profiles existed (layout v2) still reads, its matches naming no
// profile (migration 10 names them).
func TestMatchCodecReadsV2(t *testing.T) {
	m := codecSamples()[2]
	m.Profile = "secu"
	data, err := encodeMatch(&m)
	if err != nil {
		t.Fatal(err)
	}
	// v2 is v3 without the profile at the end.
	v2 := append([]byte{matchCodecV2}, data[1:len(data)-1-len(m.Profile)]...)
	var got passerelle.Match
	if err := decodeMatch(v2, &got); err != nil {
		t.Fatal(err)
	}
	m.Profile = ""
	sameAsJSON(t, m, got)
}

func TestMatchCodecTruncated(t *testing.T) {
	m := codecSamples()[2]
	data, _ := encodeMatch(&m)
	for n := 1; n < len(data); n++ {
		var got passerelle.Match
		if err := decodeMatch(data[:n], &got); err == nil {
			t.Fatalf("decoding %d of %d bytes did not fail", n, len(data))
		}
	}
}

func FuzzMatchCodec(f *testing.F) {
	f.Add("acme", "ted:1", 50.5, 2, "new", "text", "skill 'x'", 1.5, true, "saved", "why")
	f.Fuzz(func(t *testing.T, member, opp string, score float64, rv int, state, signal, evidence string, points float64, fb bool, verdict, reason string) {
		if score != score || points != points { // NaN never equals itself; the store rejects NaN scores
			return
		}
		m := passerelle.Match{Member: member, Opportunity: opp, Score: score, RulesVersion: rv, State: passerelle.MatchState(state),
			Explanation: passerelle.Explanation{Contributions: []passerelle.Contribution{{Signal: signal, Evidence: evidence, Points: points}}},
			Created:     t0, Updated: t0}
		if fb {
			m.Feedback = &passerelle.Feedback{Verdict: passerelle.Verdict(verdict), Reason: reason, At: t0, RulesVersion: rv}
		}
		data, err := encodeMatch(&m)
		if err != nil {
			t.Fatal(err)
		}
		var got passerelle.Match
		if err := decodeMatch(data, &got); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got.Explanation, m.Explanation) || got.Member != m.Member || got.Opportunity != m.Opportunity ||
			got.Score != m.Score || got.RulesVersion != m.RulesVersion || got.State != m.State || (got.Feedback != nil) != fb ||
			(fb && (got.Feedback.Verdict != m.Feedback.Verdict || got.Feedback.Reason != m.Feedback.Reason)) {
			t.Fatalf("round trip: %+v -> %+v (feedback %+v -> %+v)", m, got, m.Feedback, got.Feedback)
		}
		// Arbitrary bytes after the version byte must fail cleanly, never panic.
		var junk passerelle.Match
		_ = decodeMatch(append([]byte{matchCodecV1}, []byte(member+opp)...), &junk)
	})
}
