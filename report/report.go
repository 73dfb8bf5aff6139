// Package report computes Hotline's contact-center statistics (queue and
// agent interval reports) from call records and agent state intervals.
// It is pure computation: callers load the data through the store package.
// Definitions follow docs/metrics.md so numbers are comparable across tools.
package report

import (
	"sort"
	"time"

	"github.com/hotline/hotline/store"
)

// Month as Options.Interval groups by calendar month, which has no fixed
// length and so cannot be a real duration.
const Month time.Duration = -1

// Interval lengths with calendar alignment.
const (
	Day  = 24 * time.Hour  // local midnight to midnight
	Week = 168 * time.Hour // Monday 00:00 local to the next Monday
)

// Options selects the report range and the metric thresholds.
type Options struct {
	From, To time.Time // [From, To); zero values do not limit
	// Interval is the row length: 0 = one row for the whole range; Day,
	// Week and Month align to the calendar in Location; shorter intervals
	// (15m, 30m, 1h) align to local midnight; any other length aligns to From.
	Interval     time.Duration
	SLThreshold  time.Duration  // answered within this counts for service level; default 20s
	ShortAbandon time.Duration  // abandons waiting less are "short"; default 5s, negative = none
	Location     *time.Location // calendar for alignment; default From's location, else UTC
}

func (o Options) norm() Options {
	if o.SLThreshold <= 0 {
		o.SLThreshold = 20 * time.Second
	}
	if o.ShortAbandon == 0 {
		o.ShortAbandon = 5 * time.Second
	}
	if o.Location == nil {
		o.Location = time.UTC
		if !o.From.IsZero() {
			o.Location = o.From.Location()
		}
	}
	return o
}

// clip narrows [from, to) to the report's range; an open end (to zero)
// runs to the report's end, and is unknown (ok false) without one.
func (o Options) clip(from, to time.Time) (time.Time, time.Time, bool) {
	if to.IsZero() {
		if o.To.IsZero() {
			return from, to, false
		}
		to = o.To
	}
	if !o.From.IsZero() && from.Before(o.From) {
		from = o.From
	}
	if !o.To.IsZero() && to.After(o.To) {
		to = o.To
	}
	return from, to, true
}

func (o Options) in(t time.Time) bool {
	return !t.IsZero() && (o.From.IsZero() || !t.Before(o.From)) && (o.To.IsZero() || t.Before(o.To))
}

// bucket returns the interval containing t as [start, end).
func (o Options) bucket(t time.Time) (time.Time, time.Time) {
	t = t.In(o.Location)
	midnight := func(t time.Time) time.Time {
		y, m, d := t.Date()
		return time.Date(y, m, d, 0, 0, 0, 0, o.Location)
	}
	switch {
	case o.Interval == 0:
		end := o.To
		if end.IsZero() {
			end = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
		}
		return o.From, end
	case o.Interval == Month:
		y, m, _ := t.Date()
		s := time.Date(y, m, 1, 0, 0, 0, 0, o.Location)
		return s, s.AddDate(0, 1, 0)
	case o.Interval == Week:
		s := midnight(t)
		s = s.AddDate(0, 0, -((int(s.Weekday()) + 6) % 7)) // back to Monday
		return s, s.AddDate(0, 0, 7)
	case o.Interval == Day:
		s := midnight(t)
		return s, s.AddDate(0, 0, 1)
	case o.Interval < Day:
		// Offsets from local midnight; the last interval of a DST-change
		// day is cut short at the next midnight.
		m := midnight(t)
		next := m.AddDate(0, 0, 1)
		s := m.Add(t.Sub(m) / o.Interval * o.Interval)
		e := s.Add(o.Interval)
		if e.After(next) {
			e = next
		}
		return s, e
	default:
		base := o.From
		if base.IsZero() {
			base = time.Unix(0, 0).In(o.Location)
		}
		s := base.Add(t.Sub(base) / o.Interval * o.Interval)
		if s.After(t) { // t before base: floor toward minus infinity
			s = s.Add(-o.Interval)
		}
		return s, s.Add(o.Interval)
	}
}

// ratio returns 0 instead of NaN or Inf so that empty intervals print clean.
func ratio(num, den float64) float64 {
	if den <= 0 {
		return 0
	}
	return num / den
}

