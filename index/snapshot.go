package index

import (
	"context"
	"encoding/binary"
	"fmt"
	"sort"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"
	segment "github.com/blevesearch/scorch_segment_api/v2"
)

// Two things bleve does by reading the doc values of every hit are slow on 100k
// opportunities: facets (0.2 s for the six facets of an unfiltered listing) and sorting a
// large result by a field (25 ms for every opportunity by publication date). Both work
// better the other way round, from the terms, because the fields involved have few terms
// (facets) or are walked in order only until a page is full (sort keys):
//
//   - the hits of the query are collected once as one roaring bitmap per scorch segment
//     (no bitmap at all for an unfiltered listing: every live document);
//   - a facet count is the AND-cardinality of a term's postings bitmap with the hits;
//   - a field sort walks the sort-key terms in order and takes the hits each one holds.
//
// Ties keep the index order, as bleve's collector does, so that both ways give the same
// pages. This reaches into scorch (segments, postings bitmaps); it is checked against
// bleve's own results by TestFacetsAgreeWithBleve and TestSortAgreesWithBleve.

// snapshot is one query's view of a scorch index.
type snapshot struct {
	r       index.IndexReader
	segs    []*scorch.SegmentSnapshot
	offsets []uint64          // global number of each segment's first document, then the total
	hits    []*roaring.Bitmap // matching documents by segment-local number; nil: every live one
	terms   *facetTerms       // the facet fields' terms by segment; nil: read from the segments
	seg     int               // the segment of the last hit added
}

func openSnapshot(idx bleve.Index, terms *facetTerms) (*snapshot, error) {
	adv, err := idx.Advanced()
	if err != nil {
		return nil, err
	}
	r, err := adv.Reader()
	if err != nil {
		return nil, err
	}
	s, err := snapshotOf(r, terms)
	if err != nil {
		r.Close()
		return nil, err
	}
	return s, nil
}

// snapshotOf is the view of a reader the caller keeps open (and closes) itself.
func snapshotOf(r index.IndexReader, terms *facetTerms) (*snapshot, error) {
	snap, ok := r.(*scorch.IndexSnapshot)
	if !ok {
		return nil, fmt.Errorf("need a scorch index, not %T", r)
	}
	s := &snapshot{r: r, segs: snap.Segments(), terms: terms}
	// scorch numbers documents globally by concatenating its segments in order.
	s.offsets = make([]uint64, len(s.segs)+1)
	for i, seg := range s.segs {
		s.offsets[i+1] = s.offsets[i] + seg.Segment().Count()
	}
	return s, nil
}

func (s *snapshot) close() { s.r.Close() }

// collect runs q without scoring and keeps its hits.
func (s *snapshot) collect(ctx context.Context, m mapping.IndexMapping, q query.Query) error {
	if _, all := q.(*query.MatchAllQuery); all {
		s.hits = nil
		return nil
	}
	s.startHits()
	searcher, err := q.Searcher(ctx, s.r, m, search.SearcherOptions{Score: "none"})
	if err != nil {
		return err
	}
	defer searcher.Close()
	sctx := &search.SearchContext{
		DocumentMatchPool: search.NewDocumentMatchPool(searcher.DocumentMatchPoolSize(), 0),
		IndexReader:       s.r,
	}
	for n := 0; ; n++ {
		if n%8192 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		d, err := searcher.Next(sctx)
		if err != nil {
			return err
		}
		if d == nil {
			return nil
		}
		if err := s.addHit(d.IndexInternalID); err != nil {
			return err
		}
		sctx.DocumentMatchPool.Put(d)
	}
}

// startHits empties the hits, to be filled by addHit.
func (s *snapshot) startHits() {
	s.hits = make([]*roaring.Bitmap, len(s.segs))
	for i := range s.hits {
		s.hits[i] = roaring.New()
	}
	s.seg = 0
}

