package report

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hotline/hotline/store"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// golden compares t printed as CSV and as a text table with testdata/<name>.
func golden(t *testing.T, name string, tab Table) {
	t.Helper()
	var b bytes.Buffer
	if err := tab.Write(&b, "csv"); err != nil {
		t.Fatal(err)
	}
	b.WriteString("\n")
	if err := tab.Write(&b, "table"); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update once)", err)
	}
	if !bytes.Equal(b.Bytes(), want) {
		t.Errorf("%s differs from %s:\n%s", name, path, b.String())
	}
}

func find[T any](t *testing.T, rows []T, match func(T) bool) T {
	t.Helper()
	for _, r := range rows {
		if match(r) {
			return r
		}
	}
	t.Fatalf("no matching row in %+v", rows)
	var zero T
	return zero
}

// Trunk traffic around midnight, 30-minute intervals; figures by hand:
// carrier 23:30 carries t1 (23:50-00:10) and t2 (23:55-23:56): 660 s over
// 1800 s = 0.367 E, both up at once; 00:00 carries the rest of t1, t3 and
// t4 from 00:10: 1860 s = 1.033 E, peak 2 (t1 ends as t4 starts); t4 is
// still up and runs to the report's end.
func trunkHistory() []store.Call {
	c := func(id, trunk, arr, end, disp string, answered bool) store.Call {
		x := store.Call{ID: id, Trunk: trunk, ArrivedAt: at(arr), Disposition: disp}
		if end != "" {
			x.EndedAt = at(end)
		}
		if answered {
			x.AnsweredAt = x.ArrivedAt.Add(20 * time.Second)
		}
		return x
	}
	return []store.Call{
		c("t1", "carrier", "2026-11-22T23:50:00", "2026-11-23T00:10:00", "answered", true),
		c("t2", "carrier", "2026-11-22T23:55:00", "2026-11-22T23:56:00", "abandoned", false),
		c("t3", "carrier", "2026-11-23T00:05:00", "2026-11-23T00:06:00", "self_served", false),
		c("t4", "carrier", "2026-11-23T00:10:00", "", "", false),
		c("b1", "backup", "2026-11-22T23:40:00", "2026-11-22T23:45:00", "answered", true),
		c("old", "carrier", "2026-11-22T22:00:00", "2026-11-22T22:10:00", "answered", true), // before From
	}
}

func TestTrunkReportGolden(t *testing.T) {
	o := Options{From: at("2026-11-22T23:30:00"), To: at("2026-11-23T01:00:00"), Interval: 30 * time.Minute}
	rows := TrunkReport(trunkHistory(), o)
	r := find(t, rows, func(r TrunkRow) bool { return r.Trunk == "carrier" && r.Start.Equal(at("2026-11-22T23:30:00")) })
	if r.Offered != 2 || r.Answered != 1 || r.Abandoned != 1 || r.ChannelTime != 660*time.Second || !near(r.Erlangs, 660.0/1800) || r.PeakConcurrent != 2 {
		t.Errorf("carrier 23:30 = %+v", r)
	}
	r = find(t, rows, func(r TrunkRow) bool { return r.Trunk == "carrier" && r.Start.Equal(at("2026-11-23T00:00:00")) })
	if r.Offered != 2 || r.SelfServed != 1 || r.ChannelTime != 1860*time.Second || !near(r.Erlangs, 1860.0/1800) || r.PeakConcurrent != 2 {
		t.Errorf("carrier 00:00 = %+v", r)
	}
	r = find(t, rows, func(r TrunkRow) bool { return r.Trunk == "carrier" && r.Start.Equal(at("2026-11-23T00:30:00")) })
	if r.Offered != 0 || !near(r.Erlangs, 1) || r.PeakConcurrent != 1 {
		t.Errorf("carrier 00:30 = %+v", r)
	}
	golden(t, "trunk", TrunkTable(rows))
}

