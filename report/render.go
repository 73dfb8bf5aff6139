package report

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/hotline/hotline/store"
)

// Request is a report as a person asks for it, on the command line or over
// the HTTP API: one code path reads, checks, loads and renders it for both.
type Request struct {
	Kind         string // queue or agent
	From, To     string // 2026-11-22T00:00 (local) or RFC 3339; default the last 24 h
	Interval     string // 15m, 30m, 1h, day, week, month or all
	Format       string // table, csv or json
	SL, Short    time.Duration
	Queue, Agent string
}

// ErrUsage marks a request's own mistakes (bad range, format, interval):
// the CLI exits 2 and the API answers 400.
var ErrUsage = errors.New("report: bad request")

func usage(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrUsage, fmt.Sprintf(format, a...))
}

// ParseWhen reads a local 2026-11-22T00:00[:00] or an RFC 3339 time.
func ParseWhen(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02T15:04"} {
		if t, err := time.ParseInLocation(layout, s, time.Local); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q: want 2026-12-25T09:00 or RFC 3339", s)
}

// ParseInterval reads an interval name or duration (0: one row).
func ParseInterval(s string) (time.Duration, error) {
	switch strings.ToLower(s) {
	case "", "all", "0":
		return 0, nil
	case "day":
		return Day, nil
	case "week":
		return Week, nil
	case "month":
		return Month, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, usage("interval %q: want 15m, 30m, 1h, day, week, month or all", s)
	}
	return d, nil
}

// options checks the request and turns it into Options.
func (r Request) options(now time.Time) (Options, error) {
	o := Options{From: now.Add(-24 * time.Hour), To: now, SLThreshold: r.SL, ShortAbandon: r.Short}
	for _, p := range []struct {
		name, v string
		t       *time.Time
	}{{"from", r.From, &o.From}, {"to", r.To, &o.To}} {
		if p.v == "" {
			continue
		}
		t, err := ParseWhen(p.v)
		if err != nil {
			return o, usage("%s %v", p.name, err)
		}
		*p.t = t
	}
	if !o.To.After(o.From) {
		return o, usage("to must be after from")
	}
	var err error
	if o.Interval, err = ParseInterval(r.Interval); err != nil {
		return o, err
	}
	if r.SL <= 0 {
		return o, usage("sl must be > 0")
	}
	if r.Short == 0 {
		o.ShortAbandon = -1 // the request's 0 means none; Options' 0 means the default
	}
	if r.Kind != "queue" && r.Kind != "agent" {
		return o, usage("report %q: want queue or agent", r.Kind)
	}
	if r.Format != "table" && r.Format != "csv" && r.Format != "json" {
		return o, usage("format %q: want table, csv or json", r.Format)
	}
	return o, nil
}

// Run checks r, loads what it needs from st and writes it to w.
func Run(ctx context.Context, st *store.Store, r Request, now time.Time, w io.Writer) error {
	o, err := r.options(now)
	if err != nil {
		return err
	}
	// Calls are stored by arrival but reported by queue join or answer,
	// which come later: look back a day so calls that arrived before
	// From but queued after it are not lost.
	calls, err := st.ListCalls(ctx, store.Filter{From: o.From.Add(-24 * time.Hour), To: o.To, Queue: r.Queue, Agent: r.Agent})
	if err != nil {
		return err
	}
	var t table
	if r.Kind == "agent" {
		states, err := st.AgentStates(ctx, store.Filter{From: o.From, To: o.To, Agent: r.Agent})
		if err != nil {
			return err
		}
		t = agentTable(AgentReport(calls, states, o))
	} else {
		t = queueTable(QueueReport(calls, o))
	}
	return t.write(w, r.Format)
}

// Column kinds decide how a value prints in each format.
const (
	kText = iota
	kInt
	kPct  // fraction: table "83.3%", csv 83.3, json 0.8333…
	kSecs // duration: table and csv seconds to 1 decimal, json seconds
	kTime
)

type column struct {
	name string
	kind int
}

type table struct {
	cols []column
	rows [][]any
}

