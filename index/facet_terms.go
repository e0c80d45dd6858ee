package index

import (
	"sync"

	"github.com/RoaringBitmap/roaring/v2"
	segment "github.com/blevesearch/scorch_segment_api/v2"
)

// facetTerms keeps, for each scorch segment and facet field, every term with the bitmap of
// the segment's documents holding it. A segment never changes once built (deletions are a
// bitmap beside it), so this is read from the segment once, not by every search: walking the
// dictionaries and decoding the postings of six fields in every segment was a quarter of a
// search's CPU while a run indexes (many small segments), and its allocations fed the
// collector the searches then waited for.
//
// Entries of segments no longer in the index (merged away) are dropped as the cache grows.
type facetTerms struct {
	mu    sync.Mutex
	bySeg map[segment.Segment]map[string][]termDocs // segment → field → terms
}

// termDocs is one term of a facet field and the documents of a segment holding it,
// deleted ones included. The bitmap is a copy owned by the cache: the segment's own may
// point into a file scorch unmaps once the segment is merged away. Read only.
type termDocs struct {
	term string
	docs *roaring.Bitmap
}

func newFacetTerms() *facetTerms {
	return &facetTerms{bySeg: map[segment.Segment]map[string][]termDocs{}}
}

// of returns the terms of field in segment i of s, reading them from the segment the first
// time. A nil cache reads them every time.
func (c *facetTerms) of(s *snapshot, i int, field string) ([]termDocs, error) {
	seg := s.segs[i].Segment()
	if c != nil {
		c.mu.Lock()
		terms, ok := c.bySeg[seg][field]
		c.mu.Unlock()
		if ok {
			return terms, nil
		}
	}
	terms, err := readTermDocs(seg, field)
	if err != nil || c == nil {
		return terms, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	fields := c.bySeg[seg]
	if fields == nil {
		c.prune(s)
		fields = map[string][]termDocs{}
		c.bySeg[seg] = fields
	}
	fields[field] = terms
	return terms, nil
}

// prune drops the segments s does not hold once the cache holds many more than s: the rest
// were merged into others. A search on an older snapshot may still want one; it reads it again.
func (c *facetTerms) prune(s *snapshot) {
	if len(c.bySeg) < 2*len(s.segs)+8 {
		return
	}
	live := make(map[segment.Segment]bool, len(s.segs))
	for _, ss := range s.segs {
		live[ss.Segment()] = true
	}
	for seg := range c.bySeg {
		if !live[seg] {
			delete(c.bySeg, seg)
		}
	}
}

// readTermDocs walks the dictionary of field in seg and copies each term's postings.
func readTermDocs(seg segment.Segment, field string) ([]termDocs, error) {
	dict, err := seg.Dictionary(field)
	if err != nil {
		return nil, err
	}
	var out []termDocs
	var pl segment.PostingsList
	var pit segment.PostingsIterator
	it := dict.AutomatonIterator(nil, nil, nil)
	for {
		e, err := it.Next()
		if err != nil {
			return nil, err
		}
		if e == nil {
			return out, nil
		}
		if pl, err = dict.PostingsList([]byte(e.Term), nil, pl); err != nil {
			return nil, err
		}
		if pl == nil || pl.Count() == 0 {
			continue
		}
		pit = pl.Iterator(false, false, false, pit)
		docs, err := postingsBitmap(pit)
		if err != nil {
			return nil, err
		}
		out = append(out, termDocs{term: e.Term, docs: docs})
	}
}

// postingsBitmap returns the documents of a postings iterator as a bitmap of its own.
func postingsBitmap(it segment.PostingsIterator) (*roaring.Bitmap, error) {
	if opt, ok := it.(segment.OptimizablePostingsIterator); ok {
		if bm := opt.ActualBitmap(); bm != nil {
			return bm.Clone(), nil
		}
		if num, ok := opt.DocNum1Hit(); ok {
			return roaring.BitmapOf(uint32(num)), nil
		}
	}
	bm := roaring.New()
	for {
		posting, err := it.Next()
		if err != nil {
			return nil, err
		}
		if posting == nil {
			return bm, nil
		}
		bm.Add(uint32(posting.Number()))
	}
}