// ivrHistory: five callers through "main", one of them on to the survey.
// B starts at 23:59:59 and finishes after midnight: its session counts in
// the 23:30 interval. C's events predate the flow field: its flow comes
// from the call record.
func ivrHistory() ([]store.Event, map[string]string) {
	ev := func(call, ts, kind, flow, reason, digits string) store.Event {
		d := map[string]string{"reason": reason}
		if flow != "" {
			d["flow"] = flow
		}
		if digits != "" {
			d["digits"] = digits
		}
		return store.Event{TS: at(ts), Kind: kind, CallID: call, Data: d}
	}
	return []store.Event{
		ev("A", "2026-11-22T23:50:00", "ivr.node", "main", "welcome", ""),
		ev("A", "2026-11-22T23:50:03", "ivr.node", "main", "menu", ""),
		ev("A", "2026-11-22T23:50:05", "ivr.digits", "main", "menu", "2"),
		ev("A", "2026-11-22T23:50:06", "ivr.node", "main", "support", ""),
		ev("A", "2026-11-22T23:50:06", "ivr.exited", "main", "to_queue", ""),
		ev("A", "2026-11-22T23:58:00", "ivr.node", "survey", "ask", ""),
		ev("A", "2026-11-22T23:58:02", "ivr.digits", "survey", "ask", "5"),
		ev("A", "2026-11-22T23:58:03", "ivr.exited", "survey", "self_served", ""),
		ev("B", "2026-11-22T23:59:59", "ivr.node", "main", "welcome", ""),
		ev("B", "2026-11-23T00:00:02", "ivr.node", "main", "menu", ""),
		ev("B", "2026-11-23T00:00:04", "ivr.digits", "main", "menu", "9"),
		ev("B", "2026-11-23T00:00:06", "ivr.digits", "main", "menu", "1"),
		ev("B", "2026-11-23T00:00:06", "ivr.node", "main", "sales", ""),
		ev("B", "2026-11-23T00:00:06", "ivr.exited", "main", "to_queue", ""),
		ev("C", "2026-11-23T00:10:00", "ivr.node", "", "welcome", ""),
		ev("C", "2026-11-23T00:10:02", "ivr.exited", "", "caller_hangup", ""),
		ev("D", "2026-11-23T00:20:00", "ivr.node", "main", "welcome", ""),
		ev("D", "2026-11-23T00:20:02", "ivr.node", "main", "menu", ""),
		ev("D", "2026-11-23T00:20:03", "ivr.digits", "main", "menu", "3"),
		ev("D", "2026-11-23T00:20:03", "ivr.node", "main", "info", ""),
		ev("D", "2026-11-23T00:20:10", "ivr.exited", "main", "self_served", ""),
		ev("E", "2026-11-23T00:40:00", "ivr.node", "main", "welcome", ""),
	}, map[string]string{"C": "main"}
}

func TestIVRReportGolden(t *testing.T) {
	evs, flows := ivrHistory()
	o := Options{From: at("2026-11-22T23:30:00"), To: at("2026-11-23T01:00:00"), Interval: 30 * time.Minute}
	rows := IVRReport(evs, flows, o)
	main0 := find(t, rows, func(r IVRRow) bool {
		return r.Flow == "main" && r.Node == "" && r.Start.Equal(at("2026-11-22T23:30:00"))
	})
	if main0.Sessions != 2 || main0.ToQueue != 2 || main0.SelfServiceRate != 0 {
		t.Errorf("main 23:30 = %+v", main0)
	}
	menu0 := find(t, rows, func(r IVRRow) bool { return r.Node == "menu" && r.Start.Equal(at("2026-11-22T23:30:00")) })
	if menu0.Sessions != 2 || menu0.DigitsText() != "1:1 2:1 9:1" {
		t.Errorf("menu 23:30 = %+v", menu0)
	}
	main1 := find(t, rows, func(r IVRRow) bool {
		return r.Flow == "main" && r.Node == "" && r.Start.Equal(at("2026-11-23T00:00:00"))
	})
	if main1.Sessions != 2 || main1.SelfServed != 1 || main1.CallerHangup != 1 || !near(main1.SelfServiceRate, 0.5) {
		t.Errorf("main 00:00 = %+v", main1)
	}
	survey := find(t, rows, func(r IVRRow) bool { return r.Flow == "survey" && r.Node == "" })
	if survey.Sessions != 1 || survey.SelfServed != 1 || survey.SelfServiceRate != 1 {
		t.Errorf("survey = %+v", survey)
	}
	main2 := find(t, rows, func(r IVRRow) bool {
		return r.Flow == "main" && r.Node == "" && r.Start.Equal(at("2026-11-23T00:30:00"))
	})
	if main2.Sessions != 1 || main2.Unfinished != 1 {
		t.Errorf("main 00:30 = %+v", main2)
	}
	golden(t, "ivr", IVRTable(rows))
}