func avg(sum time.Duration, n int) time.Duration {
	if n <= 0 {
		return 0
	}
	return sum / time.Duration(n)
}

// QueueRow is one queue in one interval. Rates are fractions (0..1).
type QueueRow struct {
	Start, End    time.Time
	Queue         string
	Offered       int // calls that joined the queue in the interval
	Answered      int
	Abandoned     int // caller hung up while queued (never answered)
	ShortAbandons int // abandoned after waiting less than ShortAbandon
	Timeouts      int // left the queue at max_wait
	NoAgents      int // left the queue because no agent could take it
	AnsweredInSL  int // answered with wait <= SLThreshold
	// SLBase is answered + abandoned - short, the service-level
	// denominator; kept raw so other SL variants can be recomputed.
	SLBase         int
	AnswerRate     float64 // answered / (offered - short)
	AbandonRate    float64 // (abandoned - short) / (offered - short)
	ServiceLevel   float64 // answered in SL / SLBase
	WaitAnswered   time.Duration
	ASA            time.Duration // Σ wait of answered / answered; wait includes ringing
	AvgAbandonWait time.Duration
	LongestWait    time.Duration // over answered, abandoned and exited calls
	TalkTotal      time.Duration // answered calls that have ended
	AvgTalk        time.Duration
	// AHT is talk only for now: call records carry no hold or wrap-up
	// time, so AHT equals AvgTalk until those are added.
	AHT time.Duration
}

// wait is the queue wait of a call: until answer, else until end.
func wait(c store.Call) (time.Duration, bool) {
	switch {
	case !c.AnsweredAt.IsZero():
		return c.AnsweredAt.Sub(c.QueuedAt), true
	case !c.EndedAt.IsZero():
		return c.EndedAt.Sub(c.QueuedAt), true
	}
	return 0, false // still waiting
}

func talk(c store.Call) (time.Duration, bool) {
	if c.AnsweredAt.IsZero() || c.EndedAt.IsZero() {
		return 0, false
	}
	return c.EndedAt.Sub(c.AnsweredAt), true
}

type rowKey struct {
	start time.Time
	key   string
}

// QueueReport groups queued calls by the interval in which they joined the
// queue (QueuedAt) and by queue. Calls that never queued are skipped.
// Rows are sorted by interval start, then queue; only non-empty rows appear.
func QueueReport(calls []store.Call, o Options) []QueueRow {
	o = o.norm()
	rows := map[rowKey]*QueueRow{}
	abWait := map[rowKey]time.Duration{}
	talked := map[rowKey]int{}
	for _, c := range calls {
		if !o.in(c.QueuedAt) {
			continue
		}
		s, e := o.bucket(c.QueuedAt)
		k := rowKeyOf(s, c.Queue)
		r := rows[k]
		if r == nil {
			r = &QueueRow{Start: s, End: e, Queue: c.Queue}
			rows[k] = r
		}
		r.Offered++
		w, done := wait(c)
		if done && w > r.LongestWait {
			r.LongestWait = w
		}
		switch {
		case !c.AnsweredAt.IsZero():
			r.Answered++
			r.WaitAnswered += w
			if w <= o.SLThreshold {
				r.AnsweredInSL++
			}
			if t, ok := talk(c); ok {
				r.TalkTotal += t
				talked[k]++
			}
		case c.Disposition == "abandoned":
			r.Abandoned++
			abWait[k] += w
			if w < o.ShortAbandon {
				r.ShortAbandons++
			}
		case c.Disposition == "timeout":
			r.Timeouts++
		case c.Disposition == "no_agents":
			r.NoAgents++
		}
	}
	out := make([]QueueRow, 0, len(rows))
	for k, r := range rows {
		base := float64(r.Offered - r.ShortAbandons)
		r.SLBase = r.Answered + r.Abandoned - r.ShortAbandons
		r.AnswerRate = ratio(float64(r.Answered), base)
		r.AbandonRate = ratio(float64(r.Abandoned-r.ShortAbandons), base)
		r.ServiceLevel = ratio(float64(r.AnsweredInSL), float64(r.SLBase))
		r.ASA = avg(r.WaitAnswered, r.Answered)
		r.AvgAbandonWait = avg(abWait[k], r.Abandoned)
		r.AvgTalk = avg(r.TalkTotal, talked[k])
		r.AHT = r.AvgTalk
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Start.Equal(out[j].Start) {
			return out[i].Start.Before(out[j].Start)
		}
		return out[i].Queue < out[j].Queue
	})
	return out
}

