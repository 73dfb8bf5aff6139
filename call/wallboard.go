package call

import (
	"context"
	"sort"
	"sync"
	"time"

	"github.com/hotline/hotline/alerts"
	"github.com/hotline/hotline/cti"
	"github.com/hotline/hotline/report"
	"github.com/hotline/hotline/store"
)

// Board is what the wallboard shows: per queue the live wait and today's
// and the last half hour's figures, per agent the state and time in it,
// and the alerts that hold.
type Board struct {
	At     time.Time      `json:"at"`
	Queues []BoardQueue   `json:"queues"`
	Agents []BoardAgent   `json:"agents"`
	Alerts []alerts.Alert `json:"alerts"`
}

// BoardQueue is one queue's line.
type BoardQueue struct {
	Name        string        `json:"name"`
	Waiting     int           `json:"waiting"`
	Ringing     int           `json:"ringing"`
	LongestWait float64       `json:"longest_wait_s"`
	LoggedIn    int           `json:"logged_in"`
	Ready       int           `json:"ready"`
	SLTarget    float64       `json:"sl_target,omitempty"`
	Today       BoardInterval `json:"today"`
	Last30m     BoardInterval `json:"last_30m"`
}

// BoardInterval are a period's figures.
type BoardInterval struct {
	Offered      int     `json:"offered"`
	Answered     int     `json:"answered"`
	Abandoned    int     `json:"abandoned"`
	ServiceLevel float64 `json:"service_level"`
	SLBase       int     `json:"sl_base"`
	ASA          float64 `json:"asa_s"`
	AbandonRate  float64 `json:"abandon_rate"`
}

// BoardAgent is one agent's line.
type BoardAgent struct {
	ID      string    `json:"id"`
	Name    string    `json:"name"`
	State   string    `json:"state"`
	Reason  string    `json:"reason,omitempty"`
	Since   time.Time `json:"since"`
	InState float64   `json:"in_state_s"`
	Queue   string    `json:"queue,omitempty"`
}

// boardStats caches the figures read from the store: the board refreshes
// every second, the history needs reading far less often.
type boardStats struct {
	mu     sync.Mutex
	at     time.Time
	today  map[string]BoardInterval
	last30 map[string]BoardInterval
}

const statsEvery = 5 * time.Second

func (sw *Switch) queueStats(ctx context.Context, now time.Time) (today, last30 map[string]BoardInterval) {
	s := &sw.stats
	s.mu.Lock()
	defer s.mu.Unlock()
	if now.Sub(s.at) < statsEvery && s.today != nil {
		return s.today, s.last30
	}
	y, m, d := now.Date()
	midnight := time.Date(y, m, d, 0, 0, 0, 0, now.Location())
	calls, err := sw.store.ListCalls(ctx, store.Filter{From: midnight.Add(-24 * time.Hour), To: now})
	if err != nil {
		sw.log.Warn("wallboard figures unavailable", "error", err)
		return s.today, s.last30
	}
	cfg := sw.cfg()
	sums := func(from time.Time) map[string]BoardInterval {
		out := map[string]BoardInterval{}
		for _, q := range cfg.Queues {
			o := report.Options{From: from, To: now, SLThreshold: q.SLThreshold.D()}
			var mine []store.Call
			for _, c := range calls {
				if c.Queue == q.Name {
					mine = append(mine, c)
				}
			}
			var b BoardInterval
			for _, r := range report.QueueReport(mine, o) {
				b = BoardInterval{Offered: r.Offered, Answered: r.Answered, Abandoned: r.Abandoned,
					ServiceLevel: r.ServiceLevel, SLBase: r.SLBase, ASA: r.ASA.Seconds(), AbandonRate: r.AbandonRate}
			}
			out[q.Name] = b
		}
		return out
	}
	s.today, s.last30, s.at = sums(midnight), sums(now.Add(-30*time.Minute)), now
	return s.today, s.last30
}

