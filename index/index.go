package index

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"

	"github.com/passerelle/passerelle"
)

// batchSize bounds the documents held in memory by one bleve batch.
const batchSize = 1000

// openTimeout is how long Open waits for another process to release the index.
const openTimeout = "5s"

// Index is the bleve index of opportunities. It is safe for concurrent use; Reset and
// Close wait for searches and writes in progress.
type Index struct {
	dir string

	mu           sync.RWMutex
	idx          bleve.Index // nil once closed
	needsRebuild bool
	writers      atomic.Int32 // segment builders at once; all cores when zero (workers.go)
	facetTerms   *facetTerms  // facet fields' terms by segment (facet_terms.go)
}

// Open opens or creates the scorch index in dir. The mapping version is stored beside the
// data (bleve internal key). If it differs from MappingVersion, or the directory holds no
// readable index, Open recreates the index empty and NeedsRebuild reports true so that the
// caller reindexes from the store.
func Open(dir string) (*Index, error) {
	ix := &Index{dir: dir, facetTerms: newFacetTerms()}
	idx, rebuild, err := openOrCreate(dir)
	if err != nil {
		return nil, err
	}
	ix.idx, ix.needsRebuild = idx, rebuild
	return ix, nil
}

func openOrCreate(dir string) (idx bleve.Index, rebuild bool, err error) {
	opened.Store(true)
	if _, err := os.Stat(filepath.Join(dir, "index_meta.json")); errors.Is(err, os.ErrNotExist) {
		// No index here yet. An empty directory (made by the caller) is fine to reuse;
		// anything else is someone's data we will not delete.
		if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
			return nil, false, fmt.Errorf("index: open %s: directory is not empty and holds no bleve index", dir)
		}
		idx, err := create(dir)
		// A fresh index is "rebuilt" only if the store has opportunities: say so anyway,
		// reindexing an empty store costs nothing.
		return idx, true, err
	}
	// The timeout turns "another process has the index open" into an error, not a hang.
	idx, err = bleve.OpenUsing(dir, map[string]interface{}{"bolt_timeout": openTimeout})
	switch {
	case errors.Is(err, bleve.ErrorIndexMetaCorrupt), errors.Is(err, bleve.ErrorUnknownIndexType):
		// Derived data in a shape we cannot read: start again, the store has the truth.
		idx, err := recreate(dir)
		return idx, true, err
	case err != nil:
		return nil, false, fmt.Errorf("index: open %s: %w", dir, err)
	}
	v, err := idx.GetInternal([]byte(mappingKey))
	if err != nil {
		idx.Close()
		return nil, false, fmt.Errorf("index: read mapping version in %s: %w", dir, err)
	}
	if string(v) == strconv.Itoa(MappingVersion) {
		return idx, false, nil
	}
	if err := idx.Close(); err != nil {
		return nil, false, fmt.Errorf("index: close outdated index %s: %w", dir, err)
	}
	idx, err = recreate(dir)
	return idx, true, err
}

// recreate removes the index files in dir and creates an empty index.
func recreate(dir string) (bleve.Index, error) {
	if err := os.RemoveAll(dir); err != nil {
		return nil, fmt.Errorf("index: remove %s: %w", dir, err)
	}
	return create(dir)
}

func create(dir string) (bleve.Index, error) {
	m, err := NewMapping()
	if err != nil {
		return nil, fmt.Errorf("index: mapping: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(filepath.Clean(dir)), 0o755); err != nil {
		return nil, fmt.Errorf("index: create %s: %w", dir, err)
	}
	// bleve refuses an existing directory, even empty.
	if err := os.Remove(dir); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("index: create %s: %w", dir, err)
	}
	idx, err := bleve.NewUsing(dir, m, scorch.Name, scorch.Name, map[string]interface{}{"bolt_timeout": openTimeout})
	if err != nil {
		return nil, fmt.Errorf("index: create %s: %w", dir, err)
	}
	if err := idx.SetInternal([]byte(mappingKey), []byte(strconv.Itoa(MappingVersion))); err != nil {
		idx.Close()
		return nil, fmt.Errorf("index: store mapping version in %s: %w", dir, err)
	}
	return idx, nil
}

// NeedsRebuild reports whether Open (or nothing yet) found an index in the current mapping:
// true after creating or recreating it, until Reset.
func (ix *Index) NeedsRebuild() bool {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.needsRebuild
}

// Close flushes and closes the index. Closing twice is harmless.
func (ix *Index) Close() error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.idx == nil {
		return nil
	}
	err := ix.idx.Close()
	ix.idx = nil
	if err != nil {
		return fmt.Errorf("index: close %s: %w", ix.dir, err)
	}
	return nil
}

// Reset empties the index (close, remove, recreate), as `reindex` does before re-adding
// every opportunity. It clears NeedsRebuild: the caller is rebuilding.
func (ix *Index) Reset() error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.idx == nil {
		return errClosed
	}
	if err := ix.idx.Close(); err != nil {
		return fmt.Errorf("index: reset %s: %w", ix.dir, err)
	}
	ix.idx = nil
	idx, err := recreate(ix.dir)
	if err != nil {
		return err
	}
	ix.idx, ix.needsRebuild = idx, false
	return nil
}

