package main

import (
	"os"
	"runtime"

	"github.com/passerelle/passerelle/index"
)

// leaveACoreForReads bounds a run's heavy steps (text analysis, building index segments,
// matching) to all cores but one, for the commands that serve members while runs go on
// (serve, demo, bench api). Go's scheduler has no priorities: a request becomes runnable
// behind every busy goroutine, so a run on every core made a search wait hundreds of
// milliseconds; with a core left over, it is picked up at once. Command-line runs keep
// every core. It must come before open (bleve's analysis queue is set before an index opens).
//
// It also gives Go twice as many Ps as there are cores (unless GOMAXPROCS is set). The
// run has goroutines the worker bound does not reach (bleve's merger and persister, the
// garbage collector's workers, ingest's parsing), and with one P per core a request
// waited for a P behind them, up to a 10 ms preemption slice per hop, and a search makes
// several hops (one goroutine per index segment). With spare Ps every runnable goroutine
// has a thread, and the kernel's scheduler, which favours a thread that just woke (a
// request) over one that has been computing (the run), shares the cores at a finer
// grain. Measured by `bench api` on an otherwise idle 2-core machine: p99 during a run
// 66 → 23 ms (member matches) and 83 → 39 ms (search), the run 76 → 96 s.
func (p *Program) leaveACoreForReads() {
	cores := min(runtime.NumCPU(), runtime.GOMAXPROCS(0))
	if os.Getenv("GOMAXPROCS") == "" && cores > 1 {
		runtime.GOMAXPROCS(2 * cores)
	}
	p.runWorkers = max(1, cores-1)
	index.SetAnalysisWorkers(p.runWorkers)
}
