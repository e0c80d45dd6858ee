package matcher

import "runtime"

// SetWorkers bounds the goroutines that a Monitor built on this scorer compiles profiles
// and matches notices with (all cores when n <= 0). A server sets it below the number of
// cores, so that a nightly run leaves a core to the members reading their matches meanwhile:
// Go's scheduler has no priorities, and a request waits behind every busy goroutine.
// Set it before building Monitors.
func (s *Scorer) SetWorkers(n int) { s.workers = n }

func (s *Scorer) workerCount() int {
	if s.workers > 0 {
		return s.workers
	}
	return runtime.GOMAXPROCS(0)
}
