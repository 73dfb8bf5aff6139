package report

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/hotline/hotline/store"
)

// IVRRow is one flow (Node "") or one node of a flow in one interval.
// An IVR session is a caller's run through the IVR, from its first node to
// its ivr.exited; a call has a second session when it takes a post-call
// survey. Sessions count in the interval where they started.
type IVRRow struct {
	Start, End time.Time
	Flow       string
	Node       string // "" for the flow's summary row
	// Sessions: flow rows count sessions that started in the flow; node
	// rows count visits to the node.
	Sessions int
	// Results of the sessions: flow rows by the flow they started in,
	// node rows by the node they were at when the session ended.
	SelfServed, ToQueue, Transferred, CallerHangup, Errors int
	Unfinished                                             int     // no ivr.exited stored (still running, or the switch stopped)
	SelfServiceRate                                        float64 // flow rows: self_served / sessions
	Digits                                                 map[string]int
}

// DigitsText renders the digit counts as "1:5 2:3", sorted by digits.
func (r IVRRow) DigitsText() string {
	keys := make([]string, 0, len(r.Digits))
	for k := range r.Digits {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s:%d", k, r.Digits[k])
	}
	return strings.Join(parts, " ")
}

// IVRReport computes flow and node rows from the stored ivr.* events
// (oldest first, as store.Events returns them). flowOf gives a call's
// entry flow for events stored without one (older history).
func IVRReport(events []store.Event, flowOf map[string]string, o Options) []IVRRow {
	o = o.norm()
	type session struct {
		start      time.Time
		flow, node string
		result     string
		visits     []string // flow\x00node
		digits     [][3]string
	}
	open := map[string]*session{}
	var done []*session
	flowOfEv := func(ev store.Event) string {
		if f := ev.Data["flow"]; f != "" {
			return f
		}
		return flowOf[ev.CallID]
	}
	for _, ev := range events {
		if !strings.HasPrefix(ev.Kind, "ivr.") || ev.CallID == "" {
			continue
		}
		s := open[ev.CallID]
		if s == nil {
			s = &session{start: ev.TS, flow: flowOfEv(ev)}
			open[ev.CallID] = s
		}
		switch ev.Kind {
		case "ivr.node":
			s.node = ev.Data["reason"]
			s.visits = append(s.visits, flowOfEv(ev)+"\x00"+s.node)
		case "ivr.digits":
			s.digits = append(s.digits, [3]string{flowOfEv(ev), ev.Data["reason"], ev.Data["digits"]})
		case "ivr.exited":
			s.result = ev.Data["reason"]
			done = append(done, s)
			delete(open, ev.CallID)
		}
	}
	for _, s := range open {
		done = append(done, s)
	}
	rows := map[rowKey]*IVRRow{}
	get := func(t time.Time, flow, node string) *IVRRow {
		s, e := o.bucket(t)
		k := rowKeyOf(s, flow+"\x00"+node)
		r := rows[k]
		if r == nil {
			r = &IVRRow{Start: s, End: e, Flow: flow, Node: node, Digits: map[string]int{}}
			rows[k] = r
		}
		return r
	}
	count := func(r *IVRRow, result string) {
		switch result {
		case "self_served":
			r.SelfServed++
		case "to_queue":
			r.ToQueue++
		case "transferred":
			r.Transferred++
		case "caller_hangup":
			r.CallerHangup++
		case "error":
			r.Errors++
		default:
			r.Unfinished++
		}
	}
	for _, s := range done {
		if !o.in(s.start) {
			continue
		}
		fr := get(s.start, s.flow, "")
		fr.Sessions++
		count(fr, s.result)
		for _, v := range s.visits {
			f, n, _ := strings.Cut(v, "\x00")
			get(s.start, f, n).Sessions++
		}
		for _, d := range s.digits {
			get(s.start, d[0], d[1]).Digits[d[2]]++
		}
		if s.node != "" && len(s.visits) > 0 {
			f, n, _ := strings.Cut(s.visits[len(s.visits)-1], "\x00")
			count(get(s.start, f, n), s.result)
		}
	}
	out := make([]IVRRow, 0, len(rows))
	for _, r := range rows {
		if r.Node == "" {
			r.SelfServiceRate = ratio(float64(r.SelfServed), float64(r.Sessions))
		}
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if !a.Start.Equal(b.Start) {
			return a.Start.Before(b.Start)
		}
		if a.Flow != b.Flow {
			return a.Flow < b.Flow
		}
		return a.Node < b.Node
	})
	return out
}
