package report

import (
	"sort"
	"time"
)

// TeamRow is one team in one interval: its agents' rows added up, the
// ratios recomputed from the sums (never averaged).
type TeamRow struct {
	Start, End time.Time
	Team       string
	Agents     int // agents with a row in the interval
	AgentRow       // sums; AgentID is empty
}

// TeamReport rolls agent rows up by team (agent id -> team); agents
// without a team are left out.
func TeamReport(rows []AgentRow, teams map[string]string) []TeamRow {
	acc := map[rowKey]*TeamRow{}
	talked := map[rowKey]int{}
	for _, r := range rows {
		team := teams[r.AgentID]
		if team == "" {
			continue
		}
		k := rowKeyOf(r.Start, team)
		t := acc[k]
		if t == nil {
			t = &TeamRow{Start: r.Start, End: r.End, Team: team, AgentRow: AgentRow{Start: r.Start, End: r.End, NotReadyBy: map[string]time.Duration{}}}
			acc[k] = t
		}
		t.Agents++
		a := &t.AgentRow
		a.Answered += r.Answered
		a.Talk += r.Talk
		talked[k] += r.Talked
		a.LoggedIn += r.LoggedIn
		a.Ready += r.Ready
		a.Reserved += r.Reserved
		a.Talking += r.Talking
		a.Held += r.Held
		a.WrapUp += r.WrapUp
		a.NotReady += r.NotReady
		for reason, d := range r.NotReadyBy {
			a.NotReadyBy[reason] += d
		}
	}
	out := make([]TeamRow, 0, len(acc))
	for k, t := range acc {
		t.AgentRow.derive(talked[k])
		out = append(out, *t)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Start.Equal(out[j].Start) {
			return out[i].Start.Before(out[j].Start)
		}
		return out[i].Team < out[j].Team
	})
	return out
}
