package report

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// Column kinds decide how a value prints in each format.
const (
	kText = iota
	kInt
	kPct  // fraction: table "83.3%", csv 83.3, json 0.8333…
	kSecs // duration: table and csv seconds to 1 decimal, json seconds
	kTime
	kNum // float: table and csv 3 decimals, json as is
)

type column struct {
	name string
	kind int
}

// Table is a report ready to print as a text table, CSV or JSON. The CLI
// and the HTTP API print the same Table, so they show the same numbers.
type Table struct {
	cols []column
	rows [][]any
}

// Len is the number of rows.
func (t Table) Len() int { return len(t.rows) }

func (t Table) cell(v any, kind int, format string) string {
	switch kind {
	case kPct:
		if format == "table" {
			return strconv.FormatFloat(v.(float64)*100, 'f', 1, 64) + "%"
		}
		return strconv.FormatFloat(v.(float64)*100, 'f', 1, 64)
	case kSecs:
		return strconv.FormatFloat(v.(time.Duration).Seconds(), 'f', 1, 64)
	case kNum:
		return strconv.FormatFloat(v.(float64), 'f', 3, 64)
	case kTime:
		if format == "table" {
			return v.(time.Time).Format("2006-01-02 15:04")
		}
		return v.(time.Time).Format(time.RFC3339)
	}
	return fmt.Sprint(v)
}

// Formats are the output formats Write accepts.
var Formats = []string{"table", "csv", "json"}

// Records is the JSON form: one object per row, durations in seconds,
// rates as fractions.
func (t Table) Records() []map[string]any {
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
	return out
}

// Write prints the table as "table", "csv" or "json".
func (t Table) Write(w io.Writer, format string) error {
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(t.Records())
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

// QueueTable lays out queue rows.
func QueueTable(rows []QueueRow) Table {
	t := Table{cols: []column{
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

// notReadyReasons lists every reason seen, so breaks and meals get their
// own columns.
func notReadyReasons(rows []AgentRow) []string {
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
	return reasons
}

func agentCols(first column, rows []AgentRow) ([]column, []string) {
	cols := []column{
		{"start", kTime}, first, {"answered", kInt}, {"talk_s", kSecs}, {"aht_talk_only_s", kSecs},
		{"logged_in_s", kSecs}, {"ready_s", kSecs}, {"busy_s", kSecs}, {"not_ready_s", kSecs},
		{"occupancy", kPct}, {"utilization", kPct},
	}
	reasons := notReadyReasons(rows)
	for _, k := range reasons {
		if k == "" {
			k = "unspecified"
		}
		cols = append(cols, column{"not_ready_" + k + "_s", kSecs})
	}
	return cols, reasons
}

func agentCells(name string, r AgentRow, reasons []string) []any {
	row := []any{r.Start, name, r.Answered, r.Talk, r.AHT,
		r.LoggedIn, r.Ready, r.Busy, r.NotReady, r.Occupancy, r.Utilization}
	for _, k := range reasons {
		row = append(row, r.NotReadyBy[k])
	}
	return row
}

// AgentTable lays out agent rows, one column per not-ready reason seen.
func AgentTable(rows []AgentRow) Table {
	cols, reasons := agentCols(column{"agent", kText}, rows)
	t := Table{cols: cols}
	for _, r := range rows {
		t.rows = append(t.rows, agentCells(r.AgentID, r, reasons))
	}
	return t
}

// TeamTable lays out team rows like agent rows, with the agent count.
func TeamTable(rows []TeamRow) Table {
	ar := make([]AgentRow, len(rows))
	for i, r := range rows {
		ar[i] = r.AgentRow
	}
	cols, reasons := agentCols(column{"team", kText}, ar)
	t := Table{cols: append(cols[:2:2], append([]column{{"agents", kInt}}, cols[2:]...)...)}
	for _, r := range rows {
		c := agentCells(r.Team, r.AgentRow, reasons)
		t.rows = append(t.rows, append(c[:2:2], append([]any{r.Agents}, c[2:]...)...))
	}
	return t
}

// TrunkTable lays out trunk rows.
func TrunkTable(rows []TrunkRow) Table {
	t := Table{cols: []column{
		{"start", kTime}, {"trunk", kText}, {"offered", kInt}, {"answered", kInt}, {"abandoned", kInt},
		{"self_served", kInt}, {"channel_s", kSecs}, {"erlangs", kNum}, {"peak_concurrent", kInt},
	}}
	for _, r := range rows {
		t.rows = append(t.rows, []any{r.Start, r.Trunk, r.Offered, r.Answered, r.Abandoned,
			r.SelfServed, r.ChannelTime, r.Erlangs, r.PeakConcurrent})
	}
	return t
}

// IVRTable lays out flow and node rows; node rows follow their flow's.
func IVRTable(rows []IVRRow) Table {
	t := Table{cols: []column{
		{"start", kTime}, {"flow", kText}, {"node", kText}, {"sessions", kInt}, {"self_served", kInt},
		{"to_queue", kInt}, {"transferred", kInt}, {"caller_hangup", kInt}, {"errors", kInt}, {"unfinished", kInt},
		{"self_service_rate", kPct}, {"digits", kText},
	}}
	for _, r := range rows {
		t.rows = append(t.rows, []any{r.Start, r.Flow, r.Node, r.Sessions, r.SelfServed,
			r.ToQueue, r.Transferred, r.CallerHangup, r.Errors, r.Unfinished, r.SelfServiceRate, r.DigitsText()})
	}
	return t
}

// SurveyTable lays out survey rows.
func SurveyTable(rows []SurveyRow) Table {
	t := Table{cols: []column{
		{"start", kTime}, {"scope", kText}, {"name", kText}, {"question", kText}, {"answered", kInt},
		{"responses", kInt}, {"response_rate", kPct}, {"average", kNum}, {"top_box", kInt}, {"csat", kPct},
	}}
	for _, r := range rows {
		t.rows = append(t.rows, []any{r.Start, r.Scope, r.Name, r.Question, r.Answered,
			r.Responses, r.ResponseRate, r.Average, r.TopBox, r.CSAT})
	}
	return t
}