// rowKeyOf keys by instant, not by time.Time value, so equal instants in
// different locations share a row.
func rowKeyOf(start time.Time, key string) rowKey {
	return rowKey{time.Unix(0, start.UnixNano()).UTC(), key}
}

// AgentRow is one agent in one interval. State times are the agent's state
// intervals clipped to the report interval, so a shift crossing midnight
// is split between the two days.
type AgentRow struct {
	Start, End time.Time
	AgentID    string
	Answered   int           // calls answered (by AnsweredAt) in the interval
	Talk       time.Duration // Σ talk of those calls that have ended
	// AHT is talk per ended answered call; talk only for now (call
	// records carry no hold or wrap-up time).
	AHT      time.Duration
	Talked   int           // answered calls that have ended (AHT's divisor)
	LoggedIn time.Duration // every state except logged_out
	Ready    time.Duration
	Reserved time.Duration // ringing
	Talking  time.Duration // state time, unlike Talk which comes from calls
	Held     time.Duration
	WrapUp   time.Duration
	NotReady time.Duration
	// NotReadyBy splits NotReady by reason code ("" when none was given).
	NotReadyBy map[string]time.Duration
	// Busy is talking + held + wrap-up state time.
	Busy        time.Duration
	Occupancy   float64 // Busy / (Busy + Ready)
	Utilization float64 // Busy / LoggedIn
}

// derive fills the figures computed from a row's sums: AHT over the talked
// calls, busy time, occupancy and utilization.
func (r *AgentRow) derive(talked int) {
	r.Talked = talked
	r.AHT = avg(r.Talk, r.Talked)
	r.Busy = r.Talking + r.Held + r.WrapUp
	r.Occupancy = ratio(float64(r.Busy), float64(r.Busy+r.Ready))
	r.Utilization = ratio(float64(r.Busy), float64(r.LoggedIn))
}

// AgentReport computes per-agent rows. Calls are attributed to the agent
// and interval in which they were answered. State intervals still open
// (zero To) run to o.To; with no o.To they are ignored, since their end is
// unknown.
func AgentReport(calls []store.Call, states []store.AgentState, o Options) []AgentRow {
	o = o.norm()
	rows := map[rowKey]*AgentRow{}
	talked := map[rowKey]int{}
	get := func(t time.Time, agent string) (*AgentRow, rowKey) {
		s, e := o.bucket(t)
		k := rowKeyOf(s, agent)
		r := rows[k]
		if r == nil {
			r = &AgentRow{Start: s, End: e, AgentID: agent, NotReadyBy: map[string]time.Duration{}}
			rows[k] = r
		}
		return r, k
	}
	for _, c := range calls {
		if c.AgentID == "" || !o.in(c.AnsweredAt) {
			continue
		}
		r, k := get(c.AnsweredAt, c.AgentID)
		r.Answered++
		if t, ok := talk(c); ok {
			r.Talk += t
			talked[k]++
		}
	}
	for _, st := range states {
		if st.State == "logged_out" {
			continue
		}
		from, to := st.From, st.To
		from, to, ok := o.clip(from, to)
		if !ok {
			continue
		}
		// Walk the interval bucket by bucket, giving each its share.
		for cur := from; cur.Before(to); {
			r, _ := get(cur, st.AgentID)
			end := r.End
			if end.After(to) || !end.After(cur) {
				end = to
			}
			d := end.Sub(cur)
			r.LoggedIn += d
			switch st.State {
			case "ready":
				r.Ready += d
			case "reserved":
				r.Reserved += d
			case "talking":
				r.Talking += d
			case "held":
				r.Held += d
			case "wrap_up":
				r.WrapUp += d
			case "not_ready":
				r.NotReady += d
				r.NotReadyBy[st.Reason] += d
			}
			cur = end
		}
	}
	out := make([]AgentRow, 0, len(rows))
	for k, r := range rows {
		r.derive(talked[k])
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Start.Equal(out[j].Start) {
			return out[i].Start.Before(out[j].Start)
		}
		return out[i].AgentID < out[j].AgentID
	})
	return out
}
