package main

import (
	"context"
	"errors"
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

func runReport(cmd *cobra.Command, f reportFlags, agents bool) error {
	kind := map[bool]string{true: "agent", false: "queue"}[agents]
	req := report.Request{Kind: kind, From: f.from, To: f.to, Interval: f.interval, Format: f.format,
		SL: f.sl, Short: f.short, Queue: f.queue, Agent: f.agent}
	st, err := store.Open(f.db)
	if err != nil {
		return err
	}
	defer st.Close()
	err = report.Run(context.Background(), st, req, time.Now(), cmd.OutOrStdout())
	if errors.Is(err, report.ErrUsage) {
		return &exitError{code: 2, err: err}
	}
	return err
}
