package main

import (
	"math"
	"sort"
)

// Percentile is the nearest-rank percentile p (0–100] of xs: the smallest
// value with at least p% of the samples at or below it. NaN when empty.
func Percentile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	rank := int(math.Ceil(p / 100 * float64(len(s))))
	rank = min(max(rank, 1), len(s))
	return s[rank-1]
}

// Summary is the usual latency triple.
type Summary struct {
	N             int
	P50, P95, P99 float64
}

// Summarize computes p50/p95/p99 of xs.
func Summarize(xs []float64) Summary {
	return Summary{N: len(xs), P50: Percentile(xs, 50), P95: Percentile(xs, 95), P99: Percentile(xs, 99)}
}
