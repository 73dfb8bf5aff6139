package report

import (
	"sort"
	"time"

	"github.com/hotline/hotline/store"
)

// TrunkRow is one trunk in one interval. A call occupies a channel from
// arrival to end; a call still up runs to the report's end.
type TrunkRow struct {
	Start, End time.Time
	Trunk      string
	Offered    int // calls that arrived in the interval
	Answered   int // …that reached an agent
	Abandoned  int // …whose caller hung up while queued
	SelfServed int // …that ended in the IVR
	// ChannelTime is the channel-seconds inside the interval, whenever
	// the calls arrived; Erlangs = ChannelTime / interval length.
	ChannelTime    time.Duration
	Erlangs        float64
	PeakConcurrent int // most calls up at once within the interval
}

// TrunkReport computes per-trunk traffic. Intervals with no arrival but
// with traffic carried over (a long call) still get a row.
func TrunkReport(calls []store.Call, o Options) []TrunkRow {
	o = o.norm()
	rows := map[rowKey]*TrunkRow{}
	spans := map[rowKey][][2]time.Time{}
	get := func(t time.Time, trunk string) (*TrunkRow, rowKey) {
		s, e := o.bucket(t)
		k := rowKeyOf(s, trunk)
		r := rows[k]
		if r == nil {
			r = &TrunkRow{Start: s, End: e, Trunk: trunk}
			rows[k] = r
		}
		return r, k
	}
	for _, c := range calls {
		if o.in(c.ArrivedAt) {
			r, _ := get(c.ArrivedAt, c.Trunk)
			r.Offered++
			switch {
			case !c.AnsweredAt.IsZero():
				r.Answered++
			case c.Disposition == "abandoned":
				r.Abandoned++
			case c.Disposition == "self_served":
				r.SelfServed++
			}
		}
		from, to := c.ArrivedAt, c.EndedAt
		from, to, ok := o.clip(from, to)
		if !ok {
			continue // still up with no report end: its length is unknown
		}
		for cur := from; cur.Before(to); {
			r, k := get(cur, c.Trunk)
			end := r.End
			if end.After(to) || !end.After(cur) {
				end = to
			}
			r.ChannelTime += end.Sub(cur)
			spans[k] = append(spans[k], [2]time.Time{cur, end})
			cur = end
		}
	}
	out := make([]TrunkRow, 0, len(rows))
	for k, r := range rows {
		length := r.End.Sub(r.Start)
		if o.Interval == 0 && (o.From.IsZero() || o.To.IsZero()) {
			length = 0 // an unbounded range has no Erlang figure
		}
		r.Erlangs = ratio(r.ChannelTime.Seconds(), length.Seconds())
		r.PeakConcurrent = peak(spans[k])
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Start.Equal(out[j].Start) {
			return out[i].Start.Before(out[j].Start)
		}
		return out[i].Trunk < out[j].Trunk
	})
	return out
}

// peak is the most spans open at one instant. A span ending when another
// starts does not overlap it (the channel is free again).
func peak(spans [][2]time.Time) int {
	type edge struct {
		t time.Time
		d int
	}
	edges := make([]edge, 0, 2*len(spans))
	for _, s := range spans {
		edges = append(edges, edge{s[0], 1}, edge{s[1], -1})
	}
	sort.Slice(edges, func(i, j int) bool {
		if !edges[i].t.Equal(edges[j].t) {
			return edges[i].t.Before(edges[j].t)
		}
		return edges[i].d < edges[j].d // ends first
	})
	n, best := 0, 0
	for _, e := range edges {
		n += e.d
		best = max(best, n)
	}
	return best
}
