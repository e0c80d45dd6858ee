package main

import (
	"runtime"

	"github.com/passerelle/passerelle/index"
)

// leaveACoreForReads bounds a run's heavy steps (text analysis, building index segments,
// matching) to all cores but one, for the commands that serve members while runs go on
// (serve, demo, bench api). Go's scheduler has no priorities: a request becomes runnable
// behind every busy goroutine, so a run on every core made a search wait hundreds of
// milliseconds; with a core left over, it is picked up at once. Command-line runs keep
// every core. It must come before open (bleve's analysis queue is set before an index opens).
func (p *Program) leaveACoreForReads() {
	p.runWorkers = max(1, runtime.GOMAXPROCS(0)-1)
	index.SetAnalysisWorkers(p.runWorkers)
}
