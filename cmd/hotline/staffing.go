package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/hotline/hotline/staffing"
	"github.com/hotline/hotline/store"
)

func staffingCmd() *cobra.Command {
	var (
		calls, shrinkage float64
		interval         time.Duration
		patience         time.Duration
		ahtFlag, slFlag  string
		format           string
		fromHistory      bool
		db, queue        string
		from, to         string
	)
	cmd := &cobra.Command{
		Use:   "staffing",
		Short: "Agents needed for a forecast (Erlang C, plus Erlang A with --patience)",
		Example: "  hotline staffing --calls 100 --interval 30m --aht 180 --sl 80/20 --shrinkage 0.3\n" +
			"  hotline staffing --calls 100 --aht 3m --sl 80/20 --patience 60s --format json",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			usage := func(format string, a ...any) error {
				return &exitError{code: 2, err: fmt.Errorf(format, a...)}
			}
			if fromHistory {
				return runStaffingHistory(cmd, db, queue, from, to, interval, ahtFlag, slFlag, shrinkage, format)
			}
			if !cmd.Flags().Changed("calls") {
				return usage("--calls is required (or --from-history)")
			}
			if math.IsNaN(calls) || math.IsInf(calls, 0) || calls < 0 {
				return usage("--calls: must be a number >= 0, got %v", calls)
			}
			if interval <= 0 {
				return usage("--interval: must be > 0, got %v", interval)
			}
			aht, err := parseStaffingAHT(ahtFlag)
			if err != nil {
				return usage("--aht: %v", err)
			}
			goal, target, err := parseStaffingSL(slFlag)
			if err != nil {
				return usage("--sl: %v", err)
			}
			if math.IsNaN(shrinkage) || shrinkage < 0 || shrinkage >= 1 {
				return usage("--shrinkage: must be a fraction in [0, 1), got %v", shrinkage)
			}
			if patience < 0 {
				return usage("--patience: must be > 0, got %v", patience)
			}
			if format != "table" && format != "json" {
				return usage("--format: must be table or json, got %q", format)
			}

			c, err := staffing.Plan(calls, interval, aht, target, goal, shrinkage)
			if err != nil {
				return err
			}
			var a *staffing.Result
			if patience > 0 {
				r, err := staffing.PlanErlangA(calls, interval, aht, target, goal, shrinkage, patience)
				if err != nil {
					return err
				}
				a = &r
			}
			in := staffingInputs{Calls: calls, Interval: interval.String(), AHT: aht.Seconds(),
				Goal: goal, Target: target.Seconds(), Shrinkage: shrinkage}
			if a != nil {
				in.Patience = patience.Seconds()
			}
			if format == "json" {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(struct {
					Inputs  staffingInputs   `json:"inputs"`
					ErlangC staffing.Result  `json:"erlang_c"`
					ErlangA *staffing.Result `json:"erlang_a,omitempty"`
				}{in, c, a})
			}
			return writeStaffingTable(cmd.OutOrStdout(), in, c, a)
		},
	}
	f := cmd.Flags()
	f.Float64Var(&calls, "calls", 0, "calls offered per interval (required)")
	f.DurationVar(&interval, "interval", 30*time.Minute, "forecast interval")
	f.StringVar(&ahtFlag, "aht", "180", "average handle time: seconds (180) or a duration (3m)")
	f.StringVar(&slFlag, "sl", "80/20", "service-level goal as percent/seconds: answer 80% within 20 s")
	f.Float64Var(&shrinkage, "shrinkage", 0, "fraction of paid time off the phones (0.3 = 30%)")
	f.DurationVar(&patience, "patience", 0, "average caller patience; adds an Erlang A plan (e.g. 60s)")
	f.StringVar(&format, "format", "table", "output format: table or json")
	f.BoolVar(&fromHistory, "from-history", false, "size each past interval from the stored calls (offered, AHT and patience measured)")
	f.StringVar(&db, "db", "./hotline.db", "with --from-history: database file")
	f.StringVar(&queue, "queue", "", "with --from-history: only this queue")
	f.StringVar(&from, "from", "", "with --from-history: start, 2026-11-22T00:00 (local) or RFC 3339; default 24h ago")
	f.StringVar(&to, "to", "", "with --from-history: end; default now")
	return cmd
}

