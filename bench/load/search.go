package main

import "math"

// Search steps a load level up until a step fails, then bisects between
// the last level that passed and the first that failed. Levels are whole
// numbers (calls per second, concurrent calls).
type Search struct {
	Start  float64 // first level tried
	Factor float64 // growth while steps pass (2 doubles)
	Max    float64 // never try above this
	Refine int     // bisection steps after the first failure
	// Precision stops bisecting once bad-good is at most this fraction of good.
	Precision float64

	good, bad float64 // highest pass, lowest failure (0: none yet)
	refined   int
	tried     int
}

// Next is the level to try, or false when the search is over.
func (s *Search) Next() (float64, bool) {
	if s.tried == 0 {
		return math.Min(s.Start, s.Max), true
	}
	if s.bad == 0 { // still climbing
		if s.good >= s.Max {
			return 0, false
		}
		return math.Min(math.Round(s.good*s.Factor), s.Max), true
	}
	if s.refined >= s.Refine {
		return 0, false
	}
	mid := math.Floor((s.good + s.bad) / 2)
	if mid <= s.good || s.bad-s.good <= math.Max(1, s.Precision*s.good) {
		return 0, false
	}
	return mid, true
}

// Record reports the outcome of a step at level.
func (s *Search) Record(level float64, pass bool) {
	if s.bad != 0 {
		s.refined++
	}
	s.tried++
	if pass {
		s.good = math.Max(s.good, level)
		return
	}
	if s.bad == 0 || level < s.bad {
		s.bad = level
	}
}

// Best is the highest level that passed (0 when none did).
func (s *Search) Best() float64 { return s.good }
