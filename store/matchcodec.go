package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/passerelle/passerelle"
	bolt "go.etcd.io/bbolt"
)

// Matches are the one record read by the hundreds per API request (a member's list), so
// they have a compact binary encoding instead of JSON: decoding one is about ten times
// cheaper, which keeps GET /members/{id}/matches inside its 5 ms p99 even for a member
// with 500 matches on a busy machine. Everything else stays JSON.
//
// A value starting with matchCodecV1 is binary; one starting with '{' is JSON, as written
// before the codec existed, and is still read. Layout of v1 (strings and counts as uvarint
// length + bytes, numbers as uvarint/varint, floats as 8 bytes big-endian, times as
// time.Time's MarshalBinary behind a 1-byte length):
//
//	0x01 member opportunity score rules_version state created updated
//	     veto n×(signal evidence points) has_feedback [verdict reason at rules_version]
//
// v2 adds to each contribution, after its points, its reason: 0, or 1 key n×(name value)
// (names sorted, so that equal matches encode alike).
//
// v3 adds, after the feedback, the profile the match came from (a string).
//
// TestMatchCodecKnowsEveryField fails when passerelle.Match gains a field this file does
// not write: add it to the layout as a new version, keeping the older ones readable.
const (
	matchCodecV1 = 0x01
	matchCodecV2 = 0x02
	matchCodecV3 = 0x03
)

func encodeMatch(m *passerelle.Match) ([]byte, error) {
	e := matchEncoder{buf: make([]byte, 0, 256)}
	e.buf = append(e.buf, matchCodecV3)
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
		e.reason(c.Reason)
	}
	if m.Feedback == nil {
		e.buf = append(e.buf, 0)
	} else {
		e.buf = append(e.buf, 1)
		e.str(string(m.Feedback.Verdict))
		e.str(m.Feedback.Reason)
		e.time(m.Feedback.At)
		e.int(int64(m.Feedback.RulesVersion))
	}
	e.str(m.Profile)
	return e.buf, e.err
}

type matchEncoder struct {
	buf []byte
	err error
}

func (e *matchEncoder) uint(n uint64) { e.buf = binary.AppendUvarint(e.buf, n) }
func (e *matchEncoder) int(n int64)   { e.buf = binary.AppendVarint(e.buf, n) }
func (e *matchEncoder) float(f float64) {
	e.buf = binary.BigEndian.AppendUint64(e.buf, math.Float64bits(f))
}
func (e *matchEncoder) str(s string) {
	e.uint(uint64(len(s)))
	e.buf = append(e.buf, s...)
}
func (e *matchEncoder) reason(r *passerelle.Reason) {
	if r == nil {
		e.buf = append(e.buf, 0)
		return
	}
	e.buf = append(e.buf, 1)
	e.str(r.Key)
	names := make([]string, 0, len(r.Args))
	for k := range r.Args {
		names = append(names, k)
	}
	sort.Strings(names)
	e.uint(uint64(len(names)))
	for _, k := range names {
		e.str(k)
		e.str(r.Args[k])
	}
}

func (e *matchEncoder) time(t time.Time) {
	b, err := t.MarshalBinary()
	if err != nil && e.err == nil {
		e.err = fmt.Errorf("encode time %v: %w", t, err)
	}
	e.buf = append(e.buf, byte(len(b)))
	e.buf = append(e.buf, b...)
}

var errShortMatch = errors.New("truncated match record")

// decodeMatch reads a match in either encoding. Strings are copied out of data, which
// belongs to bbolt.
func decodeMatch(data []byte, m *passerelle.Match) error {
	return decodeMatchHint(data, m, "")
}

// decodeMatchHint is decodeMatch for one of member's matches: the member string is shared
// rather than copied for every match.
func decodeMatchHint(data []byte, m *passerelle.Match, member string) error {
	if len(data) == 0 || data[0] < matchCodecV1 || data[0] > matchCodecV3 {
		return decode(data, m)
	}
	withReasons := data[0] >= matchCodecV2
	d := matchDecoder{buf: data[1:], last: member}
	*m = passerelle.Match{
		Member:       d.str(),
		Opportunity:  d.str(),
		Score:        d.float(),
		RulesVersion: int(d.int()),
		State:        passerelle.MatchState(d.str()),
		Created:      d.time(),
		Updated:      d.time(),
	}
	m.Explanation.Veto = d.str()
	n := d.uint()
	if n > uint64(len(d.buf)) { // each contribution takes at least one byte
		return fmt.Errorf("store damaged: match record claims %d contributions", n)
	}
	if n > 0 {
		m.Explanation.Contributions = make([]passerelle.Contribution, n)
		for i := range m.Explanation.Contributions {
			m.Explanation.Contributions[i] = passerelle.Contribution{Signal: d.str(), Evidence: d.str(), Points: d.float()}
			if withReasons {
				m.Explanation.Contributions[i].Reason = d.reason()
			}
		}
	}
	if d.byte() == 1 {
		m.Feedback = &passerelle.Feedback{Verdict: passerelle.Verdict(d.str()), Reason: d.str(), At: d.time(), RulesVersion: int(d.int())}
	}
	if data[0] >= matchCodecV3 {
		m.Profile = d.str()
	}
	if d.err != nil {
		return fmt.Errorf("store damaged: %w", d.err)
	}
	return nil
}

