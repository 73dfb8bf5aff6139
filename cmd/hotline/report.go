package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"github.com/hotline/hotline/config"
	"github.com/hotline/hotline/report"
	"github.com/hotline/hotline/store"
)

// reportFlags are shared by every `report` subcommand.
type reportFlags struct {
	db, config, from, to, interval, format, queue, agent string
	sl, short                                            time.Duration
	top                                                  int
}

func reportCmd() *cobra.Command {
	var f reportFlags
	cmd := &cobra.Command{
		Use:   "report",
		Short: "Interval statistics per queue, agent, team, trunk, IVR flow or survey (definitions: docs/metrics.md)",
		Example: "  hotline report queue --from 2026-11-22T00:00 --to 2026-11-23T00:00 --interval 30m\n" +
			"  hotline report agent --interval day --format csv\n" +
			"  hotline report team --config hotline.yaml --interval week",
		Args: cobra.NoArgs,
	}
	pf := cmd.PersistentFlags()
	pf.StringVar(&f.db, "db", "./hotline.db", "database file")
	pf.StringVar(&f.config, "config", "", "configuration file: agents' teams (team report, survey team rows)")
	pf.StringVar(&f.from, "from", "", "start (inclusive), local time 2026-11-22T00:00 or RFC 3339; default 24h ago")
	pf.StringVar(&f.to, "to", "", "end (exclusive); default now")
	pf.StringVar(&f.interval, "interval", "1h", "15m, 30m, 1h, day, week, month, or all (one row for the range)")
	pf.StringVar(&f.format, "format", "table", "table, csv or json")
	pf.DurationVar(&f.sl, "sl", 20*time.Second, "service-level threshold T")
	pf.DurationVar(&f.short, "short-abandon", 5*time.Second, "abandons waiting less are short (excluded from rates)")
	pf.StringVar(&f.queue, "queue", "", "only this queue (queue, survey)")
	pf.StringVar(&f.agent, "agent", "", "only this agent (queue, agent, survey)")
	pf.IntVar(&f.top, "top-box", 4, "survey: answers of this digit or more count as satisfied")
	sub := func(kind, short string) *cobra.Command {
		return &cobra.Command{Use: kind, Short: short, Args: cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error { return runReport(cmd, f, kind) }}
	}
	cmd.AddCommand(
		sub("queue", "Offered, answered, abandoned, service level, ASA per queue and interval"),
		sub("agent", "Answered calls, talk, state times, occupancy, utilization per agent and interval"),
		sub("team", "The agent figures summed per team (agents' team key in --config)"),
		sub("trunk", "Calls offered and answered, Erlangs and peak concurrent calls per trunk and interval"),
		sub("ivr", "IVR sessions and results per flow and node, self-service rate, digits pressed"),
		sub("survey", "Post-call survey responses, average and CSAT per queue, team and agent"),
	)
	return cmd
}

func runReport(cmd *cobra.Command, f reportFlags, kind string) error {
	usage := func(err error) error { return &exitError{code: 2, err: err} }
	if !slices.Contains(report.Formats, f.format) {
		return usage(fmt.Errorf("--format %q: want table, csv or json", f.format))
	}
	p := report.Params{From: f.from, To: f.to, Interval: f.interval, SL: f.sl.String(),
		ShortAbandon: f.short.String(), Queue: f.queue, Agent: f.agent, TopBox: fmt.Sprint(f.top)}
	if f.interval == "" {
		p.Interval = "all"
	}
	req, err := report.ParseRequest(kind, p, time.Now(), time.Local)
	var pe *report.ParamError
	if errors.As(err, &pe) {
		return usage(fmt.Errorf("--%s %s", pe.Param, pe.Msg))
	} else if err != nil {
		return err
	}
	if f.config != "" {
		cfg, err := config.Load(f.config)
		if err != nil {
			return err
		}
		req.Teams = cfg.Teams()
	}
	st, err := store.Open(f.db)
	if err != nil {
		return err
	}
	defer st.Close()
	t, err := report.Run(context.Background(), st, req)
	if err != nil {
		return err
	}
	return t.Write(cmd.OutOrStdout(), f.format)
}
