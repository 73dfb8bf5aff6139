package acd

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"time"
)

// Config is the whole ACD configuration; Reconfigure takes a new one.
type Config struct {
	Queues []QueueConfig
	Agents []AgentConfig
	// NoAnswerLimit is how many consecutive ring-no-answers put an agent in
	// not_ready(no_answer). Default 1.
	NoAnswerLimit int
	// Reasons lists the allowed not-ready reason codes; empty allows any.
	// ReasonNoAnswer is always allowed.
	Reasons []string
	// Strategies adds routing strategies by name next to the built-ins.
	Strategies map[string]Strategy
	// Rand drives the random strategy; nil uses a fixed seed so runs repeat.
	Rand *rand.Rand
	// HandleSamples is the window of recent handle times behind EWT. Default 20.
	HandleSamples int
}

// QueueConfig describes one queue.
type QueueConfig struct {
	Name     string
	Strategy string         // default longest_idle
	Skills   map[string]int // required skill -> minimum level (1-10)
	// RingTimeout bounds an offer (reserved state). Default 15s.
	RingTimeout time.Duration
	// WrapUp is after-call work; 0 sends the agent straight back to ready.
	WrapUp  time.Duration
	MaxWait time.Duration // per queue segment; 0 = unlimited
	MaxLen  int           // callers in the queue (waiting or ringing); 0 = unlimited
	// JoinEmpty lets callers join while no member agent is logged in; when
	// false they get Release(no_agents).
	JoinEmpty bool
	// LeaveWhenEmpty releases waiting callers (not callback tickets) when the
	// last member agent logs out.
	LeaveWhenEmpty bool
	ExitKeys       map[string]string // DTMF digit -> IVR flow
	VIP            []VIPRule
	Overflow       []OverflowRule
	AnnounceEvery  time.Duration // position/EWT announcements; 0 = none
	// CallbackRingTimeout bounds a DialCallback offer. Default 60s.
	CallbackRingTimeout time.Duration
	// CallbackAttempts is how many failed callback dials release a ticket. Default 3.
	CallbackAttempts int
	// DefaultHandleTime seeds EWT until handle times are sampled. Default 3m.
	DefaultHandleTime time.Duration
}

// VIPRule raises the priority of callers whose ANI matches.
type VIPRule struct {
	ANIs     []string
	Prefixes []string
	Priority int
}

// OverflowRule fires once when a caller has waited After since its original
// arrival (CallerJoined.JoinedAt). Skill rules widen the agent pool; ToQueue or
// ToFlow moves the caller out of the queue.
type OverflowRule struct {
	After         time.Duration
	MinLevelDelta int            // lower every required minimum by this much (floor 1)
	LowerMin      map[string]int // set these minimums (only ever lowers)
	AddSkills     map[string]int // add or raise requirements
	ToQueue       string
	ToFlow        string
}

// AgentConfig describes one agent. An agent serves every queue whose skills it
// has at the queue's loosest level (base minimums after every overflow
// relaxation); each caller is offered only to members meeting its current
// requirement.
type AgentConfig struct {
	ID     string
	Skills map[string]int
}

type req struct {
	skill int
	level int
}

// compiled config, built before any state is touched so a bad reload changes nothing.
type compiled struct {
	cfg     Config
	queues  []*queueCfg
	byName  map[string]*queueCfg
	reasons map[string]bool
}

type queueCfg struct {
	QueueConfig
	strat   Strategy
	ringAll bool
	base    []req
	loose   []req
	rules   []OverflowRule
	exact   map[string]int
	pfx     []VIPRule
}

func (e *Engine) skillID(name string) int {
	if id, ok := e.skills[name]; ok {
		return id
	}
	id := len(e.skills)
	e.skills[name] = id
	return id
}

func (e *Engine) reqs(m map[string]int) ([]req, error) {
	out := make([]req, 0, len(m))
	for k, v := range m {
		if v < 1 || v > 10 {
			return nil, fmt.Errorf("%w: %s=%d", ErrBadSkillLevel, k, v)
		}
		out = append(out, req{e.skillID(k), v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].skill < out[j].skill })
	return out, nil
}

