package api

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/passerelle/passerelle"
)

// runCollector reads the run metrics from the store at each scrape, so that they survive a
// restart of the server: an alert on "no successful run for 26 h" needs only
// time() - passerelle_run_last_success_timestamp_seconds > 26*3600.
type runCollector struct {
	s *Server

	lastSuccess, lastDuration, lastStatus, pending *prometheus.Desc
}

// runStatuses are the values of the status label (one-hot).
var runStatuses = []passerelle.RunStatus{passerelle.RunRunning, passerelle.RunOK, passerelle.RunPartial, passerelle.RunFailed, passerelle.RunInterrupted}

func newRunCollector(s *Server) *runCollector {
	return &runCollector{s: s,
		lastSuccess: prometheus.NewDesc("passerelle_run_last_success_timestamp_seconds",
			"When the last run that went through (ok or partial) finished, Unix time; 0 if none.", nil, nil),
		lastDuration: prometheus.NewDesc("passerelle_run_last_duration_seconds",
			"How long the last finished run took.", nil, nil),
		lastStatus: prometheus.NewDesc("passerelle_run_last_status",
			"1 for the status of the last run, 0 for the others.", []string{"status"}, nil),
		pending: prometheus.NewDesc("passerelle_pending_opportunities",
			"Opportunities still to index and match (left by an interrupted run).", nil, nil),
	}
}

func (c *runCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.lastSuccess
	ch <- c.lastDuration
	ch <- c.lastStatus
	ch <- c.pending
}

// runsScanned bounds how far back a scrape looks for the last successful run.
const runsScanned = 200

func (c *runCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if n, err := c.s.store.CountPending(ctx); err == nil {
		ch <- prometheus.MustNewConstMetric(c.pending, prometheus.GaugeValue, float64(n))
	} else {
		ch <- prometheus.NewInvalidMetric(c.pending, err)
	}
	runs, err := c.s.store.Runs(ctx, runsScanned)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.lastSuccess, err)
		return
	}
	success := 0.0
	for _, r := range runs {
		if (r.Status == passerelle.RunOK || r.Status == passerelle.RunPartial) && r.Finished != nil {
			success = float64(r.Finished.UnixNano()) / 1e9
			break
		}
	}
	ch <- prometheus.MustNewConstMetric(c.lastSuccess, prometheus.GaugeValue, success)
	for _, r := range runs {
		if r.Finished != nil {
			ch <- prometheus.MustNewConstMetric(c.lastDuration, prometheus.GaugeValue, r.Finished.Sub(r.Started).Seconds())
			break
		}
	}
	if len(runs) > 0 {
		for _, st := range runStatuses {
			v := 0.0
			if runs[0].Status == st {
				v = 1
			}
			ch <- prometheus.MustNewConstMetric(c.lastStatus, prometheus.GaugeValue, v, string(st))
		}
	}
}

// ObserveRun counts each run that ends, by status, and each source that reported errors in
// it (the pipeline's RunObserver; cmd wires it).
func (s *Server) ObserveRun(r passerelle.Run) {
	s.metrics.runs.WithLabelValues(string(r.Status)).Inc()
	for _, src := range r.Sources {
		if len(src.Errors) > 0 {
			s.metrics.sourceFailures.WithLabelValues(src.Source).Inc()
		}
	}
}