// surveyHistory: answers land in the day their call was answered. s5's
// answer "*" is a response with no score.
func surveyHistory() ([]store.Event, []store.Call) {
	call := func(id, q, agent, answered string) store.Call {
		return store.Call{ID: id, Queue: q, AgentID: agent, QueuedAt: at(answered).Add(-10 * time.Second), AnsweredAt: at(answered), Disposition: "answered"}
	}
	ans := func(id, q, agent, ts, question, digit string) store.Event {
		return store.Event{TS: at(ts), Kind: "survey.answered", CallID: id, Queue: q, AgentID: agent,
			Data: map[string]string{"reason": question, "digits": digit}}
	}
	return []store.Event{
			ans("s1", "support", "a1", "2026-11-22T23:45:00", "q1", "5"),
			ans("s1", "support", "a1", "2026-11-22T23:45:05", "q2", "1"),
			ans("s2", "support", "a2", "2026-11-22T23:55:00", "q1", "3"),
			ans("s5", "sales", "a3", "2026-11-22T23:40:00", "q1", "*"),
			ans("s3", "sales", "a3", "2026-11-23T00:12:00", "q1", "4"),
		}, []store.Call{
			call("s1", "support", "a1", "2026-11-22T23:40:00"),
			call("s2", "support", "a2", "2026-11-22T23:50:00"),
			call("s3", "sales", "a3", "2026-11-23T00:05:00"),
			call("s4", "support", "a1", "2026-11-23T00:10:00"),
			call("s5", "sales", "a3", "2026-11-22T23:35:00"),
		}
}

func TestSurveyReportGolden(t *testing.T) {
	evs, calls := surveyHistory()
	teams := map[string]string{"a1": "blue", "a2": "blue", "a3": "red"}
	o := Options{From: at("2026-11-22T00:00:00"), To: at("2026-11-24T00:00:00"), Interval: Day}
	rows := SurveyReport(evs, calls, teams, 4, o)
	day1 := func(r SurveyRow) bool { return r.Start.Equal(at("2026-11-22T00:00:00")) }
	r := find(t, rows, func(r SurveyRow) bool {
		return day1(r) && r.Scope == "queue" && r.Name == "support" && r.Question == "q1"
	})
	if r.Answered != 2 || r.Responses != 2 || r.Average != 4 || r.TopBox != 1 || r.CSAT != 0.5 || r.ResponseRate != 1 {
		t.Errorf("support q1 = %+v", r)
	}
	r = find(t, rows, func(r SurveyRow) bool { return day1(r) && r.Scope == "team" && r.Name == "blue" && r.Question == "q2" })
	if r.Answered != 2 || r.Responses != 1 || r.Average != 1 || r.CSAT != 0 || r.ResponseRate != 0.5 {
		t.Errorf("blue q2 = %+v", r)
	}
	r = find(t, rows, func(r SurveyRow) bool { return day1(r) && r.Scope == "agent" && r.Name == "a3" })
	if r.Responses != 1 || r.Average != 0 || r.TopBox != 0 {
		t.Errorf("a3 day 1 = %+v", r)
	}
	r = find(t, rows, func(r SurveyRow) bool { return !day1(r) && r.Scope == "queue" && r.Name == "sales" })
	if r.Answered != 1 || r.Responses != 1 || r.CSAT != 1 {
		t.Errorf("sales day 2 = %+v", r)
	}
	golden(t, "survey", SurveyTable(rows))
}

