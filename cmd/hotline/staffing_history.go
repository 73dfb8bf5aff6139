package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/hotline/hotline/report"
	"github.com/hotline/hotline/staffing"
	"github.com/hotline/hotline/store"
)

// historyPlan is one past interval: what was measured and the agents the
// same load would have needed for the service-level goal.
type historyPlan struct {
	Start    time.Time      `json:"start"`
	Queue    string         `json:"queue"`
	Offered  int            `json:"offered"`
	AHT      float64        `json:"aht_seconds"`
	Patience float64        `json:"patience_seconds,omitempty"` // measured: Σ waits / abandons
	ErlangC  staffingResult `json:"erlang_c"`
	ErlangA  staffingResult `json:"erlang_a,omitempty"`
}

type staffingResult struct {
	Agents       int     `json:"agents"`
	WithShrink   int     `json:"agents_with_shrinkage"`
	ServiceLevel float64 `json:"service_level"`
}

// planFromHistory sizes every interval of [from, to) from the stored calls:
// offered calls and handle time as measured (ahtDefault when an interval
// had no talk), and, where callers abandoned, their measured patience for
// Erlang A (the waits of every caller over the number who gave up: the
// estimate for exponential patience).
func planFromHistory(ctx context.Context, st *store.Store, queue string, from, to time.Time, interval, ahtDefault, target time.Duration,
	goal, shrinkage float64) ([]historyPlan, error) {
	calls, err := st.ListCalls(ctx, store.Filter{From: from.Add(-24 * time.Hour), To: to, Queue: queue})
	if err != nil {
		return nil, err
	}
	rows := report.QueueReport(calls, report.Options{From: from, To: to, Interval: interval, SLThreshold: target})
	var out []historyPlan
	for _, r := range rows {
		aht := r.AHT
		if aht <= 0 {
			aht = ahtDefault
		}
		p := historyPlan{Start: r.Start, Queue: r.Queue, Offered: r.Offered, AHT: aht.Seconds()}
		c, err := staffing.Plan(float64(r.Offered), interval, aht, target, goal, shrinkage)
		if err != nil {
			return nil, err
		}
		p.ErlangC = staffingResult{c.Agents, c.Rostered, c.ServiceLevel}
		if r.Abandoned > 0 {
			patience := (r.WaitAnswered + r.AvgAbandonWait*time.Duration(r.Abandoned)) / time.Duration(r.Abandoned)
			if patience > 0 {
				a, err := staffing.PlanErlangA(float64(r.Offered), interval, aht, target, goal, shrinkage, patience)
				if err != nil {
					return nil, err
				}
				p.Patience = patience.Seconds()
				p.ErlangA = staffingResult{a.Agents, a.Rostered, a.ServiceLevel}
			}
		}
		out = append(out, p)
	}
	return out, nil
}

func writeHistoryPlans(w io.Writer, plans []historyPlan) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "START\tQUEUE\tOFFERED\tAHT(s)\tAGENTS(C)\tWITH SHRINKAGE\tSL(C)\tPATIENCE(s)\tAGENTS(A)\t")
	for _, p := range plans {
		a, pat := "–", "–"
		if p.Patience > 0 {
			a, pat = fmt.Sprint(p.ErlangA.Agents), fmt.Sprintf("%.0f", p.Patience)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%.0f\t%d\t%d\t%.1f%%\t%s\t%s\t\n", p.Start.Format("2006-01-02 15:04"), p.Queue, p.Offered,
			p.AHT, p.ErlangC.Agents, p.ErlangC.WithShrink, p.ErlangC.ServiceLevel*100, pat, a)
	}
	return tw.Flush()
}