type matchDecoder struct {
	buf []byte
	err error
	// last is a string the caller expects again (the member of a member's matches).
	last string
}

func (d *matchDecoder) fail() {
	if d.err == nil {
		d.err = errShortMatch
	}
	d.buf = nil
}

func (d *matchDecoder) byte() byte {
	if len(d.buf) < 1 {
		d.fail()
		return 0
	}
	b := d.buf[0]
	d.buf = d.buf[1:]
	return b
}

func (d *matchDecoder) uint() uint64 {
	n, k := binary.Uvarint(d.buf)
	if k <= 0 {
		d.fail()
		return 0
	}
	d.buf = d.buf[k:]
	return n
}

func (d *matchDecoder) int() int64 {
	n, k := binary.Varint(d.buf)
	if k <= 0 {
		d.fail()
		return 0
	}
	d.buf = d.buf[k:]
	return n
}

func (d *matchDecoder) float() float64 {
	if len(d.buf) < 8 {
		d.fail()
		return 0
	}
	f := math.Float64frombits(binary.BigEndian.Uint64(d.buf))
	d.buf = d.buf[8:]
	return f
}

func (d *matchDecoder) str() string {
	n := d.uint()
	if n > uint64(len(d.buf)) {
		d.fail()
		return ""
	}
	b := d.buf[:n]
	d.buf = d.buf[n:]
	// States, signals and verdicts are a handful of words repeated in every match: share
	// one string each instead of allocating them anew (a lookup keyed by string(b) does
	// not allocate). It is a third of the allocations of a member's match list.
	if s, ok := commonWords[string(b)]; ok {
		return s
	}
	if d.last != "" && string(b) == d.last {
		return d.last
	}
	return string(b)
}

var commonWords = func() map[string]string {
	m := map[string]string{"": ""}
	for _, w := range []string{
		string(passerelle.MatchNew), string(passerelle.MatchNotified), string(passerelle.MatchSeen),
		string(passerelle.MatchSaved), string(passerelle.MatchDismissed),
		string(passerelle.VerdictRelevant), string(passerelle.VerdictNotRelevant),
		"text", "cluster", "cpv", "sector", "region", "budget", "deadline", "freshness", "language", "veto",
		passerelle.MainProfile,
	} {
		m[w] = w
	}
	return m
}()

func (d *matchDecoder) reason() *passerelle.Reason {
	if d.byte() != 1 {
		return nil
	}
	r := &passerelle.Reason{Key: d.str()}
	n := d.uint()
	if n > uint64(len(d.buf))/2 { // each name and value takes at least one byte
		d.fail()
		return nil
	}
	if n > 0 {
		r.Args = make(map[string]string, n)
		for ; n > 0; n-- {
			k := d.str()
			r.Args[k] = d.str()
		}
	}
	return r
}

func (d *matchDecoder) time() time.Time {
	n := int(d.byte())
	if n > len(d.buf) {
		d.fail()
		return time.Time{}
	}
	var t time.Time
	if err := t.UnmarshalBinary(d.buf[:n]); err != nil && d.err == nil {
		d.err = fmt.Errorf("match time: %w", err)
	}
	d.buf = d.buf[n:]
	return t
}

// getMatch reads the match at key; false when there is none.
func getMatch(b *bolt.Bucket, key []byte, m *passerelle.Match) (bool, error) {
	v := b.Get(key)
	if v == nil {
		return false, nil
	}
	if err := decodeMatch(v, m); err != nil {
		return true, fmt.Errorf("match %q: %w", key, err)
	}
	return true, nil
}

func putMatch(b *bolt.Bucket, key []byte, m *passerelle.Match) error {
	data, err := encodeMatch(m)
	if err != nil {
		return fmt.Errorf("match %q: %w", key, err)
	}
	return b.Put(key, data)
}
