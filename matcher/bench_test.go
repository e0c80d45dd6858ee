package matcher

import (
	"context"
	"runtime"
	"testing"
)

// BenchmarkMonitor is the nightly batch at the design's scale: 100,000 synthetic profiles,
// 3,000 new notices (target ≤ 1 s on 2 cores, ≤ 300 MiB for the profiles' index).
func BenchmarkMonitor(b *testing.B) {
	s, err := NewScorer(DefaultRules(), nil)
	if err != nil {
		b.Fatal(err)
	}
	members, ops := Synthetic(1, 100_000, 3_000)
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	mon := NewMonitor(s, members)
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/(1<<20), "MiB-index")
	now := SyntheticNow()
	b.ResetTimer()
	var kept int
	for i := 0; i < b.N; i++ {
		got, err := mon.Match(context.Background(), ops, now)
		if err != nil {
			b.Fatal(err)
		}
		kept = len(got)
	}
	b.ReportMetric(float64(kept), "matches")
	b.ReportMetric(float64(mon.scanned())/float64(b.N), "scored")
}

func BenchmarkMonitorSmall(b *testing.B) {
	s, err := NewScorer(DefaultRules(), nil)
	if err != nil {
		b.Fatal(err)
	}
	members, ops := Synthetic(1, 20_000, 1_000)
	mon := NewMonitor(s, members)
	now := SyntheticNow()
	b.ResetTimer()
	var kept int
	for i := 0; i < b.N; i++ {
		got, err := mon.Match(context.Background(), ops, now)
		if err != nil {
			b.Fatal(err)
		}
		kept = len(got)
	}
	b.ReportMetric(float64(kept), "matches")
	b.ReportMetric(float64(mon.scanned())/float64(b.N), "scored")
}