// Two blue agents and a red one around midnight; a4 has no team. By hand,
// blue on the 22nd: logged in 3600+3000 s, ready 1800+1800, busy
// (talk+wrap-up) 1500+1200 → occupancy 2700/6300, utilization 2700/6600;
// two answered calls, 3000 s of talk, AHT 1500 s.
func TestTeamReportGolden(t *testing.T) {
	s := func(agent, state, reason, from, to string) store.AgentState {
		x := store.AgentState{AgentID: agent, State: state, Reason: reason, From: at(from)}
		if to != "" {
			x.To = at(to)
		}
		return x
	}
	states := []store.AgentState{
		s("a1", "ready", "", "2026-11-22T23:00:00", "2026-11-22T23:30:00"),
		s("a1", "talking", "", "2026-11-22T23:30:00", "2026-11-22T23:50:00"),
		s("a1", "wrap_up", "", "2026-11-22T23:50:00", "2026-11-22T23:55:00"),
		s("a1", "not_ready", "break", "2026-11-22T23:55:00", "2026-11-23T00:05:00"),
		s("a1", "ready", "", "2026-11-23T00:05:00", "2026-11-23T00:20:00"),
		s("a2", "ready", "", "2026-11-22T23:10:00", "2026-11-22T23:40:00"),
		s("a2", "talking", "", "2026-11-22T23:40:00", "2026-11-23T00:10:00"),
		s("a2", "ready", "", "2026-11-23T00:10:00", "2026-11-23T00:40:00"),
		s("a3", "not_ready", "meal", "2026-11-22T23:00:00", "2026-11-22T23:30:00"),
		s("a4", "ready", "", "2026-11-22T23:00:00", "2026-11-23T00:00:00"),
	}
	calls := []store.Call{
		{ID: "x1", AgentID: "a1", Queue: "sales", QueuedAt: at("2026-11-22T23:29:50"), AnsweredAt: at("2026-11-22T23:30:00"), EndedAt: at("2026-11-22T23:50:00")},
		{ID: "x2", AgentID: "a2", Queue: "sales", QueuedAt: at("2026-11-22T23:39:50"), AnsweredAt: at("2026-11-22T23:40:00"), EndedAt: at("2026-11-23T00:10:00")},
	}
	o := Options{From: at("2026-11-22T00:00:00"), To: at("2026-11-24T00:00:00"), Interval: Day}
	rows := TeamReport(AgentReport(calls, states, o), map[string]string{"a1": "blue", "a2": "blue", "a3": "red"})
	if len(rows) != 3 {
		t.Fatalf("rows %+v, want blue and red on the 22nd, blue on the 23rd", rows)
	}
	b := rows[0]
	if b.Team != "blue" || b.Agents != 2 || b.Answered != 2 || b.Talk != 3000*time.Second || b.AHT != 1500*time.Second ||
		b.LoggedIn != 6600*time.Second || b.Ready != 3600*time.Second || b.Busy != 2700*time.Second ||
		!near(b.Occupancy, 2700.0/6300) || !near(b.Utilization, 2700.0/6600) || b.NotReadyBy["break"] != 300*time.Second {
		t.Errorf("blue 22nd = %+v", b)
	}
	if b2 := rows[2]; b2.Team != "blue" || b2.LoggedIn != 3600*time.Second || b2.Busy != 600*time.Second || !near(b2.Utilization, 600.0/3600) {
		t.Errorf("blue 23rd = %+v", b2)
	}
	golden(t, "team", TeamTable(rows))
}
