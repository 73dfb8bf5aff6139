package wallboard

import (
	"testing"
	"time"

	"github.com/hotline/hotline/acd"
	"github.com/hotline/hotline/alert"
	"github.com/hotline/hotline/config"
	"github.com/hotline/hotline/cti"
)

const boardYAML = `
wallboard: { rolling: 10m, agent_alerts: { not_ready_above: 5m } }
agents:
  - { id: "1002", name: Bob, password: p, team: blue, skills: { support: 7 } }
  - { id: "1003", name: Carol, password: p, skills: { support: 5 }, alerts: { wrap_up_above: 30s } }
queues:
  - { name: support, skills: { support: 1 }, sl_threshold: 20s, alerts: { sl_below: 80, wait_above: 60s } }
`

func loadCfg(t *testing.T) *config.Config {
	t.Helper()
	cfg, err := config.LoadBytes("t.yaml", []byte(boardYAML), "")
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// A morning on a fake clock: answered and abandoned calls make the
// figures; a long waiter and a long wrap-up raise alerts.
func TestMonitorFiguresAndAlerts(t *testing.T) {
	cfg := loadCfg(t)
	t0 := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	m := NewMonitor()
	ev := func(kind string, s int, wait int) {
		m.Observe(cti.Event{Kind: kind, TS: at(s), Queue: "support", Wait: time.Duration(wait) * time.Second})
	}
	// Yesterday's call is outside today; 08:45 is inside today but outside the 10-minute window.
	m.Observe(cti.Event{Kind: cti.KindQueueJoined, TS: t0.Add(-10 * time.Hour), Queue: "support"})
	ev(cti.KindQueueJoined, -900, 0)
	ev(cti.KindAgentConnected, -890, 10) // in SL
	ev(cti.KindQueueJoined, 0, 0)
	ev(cti.KindAgentConnected, 30, 30) // outside SL
	ev(cti.KindQueueJoined, 40, 0)
	ev(cti.KindQueueAbandoned, 43, 3) // short: not in SL base or abandon rate
	ev(cti.KindQueueJoined, 50, 0)
	ev(cti.KindQueueAbandoned, 80, 30)
	ev(cti.KindQueueJoined, 100, 0) // still waiting

	snap := acd.Snapshot{At: at(110),
		Queues: []acd.QueueSnapshot{{Name: "support", Callers: []acd.CallerSnapshot{{CallID: "c5", Wait: 10 * time.Second}}}},
		Agents: []acd.AgentSnapshot{
			{ID: "1002", State: acd.Talking, Since: at(30), Queue: "support", Queues: []string{"support"}},
			{ID: "1003", State: acd.WrapUp, Since: at(95), Queues: []string{"support"}},
		}}
	st, changes := m.Step(at(120), cfg, snap, time.UTC)
	q := st.Queues[0]
	if q.Waiting != 1 || q.OldestMS != at(100).UnixMilli() {
		t.Errorf("waiting %d since %d, want 1 since %d", q.Waiting, q.OldestMS, at(100).UnixMilli())
	}
	if q.Agents["talking"] != 1 || q.Agents["wrap_up"] != 1 {
		t.Errorf("agents by state %v", q.Agents)
	}
	// today: 5 offered, 2 answered (1 in SL), 2 abandoned (1 short): SL 1/(2+2-1) = 33.3%, ASA 20 s, abandon 1/4 = 25%
	today := Figures{Offered: 5, Answered: 2, Abandoned: 2, Short: 1, AnsweredInSL: 1, SL: 100.0 / 3, SLKnown: true, ASA: 20, AbandonRate: 25}
	if q.Today != today {
		t.Errorf("today %+v\nwant  %+v", q.Today, today)
	}
	// rolling 10 min (from 08:52): 4 offered, 1 answered (not in SL), 2 abandoned (1 short): SL 0/2
	rolling := Figures{Offered: 4, Answered: 1, Abandoned: 2, Short: 1, SL: 0, SLKnown: true, ASA: 30, AbandonRate: 100.0 / 3}
	if q.Rolling != rolling {
		t.Errorf("rolling %+v\nwant    %+v", q.Rolling, rolling)
	}
	if len(changes) != 1 || changes[0].Alert.Kind != "sl_below" || !changes[0].Raised {
		t.Fatalf("changes %+v, want sl_below raised", changes)
	}
	if a := st.Agents[0]; a.ID != "1002" || a.Team != "blue" || a.State != "talking" || a.SinceMS != at(30).UnixMilli() {
		t.Errorf("agent view %+v", a)
	}

	// 60 s later the waiter is past 60 s and Carol's wrap-up past 30 s.
	snap.At = at(180)
	snap.Queues[0].Callers[0].Wait = 80 * time.Second
	_, changes = m.Step(at(180), cfg, snap, time.UTC)
	if got := kinds(changes); got != "+wait_above +wrap_up_above" {
		t.Errorf("changes %s", got)
	}
	// The caller is answered within the window: SL climbs to 1/3 still below 80; the wait alert clears.
	m.Observe(cti.Event{Kind: cti.KindAgentConnected, TS: at(181), Queue: "support", Wait: 81 * time.Second})
	snap.Queues[0].Callers = nil
	st, changes = m.Step(at(182), cfg, snap, time.UTC)
	if got := kinds(changes); got != "-wait_above" {
		t.Errorf("changes %s", got)
	}
	if len(st.Alerts) != 2 {
		t.Errorf("active %+v, want sl_below and wrap_up_above", st.Alerts)
	}
}

func kinds(cs []alert.Change) string {
	s := ""
	for _, c := range cs {
		if s != "" {
			s += " "
		}
		if c.Raised {
			s += "+"
		} else {
			s += "-"
		}
		s += c.Alert.Kind
	}
	return s
}

func TestDiffSendsOnlyChanges(t *testing.T) {
	now := time.Unix(1000, 0)
	a := State{Queues: []QueueView{{Name: "q1", Agents: map[string]int{}}, {Name: "q2", Agents: map[string]int{}}},
		Agents: []AgentView{{ID: "1", State: "ready"}, {ID: "2", State: "ready"}}}
	if msgs := Diff(a, a, now); len(msgs) != 0 {
		t.Fatalf("no change sent %d messages", len(msgs))
	}
	b := State{Queues: []QueueView{{Name: "q1", Waiting: 1, Agents: map[string]int{}}},
		Agents: []AgentView{{ID: "1", State: "ready"}, {ID: "2", State: "talking"}, {ID: "3", State: "ready"}}}
	var got []string
	for _, m := range Diff(a, b, now) {
		switch m.Type {
		case "queue":
			got = append(got, "queue "+m.Queue.Name)
		case "agent":
			got = append(got, "agent "+m.Agent.ID)
		default:
			got = append(got, m.Type+" "+m.Name)
		}
	}
	want := "[queue q1 queue_removed q2 agent 2 agent 3]"
	if s := fmtList(got); s != want {
		t.Errorf("diff %s, want %s", s, want)
	}
}

func fmtList(s []string) string {
	out := "["
	for i, x := range s {
		if i > 0 {
			out += " "
		}
		out += x
	}
	return out + "]"
}
