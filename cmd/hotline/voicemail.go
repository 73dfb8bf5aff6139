package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/hotline/hotline/store"
)

// voicemailCmd lists the messages callers left in IVR voicemail nodes.
func voicemailCmd() *cobra.Command {
	var db, format, box string
	var limit int
	cmd := &cobra.Command{
		Use:   "voicemail",
		Short: "List voicemail messages, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			vms, err := fromStore(db, func(st *store.Store) ([]store.Voicemail, error) {
				return st.ListVoicemails(context.Background(), box, limit)
			})
			if err != nil {
				return err
			}
			rows := make([][]string, len(vms))
			for i, v := range vms {
				rows[i] = []string{strconv.FormatInt(v.ID, 10), v.CreatedAt.Local().Format(time.DateTime), v.Box, v.ANI,
					(time.Duration(v.Duration) * time.Millisecond).Round(100 * time.Millisecond).String(), strconv.FormatBool(v.Heard), v.Path}
			}
			return printList(cmd.OutOrStdout(), format, vms, "ID\tLEFT\tBOX\tFROM\tLENGTH\tHEARD\tFILE", rows)
		},
	}
	cmd.Flags().StringVar(&db, "db", "./hotline.db", "database file")
	cmd.Flags().StringVar(&format, "format", "table", "table or json")
	cmd.Flags().StringVar(&box, "box", "", "only this box")
	cmd.Flags().IntVar(&limit, "limit", 100, "at most this many")
	return cmd
}

// callbacksCmd lists the callbacks callers asked for in the IVR.
func callbacksCmd() *cobra.Command {
	var db, format string
	var limit int
	cmd := &cobra.Command{
		Use:   "callbacks",
		Short: "List IVR callbacks and whether they were made, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cbs, err := fromStore(db, func(st *store.Store) ([]store.Callback, error) {
				return st.ListCallbacks(context.Background(), limit)
			})
			if err != nil {
				return err
			}
			rows := make([][]string, len(cbs))
			for i, c := range cbs {
				rows[i] = []string{strconv.FormatInt(c.ID, 10), c.CreatedAt.Local().Format(time.DateTime), c.Number, c.Queue,
					c.DueAt.Local().Format(time.DateTime), c.Status, c.CallID}
			}
			return printList(cmd.OutOrStdout(), format, cbs, "ID\tASKED\tNUMBER\tQUEUE\tDUE\tSTATUS\tCALL", rows)
		},
	}
	cmd.Flags().StringVar(&db, "db", "./hotline.db", "database file")
	cmd.Flags().StringVar(&format, "format", "table", "table or json")
	cmd.Flags().IntVar(&limit, "limit", 100, "at most this many")
	return cmd
}

// fromStore opens the database, reads from it and closes it.
func fromStore[T any](db string, read func(*store.Store) (T, error)) (T, error) {
	st, err := store.Open(db)
	if err != nil {
		var zero T
		return zero, err
	}
	defer st.Close()
	return read(st)
}

// printList writes v as JSON, or rows under a tab-separated header.
func printList(out io.Writer, format string, v any, header string, rows [][]string) error {
	switch format {
	case "json":
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	case "table":
		tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, header)
		for _, r := range rows {
			fmt.Fprintln(tw, strings.Join(r, "\t"))
		}
		return tw.Flush()
	}
	return &exitError{code: 2, err: fmt.Errorf("--format %q: want table or json", format)}
}
