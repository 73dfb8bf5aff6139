package report

import (
	"math"
	"testing"
	"time"

	"github.com/hotline/hotline/store"
)

// at parses a UTC clock time on the scripted days.
func at(s string) time.Time {
	t, err := time.Parse("2006-01-02T15:04:05", s)
	if err != nil {
		panic(err)
	}
	return t
}

func sec(n float64) time.Duration { return time.Duration(n * float64(time.Second)) }

// queued builds a call that joined queue q at queued; answered/ended are
// offsets in seconds from queued (negative = never).
func queued(id, q, agent, queuedAt string, answered, ended float64, disp string) store.Call {
	c := store.Call{ID: id, Queue: q, AgentID: agent, QueuedAt: at(queuedAt), Disposition: disp}
	c.ArrivedAt = c.QueuedAt.Add(-5 * time.Second)
	if answered >= 0 {
		c.AnsweredAt = c.QueuedAt.Add(sec(answered))
	}
	if ended >= 0 {
		c.EndedAt = c.QueuedAt.Add(sec(ended))
	}
	return c
}

// history is a scripted evening around midnight, 22→23 Nov 2026 (UTC).
func history() []store.Call {
	return []store.Call{
		queued("c1", "sales", "a1", "2026-11-22T23:00:00", 10, 190, "answered"),      // wait 10, talk 180
		queued("c2", "sales", "a2", "2026-11-22T23:05:00", 30, 90, "answered"),       // wait 30 (outside SL), talk 60
		queued("c3", "sales", "", "2026-11-22T23:10:00", -1, 3, "abandoned"),         // short abandon
		queued("c4", "sales", "", "2026-11-22T23:12:00", -1, 45, "abandoned"),        // abandon after 45s
		queued("c5", "sales", "", "2026-11-22T23:20:00", -1, 120, "timeout"),         // max_wait
		queued("c6", "sales", "a1", "2026-11-22T23:29:50", 15, 315, "answered"),      // queued 23:00 interval, answered in 23:30
		queued("c7", "sales", "a2", "2026-11-22T23:45:00", 20, 1220, "answered"),     // exactly at T; talk crosses midnight
		queued("c8", "support", "", "2026-11-23T00:10:00", -1, 2, "abandoned"),       // only a short abandon: zero denominators
		queued("c11", "sales", "", "2026-11-23T00:20:00", -1, -1, ""),                // still waiting
		queued("c10", "sales", "", "2026-11-22T22:59:59", 1, 60, "answered"),         // before From
		{ID: "c9", ArrivedAt: at("2026-11-22T23:01:00"), Disposition: "self_served"}, // never queued
	}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestQueueReport30m(t *testing.T) {
	o := Options{From: at("2026-11-22T23:00:00"), To: at("2026-11-23T01:00:00"), Interval: 30 * time.Minute}
	rows := QueueReport(history(), o)
	if len(rows) != 4 {
		t.Fatalf("rows = %d, want 4: %+v", len(rows), rows)
	}
	type want struct {
		start, queue                                                string
		offered, answered, abandoned, short, timeouts, inSL, slBase int
		answerRate, abandonRate, sl                                 float64
		asa, longest, abWait, avgTalk                               time.Duration
	}
	wants := []want{
		{"2026-11-22T23:00:00", "sales", 6, 3, 2, 1, 1, 2, 4, 3.0 / 5, 1.0 / 5, 2.0 / 4,
			sec(55.0 / 3), sec(120), sec(24), sec(180)},
		{"2026-11-22T23:30:00", "sales", 1, 1, 0, 0, 0, 1, 1, 1, 0, 1, sec(20), sec(20), 0, sec(1200)},
		{"2026-11-23T00:00:00", "sales", 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
		{"2026-11-23T00:00:00", "support", 1, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, sec(2), sec(2), 0},
	}
	for i, w := range wants {
		r := rows[i]
		if !r.Start.Equal(at(w.start)) || r.Queue != w.queue || !r.End.Equal(r.Start.Add(30*time.Minute)) {
			t.Errorf("row %d: %v %s, want %s %s", i, r.Start, r.Queue, w.start, w.queue)
		}
		got := [7]int{r.Offered, r.Answered, r.Abandoned, r.ShortAbandons, r.Timeouts, r.AnsweredInSL, r.SLBase}
		if got != [7]int{w.offered, w.answered, w.abandoned, w.short, w.timeouts, w.inSL, w.slBase} {
			t.Errorf("row %d counts = %v", i, got)
		}
		for _, f := range []float64{r.AnswerRate, r.AbandonRate, r.ServiceLevel} {
			if math.IsNaN(f) || math.IsInf(f, 0) {
				t.Errorf("row %d: rate %v", i, f)
			}
		}
		if !near(r.AnswerRate, w.answerRate) || !near(r.AbandonRate, w.abandonRate) || !near(r.ServiceLevel, w.sl) {
			t.Errorf("row %d rates = %v %v %v, want %v %v %v", i, r.AnswerRate, r.AbandonRate, r.ServiceLevel,
				w.answerRate, w.abandonRate, w.sl)
		}
		if r.ASA != w.asa || r.LongestWait != w.longest || r.AvgAbandonWait != w.abWait || r.AvgTalk != w.avgTalk || r.AHT != w.avgTalk {
			t.Errorf("row %d times = asa %v longest %v abwait %v talk %v aht %v", i, r.ASA, r.LongestWait, r.AvgAbandonWait, r.AvgTalk, r.AHT)
		}
	}
}

func TestQueueReportDayAndWhole(t *testing.T) {
	o := Options{From: at("2026-11-22T00:00:00"), To: at("2026-11-24T00:00:00"), Interval: Day}
	rows := QueueReport(history(), o)
	// c10 is in range now: 22 Nov sales = c1..c7 + c10.
	if len(rows) != 3 || rows[0].Offered != 8 || rows[0].Answered != 5 || rows[1].Queue != "sales" ||
		rows[1].Offered != 1 || rows[2].Queue != "support" || !rows[1].Start.Equal(at("2026-11-23T00:00:00")) {
		t.Fatalf("day rows = %+v", rows)
	}
	o.Interval = 0
	rows = QueueReport(history(), o)
	if len(rows) != 2 || rows[0].Offered != 9 || !rows[0].Start.Equal(o.From) || !rows[0].End.Equal(o.To) {
		t.Fatalf("whole-range rows = %+v", rows)
	}
}

func TestEmpty(t *testing.T) {
	o := Options{From: at("2026-11-22T00:00:00"), To: at("2026-11-23T00:00:00")}
	if rows := QueueReport(nil, o); rows == nil || len(rows) != 0 {
		t.Fatalf("queue rows = %#v", rows)
	}
	if rows := AgentReport(nil, nil, o); rows == nil || len(rows) != 0 {
		t.Fatalf("agent rows = %#v", rows)
	}
}

func TestAgentReportAcrossMidnight(t *testing.T) {
	st := func(agent, state, reason, from, to string) store.AgentState {
		s := store.AgentState{AgentID: agent, State: state, Reason: reason, From: at(from)}
		if to != "" {
			s.To = at(to)
		}
		return s
	}
	states := []store.AgentState{
		st("a1", "not_ready", "meal", "2026-11-21T23:50:00", "2026-11-22T00:10:00"), // 10m inside range
		st("a1", "logged_out", "", "2026-11-22T00:10:00", "2026-11-22T23:00:00"),
		st("a1", "ready", "", "2026-11-22T23:00:00", "2026-11-22T23:30:00"),
		st("a1", "talking", "", "2026-11-22T23:30:00", "2026-11-23T00:30:00"), // 30m each side of midnight
		st("a1", "wrap_up", "", "2026-11-23T00:30:00", "2026-11-23T00:40:00"),
		st("a1", "not_ready", "break", "2026-11-23T00:40:00", "2026-11-23T01:00:00"),
		st("a1", "ready", "", "2026-11-23T01:00:00", "2026-11-23T02:00:00"),
		st("a1", "logged_out", "", "2026-11-23T02:00:00", ""),
		st("a2", "ready", "", "2026-11-23T23:00:00", ""), // open: runs to To
	}
	calls := []store.Call{
		queued("x1", "sales", "a1", "2026-11-22T23:29:50", 10, 3610, "answered"), // answered 23:30, talk 1h
		queued("x2", "sales", "a1", "2026-11-23T01:09:00", 60, 360, "answered"),  // answered 01:10, talk 5m
		queued("x3", "sales", "", "2026-11-23T01:09:00", -1, 30, "abandoned"),
	}
	o := Options{From: at("2026-11-22T00:00:00"), To: at("2026-11-24T00:00:00"), Interval: Day}
	rows := AgentReport(calls, states, o)
	if len(rows) != 3 {
		t.Fatalf("rows = %+v", rows)
	}
	m := time.Minute
	d22, d23, b := rows[0], rows[1], rows[2]
	if d22.AgentID != "a1" || !d22.Start.Equal(o.From) || d22.Answered != 1 || d22.Talk != 60*m || d22.AHT != 60*m ||
		d22.LoggedIn != 70*m || d22.Ready != 30*m || d22.Talking != 30*m || d22.NotReady != 10*m ||
		d22.NotReadyBy["meal"] != 10*m || !near(d22.Occupancy, 0.5) || !near(d22.Utilization, 30.0/70) {
		t.Errorf("a1 22 Nov = %+v", d22)
	}
	if d23.AgentID != "a1" || d23.Answered != 1 || d23.Talk != 5*m || d23.LoggedIn != 120*m || d23.Ready != 60*m ||
		d23.Talking != 30*m || d23.WrapUp != 10*m || d23.Busy != 40*m || d23.NotReadyBy["break"] != 20*m ||
		!near(d23.Occupancy, 0.4) || !near(d23.Utilization, 40.0/120) {
		t.Errorf("a1 23 Nov = %+v", d23)
	}
	if b.AgentID != "a2" || b.Ready != 60*m || b.LoggedIn != 60*m || b.Occupancy != 0 || b.Utilization != 0 || b.AHT != 0 {
		t.Errorf("a2 = %+v", b)
	}
	// Hourly: the talking interval splits into 23:30-00:00 and 00:00-00:30.
	o.Interval = time.Hour
	var n int
	for _, r := range AgentReport(nil, states, o) {
		if r.AgentID == "a1" && (r.Start.Equal(at("2026-11-22T23:00:00")) || r.Start.Equal(at("2026-11-23T00:00:00"))) {
			n++
			if r.Talking != 30*m {
				t.Errorf("hour %v talking = %v", r.Start, r.Talking)
			}
		}
	}
	if n != 2 {
		t.Errorf("hour rows around midnight = %d", n)
	}
}

func TestBuckets(t *testing.T) {
	sun := at("2026-11-22T10:07:00") // a Sunday
	cases := []struct {
		iv         time.Duration
		loc        *time.Location
		start, end time.Time
	}{
		{15 * time.Minute, time.UTC, at("2026-11-22T10:00:00"), at("2026-11-22T10:15:00")},
		{Day, time.UTC, at("2026-11-22T00:00:00"), at("2026-11-23T00:00:00")},
		{Week, time.UTC, at("2026-11-16T00:00:00"), at("2026-11-23T00:00:00")},
		{Month, time.UTC, at("2026-11-01T00:00:00"), at("2026-12-01T00:00:00")},
	}
	for _, c := range cases {
		s, e := Options{Interval: c.iv, Location: c.loc}.bucket(sun)
		if !s.Equal(c.start) || !e.Equal(c.end) {
			t.Errorf("%v: %v–%v, want %v–%v", c.iv, s, e, c.start, c.end)
		}
	}
	// Hours align to local midnight even in a +05:45 zone.
	npt := time.FixedZone("NPT", 5*3600+45*60)
	s, _ := Options{Interval: time.Hour, Location: npt}.bucket(time.Date(2026, 11, 22, 10, 7, 0, 0, npt))
	if want := time.Date(2026, 11, 22, 10, 0, 0, 0, npt); !s.Equal(want) {
		t.Errorf("NPT hour = %v, want %v", s, want)
	}
}
