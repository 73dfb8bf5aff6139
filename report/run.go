package report

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hotline/hotline/store"
)

// Kinds of report, as named on the command line and in the HTTP API.
var Kinds = []string{"queue", "agent", "team", "trunk", "ivr", "survey"}

// Params are a report's parameters as text, from command-line flags or
// URL query parameters alike; empty means the default.
type Params struct {
	From, To     string // local time 2026-11-22T00:00 or RFC 3339; default the last 24 h
	Interval     string // 15m, 30m, 1h, day, week, month, all; default 1h
	SL           string // service-level threshold; default 20s
	ShortAbandon string // default 5s; 0 = none
	Queue, Agent string // filters (queue and agent reports)
	TopBox       string // survey: lowest satisfied digit; default 4
}

// ParamError is a bad parameter; Param is its name without dashes.
type ParamError struct{ Param, Msg string }

func (e *ParamError) Error() string { return e.Param + ": " + e.Msg }

// Request is a parsed report request.
type Request struct {
	Kind         string
	Options      Options
	Queue, Agent string
	TopBox       int
	Teams        map[string]string // agent id -> team, for team and survey reports
}

// ParseTime reads 2026-11-22T00:00[:00] in loc, or RFC 3339.
func ParseTime(s string, loc *time.Location) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q: want 2026-11-22T00:00 (local) or RFC 3339", s)
}

// ParseInterval reads 15m, 30m, 1h, day, week, month or all.
func ParseInterval(s string) (time.Duration, error) {
	switch strings.ToLower(s) {
	case "all", "0":
		return 0, nil
	case "", "1h":
		return time.Hour, nil
	case "day":
		return Day, nil
	case "week":
		return Week, nil
	case "month":
		return Month, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%q: want 15m, 30m, 1h, day, week, month or all", s)
	}
	return d, nil
}

// ParseRequest checks p for a report of kind; now and loc resolve the
// default range and local times.
func ParseRequest(kind string, p Params, now time.Time, loc *time.Location) (Request, error) {
	bad := func(param string, err error) (Request, error) {
		return Request{}, &ParamError{Param: param, Msg: err.Error()}
	}
	if !slices.Contains(Kinds, kind) {
		return bad("kind", fmt.Errorf("%q: want one of %s", kind, strings.Join(Kinds, ", ")))
	}
	r := Request{Kind: kind, Queue: p.Queue, Agent: p.Agent, TopBox: 4,
		Options: Options{From: now.Add(-24 * time.Hour), To: now, SLThreshold: 20 * time.Second, ShortAbandon: 5 * time.Second, Location: loc}}
	var err error
	if p.From != "" {
		if r.Options.From, err = ParseTime(p.From, loc); err != nil {
			return bad("from", err)
		}
	}
	if p.To != "" {
		if r.Options.To, err = ParseTime(p.To, loc); err != nil {
			return bad("to", err)
		}
	}
	if !r.Options.To.After(r.Options.From) {
		return bad("to", fmt.Errorf("must be after from"))
	}
	if r.Options.Interval, err = ParseInterval(p.Interval); err != nil {
		return bad("interval", err)
	}
	if p.SL != "" {
		if d, err := time.ParseDuration(p.SL); err != nil || d <= 0 {
			return bad("sl", fmt.Errorf("%q: want a positive duration such as 20s", p.SL))
		} else {
			r.Options.SLThreshold = d
		}
	}
	if p.ShortAbandon != "" {
		d, err := time.ParseDuration(p.ShortAbandon)
		if err != nil || d < 0 {
			return bad("short-abandon", fmt.Errorf("%q: want a duration such as 5s (0 = none)", p.ShortAbandon))
		}
		r.Options.ShortAbandon = d
		if d == 0 {
			r.Options.ShortAbandon = -1 // none; Options' zero means the default
		}
	}
	if p.TopBox != "" {
		n, err := strconv.Atoi(p.TopBox)
		if err != nil || n < 1 || n > 9 {
			return bad("top-box", fmt.Errorf("%q: want a digit 1-9", p.TopBox))
		}
		r.TopBox = n
	}
	return r, nil
}

// lookBack widens the stored-data query: calls are stored by arrival but
// reported by queue join or answer, which come later, and a survey is
// answered after its call.
const lookBack = 24 * time.Hour

// Run loads what the report needs from st and computes it.
func Run(ctx context.Context, st *store.Store, r Request) (Table, error) {
	o := r.Options
	calls := func(queue, agent string) ([]store.Call, error) {
		return st.ListCalls(ctx, store.Filter{From: o.From.Add(-lookBack), To: o.To, Queue: queue, Agent: agent})
	}
	agentRows := func(agent string) ([]AgentRow, error) {
		cs, err := calls("", agent)
		if err != nil {
			return nil, err
		}
		states, err := st.AgentStates(ctx, store.Filter{From: o.From, To: o.To, Agent: agent})
		if err != nil {
			return nil, err
		}
		return AgentReport(cs, states, o), nil
	}
	switch r.Kind {
	case "queue":
		cs, err := calls(r.Queue, r.Agent)
		if err != nil {
			return Table{}, err
		}
		return QueueTable(QueueReport(cs, o)), nil
	case "agent":
		rows, err := agentRows(r.Agent)
		if err != nil {
			return Table{}, err
		}
		return AgentTable(rows), nil
	case "team":
		rows, err := agentRows("")
		if err != nil {
			return Table{}, err
		}
		return TeamTable(TeamReport(rows, r.Teams)), nil
	case "trunk":
		cs, err := calls("", "")
		if err != nil {
			return Table{}, err
		}
		return TrunkTable(TrunkReport(cs, o)), nil
	case "ivr":
		cs, err := calls("", "")
		if err != nil {
			return Table{}, err
		}
		flows := map[string]string{}
		for _, c := range cs {
			flows[c.ID] = c.Flow
		}
		// A session that starts before To is followed to its end.
		evs, err := st.Events(ctx, store.Filter{From: o.From, To: o.To.Add(time.Hour), Kind: "ivr.*"})
		if err != nil {
			return Table{}, err
		}
		return IVRTable(IVRReport(evs, flows, o)), nil
	case "survey":
		cs, err := calls(r.Queue, r.Agent)
		if err != nil {
			return Table{}, err
		}
		evs, err := st.Events(ctx, store.Filter{From: o.From.Add(-lookBack), To: o.To.Add(lookBack), Kind: "survey.answered", Queue: r.Queue, Agent: r.Agent})
		if err != nil {
			return Table{}, err
		}
		return SurveyTable(SurveyReport(evs, cs, r.Teams, r.TopBox, o)), nil
	}
	return Table{}, &ParamError{Param: "kind", Msg: fmt.Sprintf("%q: unknown report", r.Kind)}
}