func (t table) cell(v any, kind int, format string) string {
	switch kind {
	case kPct:
		if format == "table" {
			return strconv.FormatFloat(v.(float64)*100, 'f', 1, 64) + "%"
		}
		return strconv.FormatFloat(v.(float64)*100, 'f', 1, 64)
	case kSecs:
		return strconv.FormatFloat(v.(time.Duration).Seconds(), 'f', 1, 64)
	case kTime:
		if format == "table" {
			return v.(time.Time).Format("2006-01-02 15:04")
		}
		return v.(time.Time).Format(time.RFC3339)
	}
	return fmt.Sprint(v)
}

func (t table) write(w io.Writer, format string) error {
	switch format {
	case "json":
		out := make([]map[string]any, 0, len(t.rows))
		for _, r := range t.rows {
			m := map[string]any{}
			for i, c := range t.cols {
				switch v := r[i].(type) {
				case time.Duration:
					m[c.name] = v.Seconds()
				default:
					m[c.name] = v
				}
			}
			out = append(out, m)
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	case "csv":
		cw := csv.NewWriter(w)
		head := make([]string, len(t.cols))
		for i, c := range t.cols {
			head[i] = c.name
		}
		cw.Write(head)
		for _, r := range t.rows {
			rec := make([]string, len(r))
			for i, v := range r {
				rec[i] = t.cell(v, t.cols[i].kind, format)
			}
			cw.Write(rec)
		}
		cw.Flush()
		return cw.Error()
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	for _, c := range t.cols {
		name := strings.ToUpper(c.name)
		if c.kind == kSecs {
			name = strings.TrimSuffix(name, "_S") + "(s)"
		}
		fmt.Fprint(tw, name+"\t")
	}
	fmt.Fprintln(tw)
	for _, r := range t.rows {
		for i, v := range r {
			fmt.Fprint(tw, t.cell(v, t.cols[i].kind, format)+"\t")
		}
		fmt.Fprintln(tw)
	}
	return tw.Flush()
}

func queueTable(rows []QueueRow) table {
	t := table{cols: []column{
		{"start", kTime}, {"queue", kText}, {"offered", kInt}, {"answered", kInt}, {"abandoned", kInt},
		{"short_abandons", kInt}, {"timeouts", kInt}, {"no_agents", kInt}, {"answered_in_sl", kInt}, {"sl_base", kInt},
		{"answer_rate", kPct}, {"abandon_rate", kPct}, {"service_level", kPct},
		{"asa_s", kSecs}, {"longest_wait_s", kSecs}, {"avg_abandon_wait_s", kSecs}, {"avg_talk_s", kSecs}, {"aht_talk_only_s", kSecs},
	}}
	for _, r := range rows {
		t.rows = append(t.rows, []any{r.Start, r.Queue, r.Offered, r.Answered, r.Abandoned,
			r.ShortAbandons, r.Timeouts, r.NoAgents, r.AnsweredInSL, r.SLBase,
			r.AnswerRate, r.AbandonRate, r.ServiceLevel,
			r.ASA, r.LongestWait, r.AvgAbandonWait, r.AvgTalk, r.AHT})
	}
	return t
}

func agentTable(rows []AgentRow) table {
	t := table{cols: []column{
		{"start", kTime}, {"agent", kText}, {"answered", kInt}, {"talk_s", kSecs}, {"aht_talk_only_s", kSecs},
		{"logged_in_s", kSecs}, {"ready_s", kSecs}, {"busy_s", kSecs}, {"not_ready_s", kSecs},
		{"occupancy", kPct}, {"utilization", kPct},
	}}
	// One column per not-ready reason seen, so breaks and meals stay apart.
	seen := map[string]bool{}
	var reasons []string
	for _, r := range rows {
		for k := range r.NotReadyBy {
			if !seen[k] {
				seen[k] = true
				reasons = append(reasons, k)
			}
		}
	}
	sort.Strings(reasons)
	for _, k := range reasons {
		if k == "" {
			k = "unspecified"
		}
		t.cols = append(t.cols, column{"not_ready_" + k + "_s", kSecs})
	}
	for _, r := range rows {
		row := []any{r.Start, r.AgentID, r.Answered, r.Talk, r.AHT,
			r.LoggedIn, r.Ready, r.Busy, r.NotReady, r.Occupancy, r.Utilization}
		for _, k := range reasons {
			row = append(row, r.NotReadyBy[k])
		}
		t.rows = append(t.rows, row)
	}
	return t
}
