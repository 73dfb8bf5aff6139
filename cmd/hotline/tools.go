package main

import (
	"context"
	"encoding/json"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/hotline/hotline/ivr"
	"github.com/hotline/hotline/store"
)

func ivrCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "ivr", Short: "IVR tools"}
	var path, digits, ani, dnis, at string
	test := &cobra.Command{
		Use:   "test FLOW",
		Short: "Walk a flow without a phone: print what would be played, collected and where it ends",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := loadConfig(path)
			if err != nil {
				return err
			}
			when := time.Now()
			if at != "" {
				if when, err = parseWhen(at); err != nil {
					return &exitError{code: 2, err: err}
				}
			}
			return ivr.DryRun(cmd.OutOrStdout(), cfg.Flows, args[0], digits,
				ivr.CallInfo{CallID: "dry-run", ANI: ani, DNIS: dnis}, when)
		},
	}
	test.Flags().StringVarP(&path, "config", "c", "", "configuration file (default: built-in example)")
	test.Flags().StringVar(&digits, "digits", "", "digits the caller presses; a comma waits for the next prompt")
	test.Flags().StringVar(&ani, "ani", "5551234", "caller's number")
	test.Flags().StringVar(&dnis, "dnis", "5000", "dialled number")
	test.Flags().StringVar(&at, "at", "", "time of the call, e.g. 2026-12-25T09:00 (local) or RFC 3339")
	cmd.AddCommand(test)
	return cmd
}

func parseWhen(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02T15:04"} {
		if t, err := time.ParseInLocation(layout, s, time.Local); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("--at %q: want 2026-12-25T09:00 or RFC 3339", s)
}

func callsCmd() *cobra.Command {
	var db, format, queue, agent string
	var limit int
	cmd := &cobra.Command{
		Use:   "calls",
		Short: "List call records, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			calls, err := fromStore(db, func(st *store.Store) ([]store.Call, error) {
				return st.ListCalls(context.Background(), store.Filter{Queue: queue, Agent: agent, Limit: limit})
			})
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			switch format {
			case "json":
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				return enc.Encode(calls)
			case "table":
				tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tARRIVED\tANI\tDNIS\tQUEUE\tAGENT\tDIGITS\tDISPOSITION\tCAUSE")
				for _, c := range calls {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.ID, c.ArrivedAt.Format(time.DateTime),
						c.ANI, c.DNIS, c.Queue, c.AgentID, c.IVRDigits, c.Disposition, c.HangupCause)
				}
				return tw.Flush()
			}
			return &exitError{code: 2, err: fmt.Errorf("--format %q: want table or json", format)}
		},
	}
	cmd.Flags().StringVar(&db, "db", "./hotline.db", "database file")
	cmd.Flags().StringVar(&format, "format", "table", "table or json")
	cmd.Flags().StringVar(&queue, "queue", "", "only this queue")
	cmd.Flags().StringVar(&agent, "agent", "", "only this agent")
	cmd.Flags().IntVar(&limit, "limit", 50, "at most this many")
	return cmd
}