// board builds the wallboard's picture of the floor now.
func (sw *Switch) board(ctx context.Context, now time.Time) Board {
	snap := sw.acd.snapshot()
	today, last30 := sw.queueStats(ctx, now)
	cfg := sw.cfg()
	b := Board{At: now, Alerts: sw.alertEval.active()}
	for _, q := range snap.Queues {
		if q.Retired {
			continue
		}
		bq := BoardQueue{Name: q.Name, LoggedIn: q.LoggedIn, Ready: q.Ready, Today: today[q.Name], Last30m: last30[q.Name]}
		for _, c := range q.Callers {
			if c.Ticket {
				continue // a callback waits for its turn, not on the line
			}
			if c.Offered {
				bq.Ringing++
			} else {
				bq.Waiting++
			}
			// The engine's clock stops between its events: add the time
			// since the snapshot's moment.
			bq.LongestWait = max(bq.LongestWait, (c.Wait + now.Sub(snap.At)).Seconds())
		}
		if qc := sw.queueConfig(q.Name); qc != nil {
			bq.SLTarget = float64(qc.SLTarget) / 100
		}
		b.Queues = append(b.Queues, bq)
	}
	names := map[string]string{}
	for _, a := range cfg.Agents {
		names[a.ID] = a.Name
	}
	for _, a := range snap.Agents {
		ba := BoardAgent{ID: a.ID, Name: names[a.ID], State: a.State.String(), Reason: a.Reason, Since: a.Since, Queue: a.Queue}
		if !a.Since.IsZero() {
			ba.InState = now.Sub(a.Since).Seconds()
		}
		b.Agents = append(b.Agents, ba)
	}
	sort.Slice(b.Agents, func(i, j int) bool { return b.Agents[i].ID < b.Agents[j].ID })
	return b
}

// alertState guards the evaluator shared by the alert loop and the board.
type alertState struct {
	mu sync.Mutex
	ev *alerts.Evaluator
}

func (a *alertState) active() []alerts.Alert {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.ev == nil {
		return nil
	}
	return a.ev.Active()
}

// alertRules reads the thresholds from the configuration (reloads apply).
func (sw *Switch) alertRules() alerts.Rules {
	cfg := sw.cfg()
	r := alerts.Rules{Queues: map[string]alerts.QueueRules{}, NotReadyOver: cfg.Alerts.NotReady.D(), WrapUpOver: cfg.Alerts.WrapUp.D()}
	for _, q := range cfg.Queues {
		r.Queues[q.Name] = alerts.QueueRules{SLTarget: float64(q.SLTarget) / 100, WaitAbove: q.AlertWait.D()}
	}
	return r
}

// alertLoop evaluates the alerts every second and publishes each one
// raised or cleared on the bus (so CTI clients and webhooks get them).
func (sw *Switch) alertLoop(done <-chan struct{}) {
	sw.alertEval.mu.Lock()
	sw.alertEval.ev = alerts.New()
	sw.alertEval.mu.Unlock()
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
		}
		now := sw.now()
		b := sw.board(context.Background(), now)
		var f alerts.Floor
		for _, q := range b.Queues {
			f.Queues = append(f.Queues, alerts.QueueState{Name: q.Name, LongestWait: time.Duration(q.LongestWait * float64(time.Second)),
				ServiceLevel: q.Today.ServiceLevel, SLBase: q.Today.SLBase})
		}
		for _, a := range b.Agents {
			f.Agents = append(f.Agents, alerts.AgentState{ID: a.ID, State: a.State, Reason: a.Reason, Since: a.Since})
		}
		sw.alertEval.mu.Lock()
		raised, cleared := sw.alertEval.ev.Evaluate(now, sw.alertRules(), f)
		sw.alertEval.mu.Unlock()
		for _, a := range raised {
			sw.publish(cti.Event{Kind: "alert.raised", Queue: a.Queue, AgentID: a.Agent, Reason: a.Message, Data: map[string]string{"alert": a.Kind}})
			sw.log.Warn("alert raised", "alert", a.Kind, "queue", a.Queue, "agent", a.Agent, "message", a.Message)
		}
		for _, a := range cleared {
			sw.publish(cti.Event{Kind: "alert.cleared", Queue: a.Queue, AgentID: a.Agent, Reason: a.Message, Data: map[string]string{"alert": a.Kind}})
			sw.log.Info("alert cleared", "alert", a.Kind, "queue", a.Queue, "agent", a.Agent)
		}
	}
}
