package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/hotline/hotline/report"
	"github.com/hotline/hotline/store"
)

// reportFlags are shared by `report queue` and `report agent`.
type reportFlags struct {
	db, from, to, interval, format, queue, agent string
	sl, short                                    time.Duration
}

func reportCmd() *cobra.Command {
	var f reportFlags
	cmd := &cobra.Command{
		Use:   "report",
		Short: "Interval statistics per queue or per agent (definitions: docs/metrics.md)",
		Example: "  hotline report queue --from 2026-11-22T00:00 --to 2026-11-23T00:00 --interval 30m\n" +
			"  hotline report agent --interval day --format csv",
		Args: cobra.NoArgs,
	}
	pf := cmd.PersistentFlags()
	pf.StringVar(&f.db, "db", "./hotline.db", "database file")
	pf.StringVar(&f.from, "from", "", "start (inclusive), local time 2026-11-22T00:00 or RFC 3339; default 24h ago")
	pf.StringVar(&f.to, "to", "", "end (exclusive); default now")
	pf.StringVar(&f.interval, "interval", "1h", "15m, 30m, 1h, day, week, month, or all (one row for the range)")
	pf.StringVar(&f.format, "format", "table", "table, csv or json")
	pf.DurationVar(&f.sl, "sl", 20*time.Second, "service-level threshold T")
	pf.DurationVar(&f.short, "short-abandon", 5*time.Second, "abandons waiting less are short (excluded from rates)")
	pf.StringVar(&f.queue, "queue", "", "only this queue")
	pf.StringVar(&f.agent, "agent", "", "only this agent")
	cmd.AddCommand(
		&cobra.Command{
			Use: "queue", Short: "Offered, answered, abandoned, service level, ASA per queue and interval",
			Args: cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error { return runReport(cmd, f, false) },
		},
		&cobra.Command{
			Use: "agent", Short: "Answered calls, talk, state times, occupancy, utilization per agent and interval",
			Args: cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error { return runReport(cmd, f, true) },
		},
	)
	return cmd
}

func parseReportInterval(s string) (time.Duration, error) {
	switch strings.ToLower(s) {
	case "", "all", "0":
		return 0, nil
	case "day":
		return report.Day, nil
	case "week":
		return report.Week, nil
	case "month":
		return report.Month, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("--interval %q: want 15m, 30m, 1h, day, week, month or all", s)
	}
	return d, nil
}

func runReport(cmd *cobra.Command, f reportFlags, agents bool) error {
	usage := func(err error) error { return &exitError{code: 2, err: err} }
	now := time.Now()
	o := report.Options{From: now.Add(-24 * time.Hour), To: now, SLThreshold: f.sl, ShortAbandon: f.short}
	var err error
	for _, p := range []struct {
		name, v string
		t       *time.Time
	}{{"--from", f.from, &o.From}, {"--to", f.to, &o.To}} {
		if p.v == "" {
			continue
		}
		if *p.t, err = parseWhen(p.v); err != nil {
			return usage(fmt.Errorf("%s %q: want 2026-11-22T00:00 (local) or RFC 3339", p.name, p.v))
		}
	}
	if !o.To.After(o.From) {
		return usage(fmt.Errorf("--to must be after --from"))
	}
	if o.Interval, err = parseReportInterval(f.interval); err != nil {
		return usage(err)
	}
	if f.sl <= 0 {
		return usage(fmt.Errorf("--sl must be > 0"))
	}
	if f.format != "table" && f.format != "csv" && f.format != "json" {
		return usage(fmt.Errorf("--format %q: want table, csv or json", f.format))
	}
	if f.short == 0 {
		o.ShortAbandon = -1 // the flag's 0 means none; report.Options' 0 means the default
	}

	st, err := store.Open(f.db)
	if err != nil {
		return err
	}
	defer st.Close()
	ctx := context.Background()
	// Calls are stored by arrival but reported by queue join or answer,
	// which come later: look back a day so calls that arrived before
	// --from but queued after it are not lost.
	calls, err := st.ListCalls(ctx, store.Filter{From: o.From.Add(-24 * time.Hour), To: o.To, Queue: f.queue, Agent: f.agent})
	if err != nil {
		return err
	}
	var t table
	if agents {
		states, err := st.AgentStates(ctx, store.Filter{From: o.From, To: o.To, Agent: f.agent})
		if err != nil {
			return err
		}
		t = agentTable(report.AgentReport(calls, states, o))
	} else {
		t = queueTable(report.QueueReport(calls, o))
	}
	return t.write(cmd.OutOrStdout(), f.format)
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

func queueTable(rows []report.QueueRow) table {
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

func agentTable(rows []report.AgentRow) table {
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