func runStaffingHistory(cmd *cobra.Command, db, queue, fromS, toS string, interval time.Duration, ahtFlag, slFlag string,
	shrinkage float64, format string) error {
	usage := func(format string, a ...any) error { return &exitError{code: 2, err: fmt.Errorf(format, a...)} }
	to := time.Now()
	from := to.Add(-24 * time.Hour)
	var err error
	if fromS != "" {
		if from, err = parseWhen(fromS); err != nil {
			return usage("--from: %v", err)
		}
	}
	if toS != "" {
		if to, err = parseWhen(toS); err != nil {
			return usage("--to: %v", err)
		}
	}
	if !to.After(from) || interval <= 0 {
		return usage("--to must be after --from and --interval > 0")
	}
	aht, err := parseStaffingAHT(ahtFlag)
	if err != nil {
		return usage("--aht: %v", err)
	}
	goal, target, err := parseStaffingSL(slFlag)
	if err != nil {
		return usage("--sl: %v", err)
	}
	if shrinkage < 0 || shrinkage >= 1 {
		return usage("--shrinkage: must be a fraction in [0, 1), got %v", shrinkage)
	}
	plans, err := fromStore(db, func(st *store.Store) ([]historyPlan, error) {
		return planFromHistory(context.Background(), st, queue, from, to, interval, aht, target, goal, shrinkage)
	})
	if err != nil {
		return err
	}
	if format == "json" {
		enc := json.NewEncoder(cmd.OutOrStdout())
		enc.SetIndent("", "  ")
		return enc.Encode(plans)
	}
	return writeHistoryPlans(cmd.OutOrStdout(), plans)
}

// staffingInputs echoes the normalised inputs so JSON consumers need not
// re-parse flags.
type staffingInputs struct {
	Calls     float64 `json:"calls"`
	Interval  string  `json:"interval"`
	AHT       float64 `json:"aht_seconds"`
	Goal      float64 `json:"sl_goal"`
	Target    float64 `json:"sl_target_seconds"`
	Shrinkage float64 `json:"shrinkage"`
	Patience  float64 `json:"patience_seconds,omitempty"`
}

// parseStaffingAHT accepts bare seconds ("180", "92.5") as WFM forecasts
// quote them, or a Go duration ("3m").
func parseStaffingAHT(s string) (time.Duration, error) {
	var d time.Duration
	if secs, err := strconv.ParseFloat(s, 64); err == nil {
		if math.IsNaN(secs) || math.IsInf(secs, 0) {
			return 0, fmt.Errorf("invalid value %q", s)
		}
		d = time.Duration(secs * float64(time.Second))
	} else if d, err = time.ParseDuration(s); err != nil {
		return 0, fmt.Errorf("want seconds or a duration, got %q", s)
	}
	if d <= 0 {
		return 0, fmt.Errorf("must be > 0, got %q", s)
	}
	return d, nil
}

// parseStaffingSL parses "80/20" (percent answered / within seconds) into a
// goal fraction and target time; "80%/20s" is accepted too.
func parseStaffingSL(s string) (goal float64, target time.Duration, err error) {
	pct, secs, ok := strings.Cut(s, "/")
	if !ok {
		return 0, 0, fmt.Errorf("want percent/seconds such as 80/20, got %q", s)
	}
	p, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(pct), "%"), 64)
	if err != nil || !(p > 0 && p < 100) {
		return 0, 0, fmt.Errorf("percent must be between 0 and 100 (exclusive), got %q", pct)
	}
	secs = strings.TrimSpace(secs)
	if t, err := strconv.ParseFloat(secs, 64); err == nil {
		if math.IsNaN(t) || math.IsInf(t, 0) {
			return 0, 0, fmt.Errorf("invalid seconds %q", secs)
		}
		target = time.Duration(t * float64(time.Second))
	} else if target, err = time.ParseDuration(secs); err != nil {
		return 0, 0, fmt.Errorf("want seconds after the slash, got %q", secs)
	}
	if target < 0 {
		return 0, 0, fmt.Errorf("seconds must be >= 0, got %q", secs)
	}
	return p / 100, target, nil
}

func writeStaffingTable(w io.Writer, in staffingInputs, c staffing.Result, a *staffing.Result) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	head := "\tErlang C"
	if a != nil {
		head += fmt.Sprintf("\tErlang A (patience %gs)", in.Patience)
	}
	fmt.Fprintln(tw, head)
	row := func(label string, f func(r staffing.Result) string) {
		line := label + "\t" + f(c)
		if a != nil {
			line += "\t" + f(*a)
		}
		fmt.Fprintln(tw, line)
	}
	row("traffic (Erlangs)", func(r staffing.Result) string { return fmt.Sprintf("%.2f", r.Traffic) })
	row("agents needed", func(r staffing.Result) string { return strconv.Itoa(r.Agents) })
	row("P(wait)", func(r staffing.Result) string { return fmt.Sprintf("%.4f", r.PWait) })
	if a != nil {
		row("P(abandon)", func(r staffing.Result) string { return fmt.Sprintf("%.4f", r.PAbandon) })
	}
	row(fmt.Sprintf("service level (%g%% in %gs)", 100*in.Goal, in.Target),
		func(r staffing.Result) string { return fmt.Sprintf("%.2f%%", 100*r.ServiceLevel) })
	row("ASA", func(r staffing.Result) string { return fmt.Sprintf("%.2f s", r.ASA) })
	row("occupancy", func(r staffing.Result) string { return fmt.Sprintf("%.1f%%", 100*r.Occupancy) })
	row(fmt.Sprintf("rostered agents (shrinkage %g%%)", 100*in.Shrinkage),
		func(r staffing.Result) string { return strconv.Itoa(r.Rostered) })
	return tw.Flush()
}