// addHit adds a document, by scorch's internal id, to the hits of its segment. Hits come
// in index order, so the segment is almost always the previous one's.
func (s *snapshot) addHit(id index.IndexInternalID) error {
	num := docNum(id)
	if num < s.offsets[s.seg] || num >= s.offsets[s.seg+1] {
		s.seg = sort.Search(len(s.segs), func(i int) bool { return s.offsets[i+1] > num })
		if s.seg == len(s.segs) {
			s.seg = 0
			return fmt.Errorf("document number %d beyond the %d segments", num, len(s.segs))
		}
	}
	s.hits[s.seg].Add(uint32(num - s.offsets[s.seg]))
	return nil
}

// segHits returns the hits of segment i (every live document when there is no filter).
func (s *snapshot) segHits(i int) *roaring.Bitmap {
	if s.hits != nil {
		return s.hits[i]
	}
	all := roaring.New()
	all.AddRange(0, s.segs[i].Segment().Count())
	if del := s.segs[i].Deleted(); del != nil {
		all.AndNot(del)
	}
	return all
}

// total counts the hits.
func (s *snapshot) total() uint64 {
	var n uint64
	for i, seg := range s.segs {
		if s.hits != nil {
			n += s.hits[i].GetCardinality()
			continue
		}
		n += seg.Segment().Count()
		if del := seg.Deleted(); del != nil {
			n -= del.GetCardinality()
		}
	}
	return n
}

// docNum decodes scorch's internal id: a big-endian document number.
func docNum(id index.IndexInternalID) uint64 {
	if len(id) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(id)
}

// postingsReader reads the postings of one field, segment by segment.
type postingsReader struct {
	dicts []segment.TermDictionary
	pl    segment.PostingsList
	it    segment.PostingsIterator
}

func (s *snapshot) newPostingsReader(field string) (*postingsReader, error) {
	p := &postingsReader{dicts: make([]segment.TermDictionary, len(s.segs))}
	for i, seg := range s.segs {
		d, err := seg.Segment().Dictionary(field)
		if err != nil {
			return nil, err
		}
		p.dicts[i] = d
	}
	return p, nil
}

// bitmap returns the live documents of segment i holding term, as a bitmap the caller
// must not modify, or nil when there are none.
func (p *postingsReader) bitmap(s *snapshot, i int, term string) (*roaring.Bitmap, error) {
	var err error
	// Postings without the segment's deleted documents.
	if p.pl, err = p.dicts[i].PostingsList([]byte(term), s.segs[i].Deleted(), p.pl); err != nil {
		return nil, err
	}
	if p.pl == nil || p.pl.Count() == 0 {
		return nil, nil
	}
	p.it = p.pl.Iterator(false, false, false, p.it)
	if opt, ok := p.it.(segment.OptimizablePostingsIterator); ok {
		if bm := opt.ActualBitmap(); bm != nil {
			return bm, nil
		}
		if num, ok := opt.DocNum1Hit(); ok {
			return roaring.BitmapOf(uint32(num)), nil
		}
	}
	bm := roaring.New()
	for {
		posting, err := p.it.Next()
		if err != nil {
			return nil, err
		}
		if posting == nil {
			return bm, nil
		}
		bm.Add(uint32(posting.Number()))
	}
}

// facets counts, for each facet of FacetNames, the hits holding each term.
func (s *snapshot) facets(ctx context.Context) (map[string]map[string]int, error) {
	out := make(map[string]map[string]int, len(FacetNames))
	for name, field := range FacetNames {
		counts, err := s.countField(ctx, field)
		if err != nil {
			return nil, fmt.Errorf("facet %s: %w", name, err)
		}
		out[name] = counts
	}
	return out, nil
}

