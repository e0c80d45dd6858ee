package api

import (
	"context"
	"net/http"
	"slices"
	"sort"

	"github.com/passerelle/passerelle"
	"github.com/passerelle/passerelle/store"
)

// matchFilter is what the member page (and its CSV export) may ask of a member's matches
// beyond the store's state and minimum score: an order, a kind and a cluster. The store's
// by-score index cannot answer those, so they are read whole and sorted here: a member has
// at most a few thousand matches.
type matchFilter struct {
	Sort    string // score (default) or deadline (soonest first, unknown last)
	Kind    passerelle.Kind
	Cluster string
}

func (f matchFilter) needsAll() bool { return f.Sort == "deadline" || f.Kind != "" || f.Cluster != "" }

// maxMatchesRead bounds one member's matches read whole for a sorted or filtered list.
const maxMatchesRead = 5000

func matchFilterOf(r *http.Request) (matchFilter, error) {
	q := r.URL.Query()
	f := matchFilter{Sort: q.Get("sort"), Kind: passerelle.Kind(q.Get("kind")), Cluster: q.Get("cluster")}
	switch f.Sort {
	case "", "score", "deadline":
	default:
		return f, passerelle.Errorf(passerelle.EINVALID, "sort must be score or deadline")
	}
	switch f.Kind {
	case "", passerelle.KindCall, passerelle.KindTender, passerelle.KindGrant, passerelle.KindPriorInfo, passerelle.KindAward, passerelle.KindOther:
	default:
		return f, passerelle.Errorf(passerelle.EINVALID, "kind must be call, tender, grant, prior-info, award or other")
	}
	return f, nil
}

// selectMatches reads all of a member's matches the query selects, with their opportunities,
// filtered by f and in its order.
func (s *Server) selectMatches(ctx context.Context, member string, q store.MatchQuery, f matchFilter, lang string) ([]matchView, error) {
	q.Limit, q.Cursor = maxMatchesRead, ""
	res, err := s.store.MatchesPage(ctx, member, q)
	if err != nil {
		return nil, err
	}
	byID, err := s.opportunitiesOf(ctx, res.Matches)
	if err != nil {
		return nil, err
	}
	out := make([]matchView, 0, len(res.Matches))
	for _, mt := range res.Matches {
		o := byID[mt.Opportunity]
		if f.Kind != "" && o.Kind != f.Kind || f.Cluster != "" && !slices.Contains(o.Clusters, f.Cluster) {
			continue
		}
		out = append(out, matchView{Match: mt, Title: o.Title, Deadline: o.Deadline, Status: o.Status, URL: o.URL, Buyer: o.Buyer,
			Kind: o.Kind, Clusters: o.Clusters, Said: s.said(mt, lang)})
	}
	if f.Sort == "deadline" {
		sort.SliceStable(out, func(i, j int) bool {
			a, b := out[i].Deadline, out[j].Deadline
			switch {
			case a != nil && b != nil && !a.Equal(*b):
				return a.Before(*b)
			case a != nil && b == nil:
				return true
			case a == nil && b != nil:
				return false
			}
			return out[i].Score > out[j].Score
		})
	}
	return out, nil
}
