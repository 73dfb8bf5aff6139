// Package staffing sizes agent groups for a queue from a call forecast, using
// Erlang C (callers wait forever) and Erlang A (callers abandon), as described
// in docs/metrics.md, section "Staffing (Erlang C)".
package staffing

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// Sentinel errors for Plan and PlanErlangA inputs; returned wrapped with the
// offending value, so test with errors.Is.
var (
	ErrCalls      = errors.New("staffing: calls must be a finite number >= 0")
	ErrInterval   = errors.New("staffing: interval must be > 0")
	ErrAHT        = errors.New("staffing: average handle time must be > 0")
	ErrTarget     = errors.New("staffing: service-level target time must be >= 0")
	ErrGoal       = errors.New("staffing: service-level goal must be in (0, 1)")
	ErrShrinkage  = errors.New("staffing: shrinkage must be in [0, 1)")
	ErrPatience   = errors.New("staffing: average patience must be > 0")
	ErrNoSolution = errors.New("staffing: no agent count up to the search limit meets the goal")
)

// maxExtraAgents bounds the search above the traffic so a pathological goal
// (e.g. 0.999999999999) cannot spin forever.
const maxExtraAgents = 1_000_000

// Result is the staffing outcome for one agent count.
type Result struct {
	Agents       int     `json:"agents"`        // agents on the phones (N)
	Traffic      float64 `json:"traffic"`       // offered load A in Erlangs
	PWait        float64 `json:"p_wait"`        // probability a caller queues at all
	ServiceLevel float64 `json:"service_level"` // fraction of offered calls answered within T
	ASA          float64 `json:"asa_seconds"`   // average speed of answer, seconds
	Occupancy    float64 `json:"occupancy"`     // fraction of agent time spent on calls
	Rostered     int     `json:"rostered"`      // agents to schedule after shrinkage
	// PAbandon is the probability an offered call abandons; always 0 under
	// Erlang C, which assumes infinite patience.
	PAbandon float64 `json:"p_abandon"`
}

// ErlangB returns the Erlang B blocking probability via the standard
// recursion B(n) = A·B(n−1) / (n + A·B(n−1)), which never forms Aⁿ or n!.
func ErlangB(agents int, traffic float64) float64 {
	if traffic <= 0 {
		if agents <= 0 {
			return 1
		}
		return 0
	}
	b := 1.0
	for n := 1; n <= agents; n++ {
		b = traffic * b / (float64(n) + traffic*b)
	}
	return b
}

// ErlangC returns the probability that a caller has to wait, for agents
// serving traffic Erlangs. It is derived from Erlang B
// (C = N·B / (N − A·(1 − B))) so it stays stable for thousands of agents.
// With agents <= traffic the queue grows without bound and every caller waits.
func ErlangC(agents int, traffic float64) float64 {
	if traffic <= 0 {
		if agents <= 0 {
			return 1
		}
		return 0
	}
	if float64(agents) <= traffic {
		return 1
	}
	b := ErlangB(agents, traffic)
	n := float64(agents)
	return n * b / (n - traffic*(1-b))
}

// traffic converts a forecast into offered load A = λ·AHT in Erlangs.
func traffic(calls float64, interval, aht time.Duration) float64 {
	return calls / interval.Seconds() * aht.Seconds()
}

// rostered grosses N up for shrinkage (breaks, training, absence). The small
// epsilon keeps float noise such as 14/0.7 = 20.000000000000004 from
// rostering an extra agent.
func rostered(agents int, shrinkage float64) int {
	return int(math.Ceil(float64(agents)/(1-shrinkage) - 1e-9))
}

func validate(calls float64, interval, aht, target time.Duration, goal, shrinkage float64) error {
	switch {
	case math.IsNaN(calls) || math.IsInf(calls, 0) || calls < 0:
		return fmt.Errorf("%w (got %v)", ErrCalls, calls)
	case interval <= 0:
		return fmt.Errorf("%w (got %v)", ErrInterval, interval)
	case aht <= 0:
		return fmt.Errorf("%w (got %v)", ErrAHT, aht)
	case target < 0:
		return fmt.Errorf("%w (got %v)", ErrTarget, target)
	case math.IsNaN(goal) || goal <= 0 || goal >= 1:
		// A goal of 1 is unreachable: some callers always wait when N is finite.
		return fmt.Errorf("%w (got %v)", ErrGoal, goal)
	case math.IsNaN(shrinkage) || shrinkage < 0 || shrinkage >= 1:
		return fmt.Errorf("%w (got %v)", ErrShrinkage, shrinkage)
	}
	return nil
}

// Evaluate returns the Erlang C figures for a fixed number of agents.
// Rostered equals Agents (no shrinkage is applied). When agents <= traffic the
// queue is unstable: PWait is 1, ServiceLevel 0, ASA +Inf and Occupancy 1.
func Evaluate(agents int, calls float64, interval, aht, target time.Duration) Result {
	a := traffic(calls, interval, aht)
	r := Result{Agents: agents, Traffic: a, Rostered: agents}
	if a <= 0 {
		r.ServiceLevel = 1
		if agents <= 0 {
			r.PWait = 1
		}
		return r
	}
	n := float64(agents)
	if n <= a {
		r.PWait, r.ServiceLevel, r.ASA, r.Occupancy = 1, 0, math.Inf(1), 1
		return r
	}
	ahtS := aht.Seconds()
	r.PWait = ErlangC(agents, a)
	r.ServiceLevel = 1 - r.PWait*math.Exp(-(n-a)*target.Seconds()/ahtS)
	r.ASA = r.PWait * ahtS / (n - a)
	r.Occupancy = a / n
	return r
}

// Plan returns the smallest agent count N > A whose Erlang C service level
// SL(T) = 1 − P(wait)·e^(−(N−A)·T/AHT) reaches slGoal, for calls arriving per
// interval with average handle time aht. With no calls it returns zero agents.
func Plan(calls float64, interval, aht, slTarget time.Duration, slGoal, shrinkage float64) (Result, error) {
	if err := validate(calls, interval, aht, slTarget, slGoal, shrinkage); err != nil {
		return Result{}, err
	}
	a := traffic(calls, interval, aht)
	if a == 0 {
		return Result{ServiceLevel: 1}, nil
	}
	// SL rises monotonically with N, so a linear scan from just above A finds
	// the minimum; the answer is within a few √A of A, so the scan is short.
	start := int(math.Floor(a)) + 1
	for n := start; n <= start+maxExtraAgents; n++ {
		r := Evaluate(n, calls, interval, aht, slTarget)
		if r.ServiceLevel >= slGoal {
			r.Rostered = rostered(n, shrinkage)
			return r, nil
		}
	}
	return Result{}, ErrNoSolution
}