func (s *snapshot) countField(ctx context.Context, field string) (map[string]int, error) {
	counts := map[string]int{}
	// Each segment's own terms, one segment after the other on this goroutine: bleve's
	// FieldDict would merge every segment's dictionary on a goroutine each, which a search
	// then waits for behind every busy goroutine while a run indexes.
	for i := range s.segs {
		if s.hits != nil && s.hits[i].IsEmpty() {
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		terms, err := s.terms.of(s, i, field)
		if err != nil {
			return nil, err
		}
		del := s.segs[i].Deleted()
		for _, t := range terms {
			switch {
			case s.hits != nil: // hits hold no deleted document
				counts[t.term] += int(t.docs.AndCardinality(s.hits[i]))
			case del != nil:
				counts[t.term] += int(t.docs.GetCardinality() - t.docs.AndCardinality(del))
			default:
				counts[t.term] += int(t.docs.GetCardinality())
			}
		}
	}
	for term, n := range counts {
		if n == 0 {
			delete(counts, term)
		}
	}
	return counts, nil
}

// sortTermBudget bounds the sort-key terms a field sort walks before it gives up and
// lets bleve's collector sort (hits too sparse for the walk to pay).
const sortTermBudget = 4000

// sorted returns the ids of hits offset to offset+limit in the order of the sort-key
// field (ascending; descending orders have their own reversed keys), documents without
// the field last. ok is false when the walk gave up (see sortTermBudget).
func (s *snapshot) sorted(ctx context.Context, field string, offset, limit int) (ids []string, ok bool, err error) {
	need := offset + limit
	var nums []uint64
	taken := make([]*roaring.Bitmap, len(s.segs)) // hits with a key, by segment
	for i := range taken {
		taken[i] = roaring.New()
	}
	hits := make([]*roaring.Bitmap, len(s.segs))
	for i := range s.segs {
		hits[i] = s.segHits(i)
	}
	p, err := s.newPostingsReader(field)
	if err != nil {
		return nil, false, err
	}
	dict, err := s.r.FieldDict(field)
	if err != nil {
		return nil, false, err
	}
	defer dict.Close()
	full := false
	for walked := 0; !full; walked++ {
		if walked == sortTermBudget {
			return nil, false, nil
		}
		if walked%256 == 0 && ctx.Err() != nil {
			return nil, false, ctx.Err()
		}
		e, err := dict.Next()
		if err != nil {
			return nil, false, err
		}
		if e == nil {
			break
		}
		for i := range s.segs {
			if hits[i].IsEmpty() {
				continue
			}
			bm, err := p.bitmap(s, i, e.Term)
			if err != nil {
				return nil, false, err
			}
			if bm == nil {
				continue
			}
			in := roaring.And(bm, hits[i])
			taken[i].Or(in)
			for it := in.Iterator(); it.HasNext() && !full; {
				nums = append(nums, s.offsets[i]+uint64(it.Next()))
				full = len(nums) >= need
			}
			if full {
				break
			}
		}
	}
	// Documents without a key come last, in index order.
	for i := range s.segs {
		if full {
			break
		}
		rest := roaring.AndNot(hits[i], taken[i])
		for it := rest.Iterator(); it.HasNext() && !full; {
			nums = append(nums, s.offsets[i]+uint64(it.Next()))
			full = len(nums) >= need
		}
	}
	if offset >= len(nums) {
		return []string{}, true, nil
	}
	nums = nums[offset:]
	ids = make([]string, len(nums))
	id := make(index.IndexInternalID, 8)
	for k, n := range nums {
		binary.BigEndian.PutUint64(id, n)
		if ids[k], err = s.r.ExternalID(id); err != nil {
			return nil, false, err
		}
	}
	return ids, true, nil
}

// Segments is the number of scorch segments a search reads now: each costs every query
// term a postings lookup, so a run adding segments faster than scorch merges them slows
// searches down (a benchmark figure).
func (ix *Index) Segments() (int, error) {
	n := 0
	err := ix.with(func(idx bleve.Index) error {
		s, err := openSnapshot(idx, nil)
		if err != nil {
			return err
		}
		defer s.close()
		n = len(s.segs)
		return nil
	})
	return n, err
}
