package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/hotline/hotline/store"
)

func recordingsCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "recordings", Short: "Call recordings: QA samples"}
	var db, day string
	var per int
	var seed uint64
	sample := &cobra.Command{
		Use:   "sample",
		Short: "A random sample of each agent's recorded calls of a day, for quality review",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			from, err := time.ParseInLocation("2006-01-02", day, time.Local)
			if err != nil {
				return &exitError{code: 2, err: fmt.Errorf("--day %q: want YYYY-MM-DD", day)}
			}
			if per < 1 {
				return &exitError{code: 2, err: fmt.Errorf("--per-agent must be at least 1")}
			}
			st, err := store.Open(db)
			if err != nil {
				return err
			}
			defer st.Close()
			calls, err := st.ListCalls(context.Background(), store.Filter{From: from, To: from.AddDate(0, 0, 1)})
			if err != nil {
				return err
			}
			picked := sampleRecordings(calls, per, seed)
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "AGENT\tCALL\tARRIVED\tQUEUE\tTALK\tRECORDING")
			for _, c := range picked {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%ds\t%s\n", c.AgentID, c.ID, c.ArrivedAt.Local().Format(time.DateTime),
					c.Queue, c.TalkMS/1000, c.Recording)
			}
			return tw.Flush()
		},
	}
	sample.Flags().StringVar(&db, "db", "./hotline.db", "database file")
	sample.Flags().StringVar(&day, "day", time.Now().Format("2006-01-02"), "the day (local), YYYY-MM-DD")
	sample.Flags().IntVar(&per, "per-agent", 2, "recordings per agent")
	sample.Flags().Uint64Var(&seed, "seed", uint64(time.Now().UnixNano()), "random seed (repeat a sample with the same seed)")
	cmd.AddCommand(sample)
	return cmd
}

// sampleRecordings picks up to per recorded calls for each agent, at random
// but repeatably for a seed, ordered by agent then arrival.
func sampleRecordings(calls []store.Call, per int, seed uint64) []store.Call {
	byAgent := map[string][]store.Call{}
	for _, c := range calls {
		if c.Recording != "" && c.AgentID != "" {
			byAgent[c.AgentID] = append(byAgent[c.AgentID], c)
		}
	}
	agents := make([]string, 0, len(byAgent))
	for a := range byAgent {
		agents = append(agents, a)
	}
	sort.Strings(agents)
	rng := rand.New(rand.NewPCG(seed, 0x686f746c696e65))
	var out []store.Call
	for _, a := range agents {
		cs := byAgent[a]
		sort.Slice(cs, func(i, j int) bool { return cs[i].ID < cs[j].ID }) // same input order for a seed
		rng.Shuffle(len(cs), func(i, j int) { cs[i], cs[j] = cs[j], cs[i] })
		cs = cs[:min(per, len(cs))]
		sort.Slice(cs, func(i, j int) bool { return cs[i].ArrivedAt.Before(cs[j].ArrivedAt) })
		out = append(out, cs...)
	}
	return out
}
