package staffing

import (
	"fmt"
	"math"
	"time"
)

// Erlang A is the M/M/N+M queue (Palm 1943; the standard Garnett–Mandelbaum–
// Reiman 2002 model): Poisson arrivals λ = calls/interval, exponential service
// μ = 1/AHT and exponential caller patience θ = 1/avgPatience. Erlang C
// assumes callers never hang up and so overstates staff; Erlang A lets queued
// callers abandon, which is what the queue log actually shows.
//
// The number of callers in the system is a birth–death chain with death rate
// jμ for j <= N and Nμ + (j−N)θ above N, so with A = λ/μ
//
//	π_j     = π_0 · Aʲ/j!                          j <= N
//	π_{N+k} = π_N · ∏_{i=1..k} λ / (Nμ + iθ)       k >= 1
//
// (Σ_{j<=N} π_j = π_N / ErlangB(N, A), which avoids factorials.) By PASTA an
// arriving caller sees this distribution, hence
//
//	P(wait)    = Σ_{k>=0} π_{N+k}
//
// A caller arriving to state N+k has k callers ahead. While i are ahead it
// advances at rate Nμ + iθ (an answer or an abandonment ahead of it) and
// itself abandons at rate θ, so its chance of being answered telescopes to
// s_k = Nμ / (Nμ + (k+1)θ), and the sojourn in each position is independent of
// how it ends, giving
//
//	P(abandon) = Σ_k π_{N+k} · (1 − s_k)
//	ASA        = Σ_k π_{N+k} · s_k · Σ_{i=0..k} 1/(Nμ + (i+1)θ)  ÷  (1 − P(abandon))
//	occupancy  = A · (1 − P(abandon)) / N
//	SL(T)      = (1 − P(wait)) + Σ_k π_{N+k} · P(answered by T | k ahead)
//
// ASA averages over answered calls; SL counts abandoned calls as misses. The
// last term is the M/M/N+M waiting-time distribution of a tagged caller,
// evaluated by uniformization of its (finite, pure-death) position chain. The
// queue is truncated once the remaining tail is below 1e-16 of the total.
// As θ → 0 every formula reduces to its Erlang C counterpart.

// maxQueue caps the truncated queue. A distribution still carrying mass past a
// million queued callers is so overloaded that its service level is ~0, so
// such an agent count is reported as failing the goal.
const maxQueue = 1 << 20

// evalErlangA computes the Erlang A figures for agents N; ok is false when the
// queue is too overloaded to represent (see maxQueue).
func evalErlangA(agents int, lambda, mu, theta, target float64) (r Result, ok bool) {
	a := lambda / mu
	r = Result{Agents: agents, Traffic: a, Rostered: agents}
	if lambda <= 0 {
		r.ServiceLevel = 1
		return r, true
	}
	if agents <= 0 {
		// Nobody answers: every caller waits and eventually abandons.
		r.PWait, r.PAbandon = 1, 1
		return r, true
	}
	b := ErlangB(agents, a)
	if b < 1e-300 {
		// P(wait) is below floating-point resolution.
		r.ServiceLevel, r.Occupancy = 1, a/float64(agents)
		return r, true
	}
	nmu := float64(agents) * mu

	// log-weights of π_{N+k} relative to π_N; logs avoid overflow when the
	// queue mode is far out (N well below A with short patience).
	logw := []float64{0}
	maxLog, lw := 0.0, 0.0
	for k := 1; ; k++ {
		if k > maxQueue {
			return r, false
		}
		q := lambda / (nmu + float64(k)*theta)
		lw += math.Log(q)
		logw = append(logw, lw)
		maxLog = math.Max(maxLog, lw)
		// Past the mode the terms shrink at least geometrically by q, so the
		// remaining tail is at most w_k·q/(1−q).
		if q < 1 && lw+math.Log(q/(1-q)) < maxLog+math.Log(1e-17) {
			break
		}
	}

	p := make([]float64, len(logw))
	z := math.Exp(-maxLog) * (1/b - 1) // states with an idle agent
	for k, l := range logw {
		p[k] = math.Exp(l - maxLog)
		z += p[k]
	}
	var pWait, pAb, servedWait, h float64
	for k := range p {
		p[k] /= z
		pWait += p[k]
		c := nmu + float64(k+1)*theta
		s := nmu / c
		h += 1 / c
		pAb += p[k] * (1 - s)
		servedWait += p[k] * s * h
	}
	r.PWait = math.Min(pWait, 1)
	r.PAbandon = math.Min(pAb, 1)
	if r.PAbandon < 1 {
		r.ASA = servedWait / (1 - r.PAbandon)
	}
	r.Occupancy = math.Min(a*(1-r.PAbandon)/float64(agents), 1)
	r.ServiceLevel = math.Min(1-r.PWait+answeredWithin(p, nmu, theta, target), 1)
	return r, true
}

