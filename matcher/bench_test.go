package matcher

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	passerelle "github.com/passerelle/passerelle"
)

// BenchmarkMonitor is the nightly batch at the design's scale: 100,000 synthetic profiles,
// 3,000 new notices (target ≤ 1 s on 2 cores, ≤ 300 MiB for the profiles' index). One
// profile per member; PASSERELLE_BENCH_PROFILES=n gives members n profiles each (the same
// 100,000 profiles, on 100,000/n members).
func BenchmarkMonitor(b *testing.B) {
	r := DefaultRules()
	if x := os.Getenv("PASSERELLE_BENCH_MINSCORE"); x != "" {
		// To see how the batch scales with the number of kept matches.
		if _, err := fmt.Sscan(x, &r.Thresholds.MinScore); err != nil {
			b.Fatal(err)
		}
	}
	s, err := NewScorer(r, nil)
	if err != nil {
		b.Fatal(err)
	}
	members, ops := Synthetic(1, 100_000, 3_000)
	if x := os.Getenv("PASSERELLE_BENCH_PROFILES"); x != "" {
		// The same 100,000 profiles held by fewer members, n business lines each.
		var n int
		if _, err := fmt.Sscan(x, &n); err != nil || n < 1 {
			b.Fatalf("PASSERELLE_BENCH_PROFILES=%q: want a number of profiles per member", x)
		}
		members = foldProfiles(members, n)
	}
	if x := os.Getenv("PASSERELLE_BENCH_ABLATE"); x != "" {
		// To measure what a technique costs (names as eval --ablate takes them).
		if err := s.Ablate(strings.Split(x, ",")...); err != nil {
			b.Fatal(err)
		}
	}
	if os.Getenv("PASSERELLE_BENCH_NOCORPUS") == "" {
		// As the pipeline scores: word frequencies, learned concepts and inferred codes
		// from a corpus of the notices over the built-in bridge.
		c, _ := CorpusOf(DefaultBridge(), ops, false)
		s.SetCorpus(c)
	}
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	build0, wall0 := cpuSeconds(), time.Now()
	mon := NewMonitor(s, members)
	build, buildWall := cpuSeconds()-build0, time.Since(wall0).Seconds()
	runtime.GC()
	runtime.ReadMemStats(&after)
	heap := float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / (1 << 20)
	now := SyntheticNow()
	b.ResetTimer()
	var kept int
	var result, paused float64
	cpu0 := cpuSeconds()
	for i := 0; i < b.N; i++ {
		got, err := mon.Match(context.Background(), ops, now)
		if err != nil {
			b.Fatal(err)
		}
		kept = len(got)
		if i == 0 {
			// What the returned matches hold on the heap (scratch and garbage collected).
			b.StopTimer()
			p0 := cpuSeconds()
			runtime.GC()
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			result = float64(int64(m.HeapAlloc)-int64(after.HeapAlloc)) / (1 << 20)
			runtime.KeepAlive(got)
			paused += cpuSeconds() - p0
			b.StartTimer()
		}
	}
	// CPU time says more than wall time on a machine shared with other work; the
	// collection that measures the matches is not the batch's.
	b.ReportMetric((cpuSeconds()-cpu0-paused)/float64(b.N), "cpu-s/op")
	b.ReportMetric(heap, "MiB-index")
	b.ReportMetric(result, "MiB-matches")
	// Compiling 100,000 profiles (their CPV concepts through the vocabulary) is a cost of
	// its own: once per process or rules change, not per batch.
	b.ReportMetric(build, "build-cpu-s")
	b.ReportMetric(buildWall, "build-s")
	b.ReportMetric(float64(kept)/float64(len(members)), "matches/member")
	b.ReportMetric(float64(kept), "matches")
	b.ReportMetric(float64(mon.scanned())/float64(b.N), "scored")
	b.ReportMetric(float64(mon.candidates())/float64(b.N), "retrieved")
}

// foldProfiles makes members of n profiles each out of ms, one profile per member of ms
// (the first member's tier decides), keeping every profile.
func foldProfiles(ms []passerelle.Member, n int) []passerelle.Member {
	var out []passerelle.Member
	for i := 0; i < len(ms); i += n {
		m := ms[i]
		m.Profiles = nil
		for k := i; k < i+n && k < len(ms); k++ {
			p := ms[k].EffectiveProfiles()[0]
			p.ID = fmt.Sprint("p", k-i)
			m.Profiles = append(m.Profiles, p)
		}
		out = append(out, m)
	}
	return out
}

// cpuSeconds is the process's user+system CPU time.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
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
