package source

import (
	"bytes"
	"encoding/json"
	"sort"
	"strings"
	"time"
)

// mergeReleases compiles the releases of one contracting process (same ocid) into one, the
// way the OCDS merge rules (1.1, "Merging") say: releases in date order, each one's fields
// written over the earlier ones; objects merged field by field; a null removes the field;
// arrays of objects that all carry an "id" merged element by element on that id (new ids
// appended); other arrays replaced whole. One exception, for the kind only: the tags of all
// releases are kept together, so that a process that reached an award is an award whatever
// the order of its releases' tags. A release that cannot be decoded as an object is left
// out of the merge and returned as is, so that its own error is reported.
func mergeReleases(releases []json.RawMessage) (merged json.RawMessage, bad []json.RawMessage) {
	type dated struct {
		at  time.Time
		pos int
		v   map[string]any
	}
	var rels []dated
	for i, raw := range releases {
		var v map[string]any
		d := json.NewDecoder(bytes.NewReader(raw))
		d.UseNumber()
		if err := d.Decode(&v); err != nil || v == nil {
			bad = append(bad, raw)
			continue
		}
		rels = append(rels, dated{at: releaseDate(v), pos: i, v: v})
	}
	if len(rels) == 0 {
		return nil, bad
	}
	if len(rels) == 1 {
		return releases[rels[0].pos], bad
	}
	// Undated releases keep their place before the dated ones, in document order.
	sort.SliceStable(rels, func(i, j int) bool { return rels[i].at.Before(rels[j].at) })
	out := map[string]any{}
	var tags []any
	seenTag := map[string]bool{}
	for _, r := range rels {
		if ts, ok := r.v["tag"].([]any); ok {
			for _, t := range ts {
				if s, ok := t.(string); ok && !seenTag[s] {
					seenTag[s] = true
					tags = append(tags, s)
				}
			}
		}
		mergeObject(out, r.v)
	}
	if len(tags) > 0 {
		out["tag"] = tags
	}
	b, err := json.Marshal(out)
	if err != nil { // cannot happen: the values came from JSON
		return releases[rels[len(rels)-1].pos], bad
	}
	return b, bad
}

// releaseDate reads a release's date; an unreadable or missing one sorts first.
func releaseDate(v map[string]any) time.Time {
	s, _ := v["date"].(string)
	if t, err := parseTime(s, time.UTC, false); err == nil && t != nil {
		return *t
	}
	return time.Time{}
}

func mergeObject(dst, src map[string]any) {
	for k, v := range src {
		switch sv := v.(type) {
		case nil:
			delete(dst, k)
		case map[string]any:
			dv, ok := dst[k].(map[string]any)
			if !ok {
				dv = map[string]any{}
				dst[k] = dv
			}
			mergeObject(dv, sv)
		case []any:
			if dv, ok := dst[k].([]any); ok && identified(sv) && identified(dv) {
				dst[k] = mergeByID(dv, sv)
			} else {
				dst[k] = sv
			}
		default:
			dst[k] = v
		}
	}
}

// identified reports an array of objects that all carry an id (OCDS "identifier merge").
func identified(a []any) bool {
	if len(a) == 0 {
		return false
	}
	for _, e := range a {
		o, ok := e.(map[string]any)
		if !ok || idOf(o) == "" {
			return false
		}
	}
	return true
}

func idOf(o map[string]any) string {
	switch id := o["id"].(type) {
	case string:
		return strings.TrimSpace(id)
	case json.Number:
		return id.String()
	}
	return ""
}

func mergeByID(dst, src []any) []any {
	at := map[string]int{}
	for i, e := range dst {
		at[idOf(e.(map[string]any))] = i
	}
	for _, e := range src {
		o := e.(map[string]any)
		if i, ok := at[idOf(o)]; ok {
			mergeObject(dst[i].(map[string]any), o)
			continue
		}
		at[idOf(o)] = len(dst)
		dst = append(dst, o)
	}
	return dst
}