// answeredWithin returns Σ_k p[k]·P(answered within t | k ahead) for the
// tagged caller's position chain, by uniformization: the chain is run as a
// discrete chain at rate Λ and mixed with Poisson(Λt) weights. t is split so
// each slice has Λ·dt <= 20, keeping e^(−Λ·dt) far from underflow.
func answeredWithin(p []float64, nmu, theta, t float64) float64 {
	if t <= 0 {
		return 0
	}
	last := len(p) - 1
	rate := nmu + float64(last+1)*theta // fastest exit rate of any position
	adv := make([]float64, len(p))      // P(step moves the caller one place up)
	stay := make([]float64, len(p))     // P(step changes nothing)
	for i := range p {
		adv[i] = (nmu + float64(i)*theta) / rate
		stay[i] = 1 - (nmu+float64(i+1)*theta)/rate
	}
	slices := math.Max(1, math.Ceil(rate*t/20))
	x := rate * t / slices

	v := append([]float64(nil), p...)
	cur := make([]float64, len(p))
	acc := make([]float64, len(p))
	served := 0.0
	for range int(slices) {
		copy(cur, v)
		clear(acc)
		curServed, accServed := served, 0.0
		w, cum := math.Exp(-x), 0.0
		for n := 0; ; n++ {
			for i, c := range cur {
				acc[i] += w * c
			}
			accServed += w * curServed
			cum += w
			if (cum >= 1-1e-15 && float64(n) > x) || n > 10_000 {
				break
			}
			// One uniformized step; ascending i reads cur[i+1] before it is
			// overwritten. Mass lost from the vector is the caller abandoning.
			curServed += cur[0] * adv[0]
			for i := 0; i < last; i++ {
				cur[i] = cur[i]*stay[i] + cur[i+1]*adv[i+1]
			}
			cur[last] *= stay[last]
			w *= x / float64(n+1)
		}
		v, acc = acc, v
		served = accServed
	}
	return served
}

// PlanErlangA returns the smallest agent count whose Erlang A service level
// (calls answered within slTarget ÷ calls offered) reaches slGoal, given
// callers who abandon after avgPatience on average. Unlike Erlang C it may
// return N <= A, since abandonment keeps the queue finite.
func PlanErlangA(calls float64, interval, aht, slTarget time.Duration, slGoal, shrinkage float64, avgPatience time.Duration) (Result, error) {
	if err := validate(calls, interval, aht, slTarget, slGoal, shrinkage); err != nil {
		return Result{}, err
	}
	if avgPatience <= 0 {
		return Result{}, fmt.Errorf("%w (got %v)", ErrPatience, avgPatience)
	}
	lambda := calls / interval.Seconds()
	mu := 1 / aht.Seconds()
	theta := 1 / avgPatience.Seconds()
	if lambda == 0 {
		return Result{ServiceLevel: 1}, nil
	}
	eval := func(n int) (Result, bool) {
		r, ok := evalErlangA(n, lambda, mu, theta, slTarget.Seconds())
		return r, ok && r.ServiceLevel >= slGoal
	}

	// SL is monotone in N, so bracket the answer and bisect: each evaluation
	// can be costly for large queues. lo always fails (0 agents answer nobody).
	lo, hi := 0, max(1, int(math.Ceil(lambda/mu)))
	best, ok := eval(hi)
	for !ok {
		if hi > int(lambda/mu)+maxExtraAgents {
			return Result{}, ErrNoSolution
		}
		lo, hi = hi, hi*2
		best, ok = eval(hi)
	}
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		if r, ok := eval(mid); ok {
			hi, best = mid, r
		} else {
			lo = mid
		}
	}
	best.Traffic = traffic(calls, interval, aht) // same rounding as Plan
	best.Rostered = rostered(best.Agents, shrinkage)
	return best, nil
}
