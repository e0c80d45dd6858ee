package index

import (
	"runtime"
	"sync/atomic"

	"github.com/blevesearch/bleve/v2"
)

// SetWriters bounds how many segments Index builds at once (all cores when n <= 0). A
// server sets it below the number of cores so that a run's indexing leaves a core to the
// searches going on meanwhile: Go's scheduler has no priorities, and a search waits behind
// every busy goroutine.
func (ix *Index) SetWriters(n int) { ix.writers.Store(int32(n)) }

func (ix *Index) writerCount() int {
	if n := int(ix.writers.Load()); n > 0 {
		return n
	}
	return runtime.GOMAXPROCS(0)
}

// SetAnalysisWorkers sets how many goroutines analyse the text of documents being indexed,
// for every index of the process (bleve's analysis queue is process-wide; 4 by default).
// With fewer than the cores, a batch being indexed no longer takes them all. It acts only
// before the process opens its first index, and reports whether it did: bleve closes the
// queue it replaces, which an open index would go on using.
func SetAnalysisWorkers(n int) bool {
	if n <= 0 || opened.Load() {
		return false
	}
	bleve.Config.SetAnalysisQueueSize(n)
	return true
}

// opened is set once the process has opened or created an index.
var opened atomic.Bool
