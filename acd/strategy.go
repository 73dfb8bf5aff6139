package acd

import (
	"fmt"
	"time"
)

// Candidate is what a strategy sees of a ready agent for one queue. Fields are
// fixed while the agent stays ready, which is what lets the engine keep ready
// agents in a heap ordered by the strategy.
type Candidate struct {
	AgentID     string
	IdleSince   time.Time     // when the agent last became ready
	LastOffered uint64        // id of the agent's last offer; 0 = never offered
	Calls       int           // calls answered since the engine started
	TalkTime    time.Duration // total talk time
	SkillScore  int           // sum of the agent's levels in the queue's skills
	RandKey     uint64        // drawn from Config.Rand each time the agent becomes ready
}

// Strategy orders ready agents for a queue: Less(a, b) means a is offered
// before b. Ties fall back to configuration order.
type Strategy interface {
	Less(a, b *Candidate) bool
}

// StrategyFunc adapts a function to Strategy.
type StrategyFunc func(a, b *Candidate) bool

// Less calls f.
func (f StrategyFunc) Less(a, b *Candidate) bool { return f(a, b) }

// RingAllStrategy offers each caller to every eligible ready agent at once.
type RingAllStrategy struct{}

// Less orders the simultaneous offers by longest idle.
func (RingAllStrategy) Less(a, b *Candidate) bool { return a.IdleSince.Before(b.IdleSince) }

// RingAll marks the strategy as ring-all to the engine.
func (RingAllStrategy) RingAll() bool { return true }

var (
	_ Strategy = StrategyFunc(nil)
	_ Strategy = RingAllStrategy{}
)

func longestIdle(a, b *Candidate) bool { return a.IdleSince.Before(b.IdleSince) }

var builtinStrategies = map[string]Strategy{
	"longest_idle": StrategyFunc(longestIdle),
	"round_robin":  StrategyFunc(func(a, b *Candidate) bool { return a.LastOffered < b.LastOffered }),
	"fewest_calls": StrategyFunc(func(a, b *Candidate) bool {
		if a.Calls != b.Calls {
			return a.Calls < b.Calls
		}
		return longestIdle(a, b)
	}),
	"least_talk_time": StrategyFunc(func(a, b *Candidate) bool {
		if a.TalkTime != b.TalkTime {
			return a.TalkTime < b.TalkTime
		}
		return longestIdle(a, b)
	}),
	"random": StrategyFunc(func(a, b *Candidate) bool { return a.RandKey < b.RandKey }),
	"best_skill": StrategyFunc(func(a, b *Candidate) bool {
		if a.SkillScore != b.SkillScore {
			return a.SkillScore > b.SkillScore
		}
		return longestIdle(a, b)
	}),
	"ring_all": RingAllStrategy{},
}

// RegisterStrategy makes s available by name to queues in the next
// Reconfigure (Config.Strategies does the same for New).
func (e *Engine) RegisterStrategy(name string, s Strategy) error {
	if s == nil {
		return ErrNilStrategy
	}
	if name == "" {
		return fmt.Errorf("%w: empty strategy name", ErrNoName)
	}
	e.extra[name] = s
	return nil
}