var errClosed = errors.New("index: closed")

// with runs f with the open bleve index under the read lock.
func (ix *Index) with(f func(bleve.Index) error) error {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.idx == nil {
		return errClosed
	}
	return f(ix.idx)
}

// Index adds or replaces the given opportunities, in bleve batches of batchSize. An
// opportunity without an id is refused before anything is written; the context is checked
// between batches, so a cancelled call leaves the earlier batches indexed.
func (ix *Index) Index(ctx context.Context, ops []passerelle.Opportunity) error {
	for i := range ops {
		if ops[i].ID == "" {
			return passerelle.Errorf(passerelle.EINVALID, "index: opportunity #%d (title %q) has no id", i, ops[i].Title)
		}
	}
	return ix.with(func(idx bleve.Index) error {
		// Building a segment (analysis, then zap's encoding) is mostly one goroutine's work
		// per batch; writing two halves at once keeps both cores busy. Scorch takes batches
		// concurrently and introduces them one at a time.
		workers := min(ix.writerCount(), 1+len(ops)/minParallelBatch)
		if workers <= 1 {
			return ix.write(ctx, idx, ops)
		}
		errs := make(chan error, workers)
		per := (len(ops) + workers - 1) / workers
		for w := 0; w < workers; w++ {
			part := ops[min(w*per, len(ops)):min((w+1)*per, len(ops))]
			go func() { errs <- ix.write(ctx, idx, part) }()
		}
		var first error
		for w := 0; w < workers; w++ {
			if err := <-errs; err != nil && first == nil {
				first = err
			}
		}
		return first
	})
}

// minParallelBatch is the smallest share worth a goroutine of its own.
const minParallelBatch = 200

func (ix *Index) write(ctx context.Context, idx bleve.Index, ops []passerelle.Opportunity) error {
	b := idx.NewBatch()
	for i := range ops {
		if err := b.Index(ops[i].ID, toDoc(&ops[i])); err != nil {
			return fmt.Errorf("index: opportunity %s: %w", ops[i].ID, err)
		}
		if b.Size() >= batchSize {
			if err := flush(ctx, idx, b); err != nil {
				return err
			}
		}
	}
	return flush(ctx, idx, b)
}

// Delete removes the given ids; unknown ids are ignored.
func (ix *Index) Delete(ctx context.Context, ids []string) error {
	return ix.with(func(idx bleve.Index) error {
		b := idx.NewBatch()
		for _, id := range ids {
			b.Delete(id)
			if b.Size() >= batchSize {
				if err := flush(ctx, idx, b); err != nil {
					return err
				}
			}
		}
		return flush(ctx, idx, b)
	})
}

func flush(ctx context.Context, idx bleve.Index, b *bleve.Batch) error {
	if b.Size() == 0 {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("index: %w", err)
	}
	if err := idx.Batch(b); err != nil {
		return fmt.Errorf("index: write batch: %w", err)
	}
	b.Reset()
	return nil
}

// Compact merges the index into as few segments as possible, which makes searches faster
// after a bulk load (reindex). It blocks until done; searches and writes may go on meanwhile.
func (ix *Index) Compact(ctx context.Context) error {
	return ix.with(func(idx bleve.Index) error {
		adv, err := idx.Advanced()
		if err != nil {
			return fmt.Errorf("index: compact: %w", err)
		}
		s, ok := adv.(*scorch.Scorch)
		if !ok {
			return nil // not scorch: nothing we know how to merge
		}
		if err := s.ForceMerge(ctx, nil); err != nil {
			return fmt.Errorf("index: compact: %w", err)
		}
		return nil
	})
}

// Count returns the number of documents in the index.
func (ix *Index) Count() (uint64, error) {
	var n uint64
	err := ix.with(func(idx bleve.Index) error {
		var err error
		n, err = idx.DocCount()
		return err
	})
	return n, err
}

// IDs returns every document id, in no particular order (for `passerelle check`, which
// compares them with the store).
func (ix *Index) IDs(ctx context.Context) ([]string, error) {
	var ids []string
	err := ix.with(func(idx bleve.Index) error {
		adv, err := idx.Advanced()
		if err != nil {
			return fmt.Errorf("index: ids: %w", err)
		}
		r, err := adv.Reader()
		if err != nil {
			return fmt.Errorf("index: ids: %w", err)
		}
		defer r.Close()
		all, err := r.DocIDReaderAll()
		if err != nil {
			return fmt.Errorf("index: ids: %w", err)
		}
		defer all.Close()
		for n := 0; ; n++ {
			if n%4096 == 0 && ctx.Err() != nil {
				return fmt.Errorf("index: ids: %w", ctx.Err())
			}
			iid, err := all.Next()
			if err != nil {
				return fmt.Errorf("index: ids: %w", err)
			}
			if iid == nil {
				return nil
			}
			id, err := r.ExternalID(iid)
			if err != nil {
				return fmt.Errorf("index: ids: %w", err)
			}
			ids = append(ids, id)
		}
	})
	return ids, err
}
