package acd

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// benchEngine builds nq queues (each requiring one of 50 skills, random
// strategy mix without ring_all), na agents with 5 skills each, all logged in
// and talking, and nc waiting callers spread over the queues.
func benchEngine(b *testing.B, na, nq, nc int) (*Engine, time.Time) {
	r := rand.New(rand.NewPCG(3, 4))
	strats := []string{"longest_idle", "round_robin", "fewest_calls", "least_talk_time", "random", "best_skill"}
	cfg := Config{Rand: rand.New(rand.NewPCG(5, 6))}
	for i := 0; i < nq; i++ {
		cfg.Queues = append(cfg.Queues, QueueConfig{Name: fmt.Sprintf("q%d", i), Strategy: strats[i%len(strats)],
			Skills: map[string]int{fmt.Sprintf("s%d", i%50): 1 + i%3}, JoinEmpty: true})
	}
	for i := 0; i < na; i++ {
		sk := map[string]int{}
		for len(sk) < 5 {
			sk[fmt.Sprintf("s%d", r.IntN(50))] = 3 + r.IntN(8)
		}
		cfg.Agents = append(cfg.Agents, AgentConfig{ID: fmt.Sprintf("a%d", i), Skills: sk})
	}
	e, err := New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	now := t0
	for i := 0; i < na; i++ {
		e.Step(now, AgentLogin{AgentID: fmt.Sprintf("a%d", i), Reason: "break"})
	}
	for i := 0; i < nc; i++ {
		e.Step(now, CallerJoined{CallID: fmt.Sprintf("w%d", i), Queue: fmt.Sprintf("q%d", r.IntN(nq)), Priority: r.IntN(3)})
	}
	// Every agent becomes ready and takes a call, so the pool is busy and
	// nc callers remain waiting.
	for i := 0; i < na; i++ {
		id := fmt.Sprintf("a%d", i)
		for _, a := range e.Step(now, AgentReady{AgentID: id}) {
			if o, ok := a.(Offer); ok {
				e.Step(now, OfferAnswered{OfferID: o.OfferID})
			}
		}
	}
	for i := 0; i < nc; i++ { // refill to nc waiting
		e.Step(now, CallerJoined{CallID: fmt.Sprintf("x%d", i), Queue: fmt.Sprintf("q%d", r.IntN(nq)), Priority: r.IntN(3)})
		if len(e.callers) >= nc {
			break
		}
	}
	return e, now
}

// BenchmarkDecision measures one routing cycle: an agent finishes a call (its
// wrap-up is 0), the engine picks the most urgent caller across the agent's
// queues and offers it, the offer is answered, and a new caller joins a queue
// (which, with no agent free, only queues it). Each op is therefore two
// decisions plus an answer.
func BenchmarkDecision(b *testing.B) {
	for _, sz := range []struct{ agents, queues, callers int }{
		{100, 5, 200}, {1000, 50, 2000}, {10000, 500, 20000},
	} {
		b.Run(fmt.Sprintf("agents=%d/queues=%d/waiting=%d", sz.agents, sz.queues, sz.callers), func(b *testing.B) {
			e, now := benchEngine(b, sz.agents, sz.queues, sz.callers)
			ids := make([]string, sz.agents)
			for i := range ids {
				ids[i] = fmt.Sprintf("a%d", i)
			}
			joins := make([]CallerJoined, 4096)
			for i := range joins {
				joins[i] = CallerJoined{Queue: fmt.Sprintf("q%d", i%sz.queues), Priority: i % 3}
			}
			callIDs := make([]string, 1<<16)
			for i := range callIDs {
				callIDs[i] = fmt.Sprintf("n%d", i)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				a := e.agents[ids[i%len(ids)]]
				if a.state != Talking {
					continue
				}
				acts := e.Step(now, CallEnded{AgentID: a.id})
				var oid uint64
				for _, x := range acts {
					if o, ok := x.(Offer); ok {
						oid = o.OfferID
					}
				}
				if oid != 0 {
					e.Step(now, OfferAnswered{OfferID: oid})
				}
				j := joins[i%len(joins)]
				j.CallID = callIDs[i%len(callIDs)]
				if e.callers[j.CallID] != nil {
					j.CallID += "x"
				}
				e.Step(now, j)
			}
			b.StopTimer()
			if err := checkInvariants(e); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(len(e.callers)), "waiting")
		})
	}
}
