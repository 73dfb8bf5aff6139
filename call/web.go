package call

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/hotline/hotline/alert"
	"github.com/hotline/hotline/cti"
	"github.com/hotline/hotline/reportapi"
	"github.com/hotline/hotline/store"
	"github.com/hotline/hotline/wallboard"
)

// The switch's web side beyond the CTI: the live wallboard with its
// threshold alerts, and the report API. Tokens are read from the live configuration on every
// request, so a reload adds or revokes access at once.

func (sw *Switch) webTokens() []cti.Token {
	cfg := sw.cfg()
	out := make([]cti.Token, 0, len(cfg.CTI.Tokens))
	for _, t := range cfg.CTI.Tokens {
		out = append(out, cti.Token{Token: t.Token, Role: t.Role})
	}
	return out
}

// registerWeb adds the wallboard and the report API to mux and starts the
// board's monitor; it returns the function that stops it.
func (sw *Switch) registerWeb(mux *http.ServeMux) func() {
	hub := wallboard.NewHub(sw.now)
	wallboard.NewServer(hub, sw.webTokens).Register(mux)
	(&reportapi.Server{St: sw.store, Tokens: sw.webTokens, Teams: func() map[string]string { return sw.cfg().Teams() },
		Now: sw.now, Loc: time.Local, Log: sw.log}).Register(mux)
	return sw.runBoard(hub)
}

// boardDebounce gathers a burst of events into one board update; well
// inside the second within which a waiting caller must show.
const boardDebounce = 100 * time.Millisecond

// runBoard feeds bus events into the board's monitor and steps it after
// each burst and every second (waits and times in state grow without
// events), publishing alert edges on the bus for CTI clients and webhooks.
func (sw *Switch) runBoard(hub *wallboard.Hub) func() {
	m := wallboard.NewMonitor()
	loc := time.Local
	now := sw.now()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	calls, err := sw.store.ListCalls(ctx, store.Filter{From: wallboard.Midnight(now, loc).Add(-time.Hour), To: now})
	cancel()
	if err != nil {
		sw.log.Warn("wallboard: today's history not loaded", "error", err)
	}
	m.Seed(calls)
	sub, err := sw.bus.Subscribe(cti.Filter{}, 8192, 0)
	if err != nil {
		sw.log.Error("wallboard disabled", "error", err)
		return func() {}
	}
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		burst := time.NewTimer(time.Hour)
		burst.Stop()
		armed := false
		evs := sub.C()
		step := func() {
			t := sw.now()
			st, changes := m.Step(t, sw.cfg(), sw.acd.snapshot(), loc)
			for _, c := range changes {
				sw.publish(alertEvent(c))
				sw.log.Info("alert", "raised", c.Raised, "kind", c.Alert.Kind, "queue", c.Alert.Queue, "agent", c.Alert.AgentID,
					"value", c.Alert.Value, "limit", c.Alert.Limit)
			}
			hub.Publish(st, changes, t)
		}
		step()
		for {
			select {
			case <-quit:
				return
			case ev, ok := <-evs:
				if !ok { // cut off as too slow: keep the board on snapshots
					sw.log.Warn("wallboard: event feed lost; figures stop updating")
					evs = nil
					continue
				}
				if ev.Kind == cti.KindAlertRaised || ev.Kind == cti.KindAlertCleared {
					continue // our own
				}
				m.Observe(ev)
				if !armed {
					burst.Reset(boardDebounce)
					armed = true
				}
			case <-burst.C:
				armed = false
				step()
			case <-tick.C:
				step()
			}
		}
	}()
	return func() { close(quit); <-done; sub.Close() }
}

func alertEvent(c alert.Change) cti.Event {
	kind := cti.KindAlertCleared
	if c.Raised {
		kind = cti.KindAlertRaised
	}
	a := c.Alert
	return cti.Event{Kind: kind, Queue: a.Queue, AgentID: a.AgentID, Reason: a.Kind, Data: map[string]string{
		"value": strconv.FormatFloat(a.Value, 'f', 1, 64), "limit": strconv.FormatFloat(a.Limit, 'f', 1, 64),
		"since": a.Since.UTC().Format(time.RFC3339Nano),
	}}
}