func (e *Engine) compile(cfg Config) (*compiled, error) {
	if cfg.NoAnswerLimit <= 0 {
		cfg.NoAnswerLimit = 1
	}
	if cfg.HandleSamples <= 0 {
		cfg.HandleSamples = 20
	}
	c := &compiled{cfg: cfg, byName: map[string]*queueCfg{}}
	if len(cfg.Reasons) > 0 {
		c.reasons = map[string]bool{ReasonNoAnswer: true}
		for _, r := range cfg.Reasons {
			c.reasons[r] = true
		}
	}
	for _, qc := range cfg.Queues {
		if qc.Name == "" {
			return nil, ErrNoName
		}
		if c.byName[qc.Name] != nil {
			return nil, fmt.Errorf("%w: %s", ErrDuplicateQueue, qc.Name)
		}
		q := &queueCfg{QueueConfig: qc}
		if q.Strategy == "" {
			q.Strategy = "longest_idle"
		}
		s := cfg.Strategies[q.Strategy]
		if s == nil {
			s = e.extra[q.Strategy]
		}
		if s == nil {
			s = builtinStrategies[q.Strategy]
		}
		if s == nil {
			return nil, fmt.Errorf("%w: %q in queue %s", ErrUnknownStrategy, q.Strategy, qc.Name)
		}
		q.strat = s
		if ra, ok := s.(interface{ RingAll() bool }); ok {
			q.ringAll = ra.RingAll()
		}
		if q.RingTimeout <= 0 {
			q.RingTimeout = 15 * time.Second
		}
		if q.CallbackRingTimeout <= 0 {
			q.CallbackRingTimeout = 60 * time.Second
		}
		if q.CallbackAttempts <= 0 {
			q.CallbackAttempts = 3
		}
		if q.DefaultHandleTime <= 0 {
			q.DefaultHandleTime = 3 * time.Minute
		}
		var err error
		if q.base, err = e.reqs(qc.Skills); err != nil {
			return nil, fmt.Errorf("queue %s: %w", qc.Name, err)
		}
		q.rules = append([]OverflowRule(nil), qc.Overflow...)
		sort.SliceStable(q.rules, func(i, j int) bool { return q.rules[i].After < q.rules[j].After })
		for _, r := range q.rules {
			if r.After <= 0 || (r.ToQueue != "" && r.ToFlow != "") {
				return nil, fmt.Errorf("queue %s: %w", qc.Name, ErrBadOverflow)
			}
			for _, m := range []map[string]int{r.LowerMin, r.AddSkills} {
				if _, err := e.reqs(m); err != nil {
					return nil, fmt.Errorf("queue %s overflow: %w", qc.Name, err)
				}
			}
		}
		// The loosest requirement decides membership: base with every relaxation.
		q.loose = applyRules(e, q.base, q.rules, len(q.rules), false)
		q.exact = map[string]int{}
		for _, v := range qc.VIP {
			for _, a := range v.ANIs {
				if p, ok := q.exact[a]; !ok || v.Priority > p {
					q.exact[a] = v.Priority
				}
			}
			if len(v.Prefixes) > 0 {
				q.pfx = append(q.pfx, v)
			}
		}
		c.queues = append(c.queues, q)
		c.byName[qc.Name] = q
	}
	for _, q := range c.queues {
		for _, r := range q.rules {
			if r.ToQueue != "" && c.byName[r.ToQueue] == nil {
				return nil, fmt.Errorf("queue %s overflow: %w: %s", q.Name, ErrUnknownQueue, r.ToQueue)
			}
		}
	}
	seen := map[string]bool{}
	for _, ac := range cfg.Agents {
		if ac.ID == "" {
			return nil, ErrNoName
		}
		if seen[ac.ID] {
			return nil, fmt.Errorf("%w: %s", ErrDuplicateAgent, ac.ID)
		}
		seen[ac.ID] = true
		if _, err := e.reqs(ac.Skills); err != nil {
			return nil, fmt.Errorf("agent %s: %w", ac.ID, err)
		}
	}
	return c, nil
}

// applyRules returns base after the first n skill rules. With adds=false only
// relaxations apply (used for membership).
func applyRules(e *Engine, base []req, rules []OverflowRule, n int, adds bool) []req {
	out := append([]req(nil), base...)
	for _, r := range rules[:n] {
		if r.MinLevelDelta != 0 {
			for i := range out {
				out[i].level = max(1, out[i].level-r.MinLevelDelta)
			}
		}
		for k, v := range r.LowerMin {
			id := e.skillID(k)
			for i := range out {
				if out[i].skill == id && v < out[i].level {
					out[i].level = max(1, v)
				}
			}
		}
		if adds {
			for k, v := range r.AddSkills {
				out = mergeReq(out, req{e.skillID(k), v}, true)
			}
		}
	}
	return out
}

// mergeReq sets r in the sorted list; raiseOnly keeps the higher level.
func mergeReq(list []req, r req, raiseOnly bool) []req {
	for i := range list {
		if list[i].skill == r.skill {
			if !raiseOnly || r.level > list[i].level {
				list[i].level = r.level
			}
			return list
		}
	}
	list = append(list, r)
	sort.Slice(list, func(i, j int) bool { return list[i].skill < list[j].skill })
	return list
}

// meets reports whether skills (sorted) satisfy need (sorted).
func meets(skills, need []req) bool {
	j := 0
	for _, n := range need {
		for j < len(skills) && skills[j].skill < n.skill {
			j++
		}
		if j == len(skills) || skills[j].skill != n.skill || skills[j].level < n.level {
			return false
		}
	}
	return true
}

func (q *queueCfg) vipPriority(ani string) (int, bool) {
	p, ok := q.exact[ani]
	for _, v := range q.pfx {
		for _, pre := range v.Prefixes {
			if strings.HasPrefix(ani, pre) && (!ok || v.Priority > p) {
				p, ok = v.Priority, true
			}
		}
	}
	return p, ok
}
