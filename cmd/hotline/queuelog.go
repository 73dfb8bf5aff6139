package main

import (
	"context"
	"time"

	"github.com/spf13/cobra"

	"github.com/hotline/hotline/store"
)

func queuelogCmd() *cobra.Command {
	var db, from, to string
	cmd := &cobra.Command{
		Use:   "queuelog",
		Short: "Export the event history in Asterisk queue_log format (epoch|callid|queue|agent|EVENT|data…)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var f, t time.Time
			var err error
			if from != "" {
				if f, err = parseWhen(from); err != nil {
					return &exitError{code: 2, err: err}
				}
			}
			if to != "" {
				if t, err = parseWhen(to); err != nil {
					return &exitError{code: 2, err: err}
				}
			}
			st, err := store.Open(db)
			if err != nil {
				return err
			}
			defer st.Close()
			return st.QueueLog(context.Background(), f, t, cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVar(&db, "db", "./hotline.db", "database file")
	cmd.Flags().StringVar(&from, "from", "", "start time (inclusive), e.g. 2026-11-22T00:00")
	cmd.Flags().StringVar(&to, "to", "", "end time (exclusive)")
	return cmd
}
