package ivr

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 3, 4, 15, 0, 0, 0, time.UTC)

// brief renders actions compactly so tests read as scripts.
func brief(actions []Action) string {
	var out []string
	for _, a := range actions {
		switch a := a.(type) {
		case Event:
			switch a.Kind {
			case EventNode:
				out = append(out, "node:"+a.Node)
			case EventDigits:
				out = append(out, "digits:"+a.Digits)
			case EventExited:
				out = append(out, "exited:"+string(a.Result))
			}
		case Play:
			var refs []string
			for _, r := range a.Prompts {
				refs = append(refs, r.Ref)
			}
			s := "play:" + strings.Join(refs, "+")
			if a.BargeIn {
				s += "!"
			}
			out = append(out, s)
		case StopPlayback:
			out = append(out, "stop")
		case HTTPRequest:
			out = append(out, "http:"+a.Method+" "+a.URL)
		case Enqueue:
			out = append(out, fmt.Sprintf("enqueue:%s/%d", a.Queue, a.Priority))
		case Transfer:
			out = append(out, "transfer:"+a.Target)
		case SurveyAnswer:
			out = append(out, fmt.Sprintf("survey:%s=%c", a.Question, a.Digit))
		case Hangup:
			out = append(out, "hangup:"+a.Reason)
		case Exit:
			out = append(out, "exit:"+string(a.Result))
		}
	}
	return strings.Join(out, " ")
}

func mainMenu() map[string]*Flow {
	return map[string]*Flow{"main": {Language: "en", Start: "welcome", Nodes: map[string]*Node{
		"welcome": {Type: "play", Prompts: []string{"welcome"}, BargeIn: true, Next: "menu"},
		"menu": {Type: "menu", Prompt: "menu_sales_support", Options: map[string]string{"1": "sales", "2": "support"},
			Timeout: Duration(5 * time.Second), Retries: 1, InvalidPrompt: "invalid", TimeoutPrompt: "invalid", Fallback: "bye"},
		"sales":   {Type: "enqueue", Queue: "sales", Priority: 3},
		"support": {Type: "enqueue", Queue: "support"},
		"bye":     {Type: "hangup"},
	}}}
}

// step is one input and the actions it must produce; at is seconds after t0.
type step struct {
	at   float64
	in   Input
	want string
}

func runSteps(t *testing.T, flows map[string]*Flow, flow string, call CallInfo, start string, steps []step) *Session {
	t.Helper()
	s, err := NewSession(flows, flow, call)
	if err != nil {
		t.Fatal(err)
	}
	if got := brief(s.Start(t0)); got != start {
		t.Fatalf("start:\n got %s\nwant %s", got, start)
	}
	for i, st := range steps {
		now := t0.Add(time.Duration(st.at * float64(time.Second)))
		if _, ok := st.in.(TimerFired); ok {
			dl, armed := s.Deadline()
			if !armed || !dl.Equal(now) {
				t.Fatalf("step %d: deadline %v armed=%v, want %v", i, dl.Sub(t0), armed, now.Sub(t0))
			}
		}
		if got := brief(s.Input(now, st.in)); got != st.want {
			t.Fatalf("step %d (%T):\n got %s\nwant %s", i, st.in, got, st.want)
		}
	}
	return s
}

func TestMenu(t *testing.T) {
	const start = "node:welcome play:welcome!"
	tests := []struct {
		name  string
		steps []step
	}{
		{"valid digit", []step{
			{1, PlaybackDone{}, "node:menu play:menu_sales_support!"},
			{2, PlaybackDone{}, ""},
			{3, Digit{'1'}, "digits:1 node:sales exited:to_queue exit:to_queue enqueue:sales/3"},
		}},
		{"digit during menu prompt", []step{
			{1, PlaybackDone{}, "node:menu play:menu_sales_support!"},
			{1.5, Digit{'2'}, "stop digits:2 node:support exited:to_queue exit:to_queue enqueue:support/0"},
		}},
		{"invalid then valid", []step{
			{1, PlaybackDone{}, "node:menu play:menu_sales_support!"},
			{2, PlaybackDone{}, ""},
			{3, Digit{'7'}, "play:invalid+menu_sales_support!"},
			{4, PlaybackDone{}, ""},
			{5, Digit{'2'}, "digits:2 node:support exited:to_queue exit:to_queue enqueue:support/0"},
		}},
		{"timeouts to fallback", []step{
			{1, PlaybackDone{}, "node:menu play:menu_sales_support!"},
			{2, PlaybackDone{}, ""},
			{7, TimerFired{}, "play:invalid+menu_sales_support!"},
			{8, PlaybackDone{}, ""},
			{13, TimerFired{}, "node:bye exited:self_served exit:self_served hangup:ivr_hangup"},
			{14, Digit{'1'}, ""},
		}},
		{"barge-in digit kept for menu", []step{
			{0.5, Digit{'1'}, "stop node:menu digits:1 node:sales exited:to_queue exit:to_queue enqueue:sales/3"},
		}},
		{"caller hangs up", []step{
			{1, Hangup{}, "exited:caller_hangup exit:caller_hangup"},
			{2, PlaybackDone{}, ""},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { runSteps(t, mainMenu(), "main", CallInfo{}, start, tc.steps) })
	}
}

func TestMenuNoFallbackHangsUp(t *testing.T) {
	f := mainMenu()
	f["main"].Nodes["menu"].Fallback = ""
	f["main"].Nodes["menu"].Retries = 0
	runSteps(t, f, "main", CallInfo{}, "node:welcome play:welcome!", []step{
		{1, PlaybackDone{}, "node:menu play:menu_sales_support!"},
		{2, Digit{'9'}, "stop exited:self_served exit:self_served hangup:no_input"},
	})
}

func TestPlayWithoutBargeInIgnoresDigits(t *testing.T) {
	f := mainMenu()
	f["main"].Nodes["welcome"].BargeIn = false
	runSteps(t, f, "main", CallInfo{}, "node:welcome play:welcome", []step{
		{0.5, Digit{'1'}, ""},
		{1, PlaybackDone{}, "node:menu play:menu_sales_support!"},
	})
}

func TestEnqueuePriorityFromVar(t *testing.T) {
	f := mainMenu()
	s := runSteps(t, f, "main", CallInfo{Vars: map[string]string{"priority": "9"}}, "node:welcome play:welcome!", []step{
		{0.5, Digit{'2'}, "stop node:menu digits:2 node:support exited:to_queue exit:to_queue enqueue:support/9"},
	})
	if s.Result() != ResultToQueue {
		t.Errorf("result %v", s.Result())
	}
}

func collectFlow() map[string]*Flow {
	return map[string]*Flow{"c": {Start: "ask", Nodes: map[string]*Node{
		"ask": {Type: "collect", Prompt: "enter_digits", MinDigits: 3, MaxDigits: 6, Pattern: `^[0-9]+$`,
			FirstDigitTimeout: Duration(8 * time.Second), InterDigitTimeout: Duration(2 * time.Second),
			Var: "account", Next: "done", Retries: 1, InvalidPrompt: "invalid", Fallback: "fail"},
		"done": {Type: "hangup"},
		"fail": {Type: "transfer", Target: "ext:100"},
	}}}
}

func TestCollect(t *testing.T) {
	const start = "node:ask play:enter_digits!"
	tests := []struct {
		name  string
		steps []step
		want  string // account var at the end
	}{
		{"terminator", []step{
			{1, Digit{'1'}, "stop"},
			{2, Digit{'2'}, ""},
			{3, Digit{'3'}, ""},
			{4, Digit{'#'}, "digits:123 node:done exited:self_served exit:self_served hangup:ivr_hangup"},
		}, "123"},
		{"max digits", []step{
			{1, PlaybackDone{}, ""},
			{2, Digit{'1'}, ""}, {2, Digit{'2'}, ""}, {2, Digit{'3'}, ""}, {2, Digit{'4'}, ""}, {2, Digit{'5'}, ""},
			{2, Digit{'6'}, "digits:123456 node:done exited:self_served exit:self_served hangup:ivr_hangup"},
		}, "123456"},
		{"inter-digit timeout completes", []step{
			{1, PlaybackDone{}, ""},
			{3, Digit{'4'}, ""}, {3, Digit{'5'}, ""}, {4, Digit{'6'}, ""},
			{6, TimerFired{}, "digits:456 node:done exited:self_served exit:self_served hangup:ivr_hangup"},
		}, "456"},
		{"too short then first-digit timeout", []step{
			{1, PlaybackDone{}, ""},
			{2, Digit{'4'}, ""},
			{3, Digit{'#'}, "play:invalid+enter_digits!"},
			{4, PlaybackDone{}, ""},
			{12, TimerFired{}, "node:fail exited:transferred exit:transferred transfer:ext:100"},
		}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := runSteps(t, collectFlow(), "c", CallInfo{}, start, tc.steps)
			if got := s.Vars()["account"]; got != tc.want {
				t.Errorf("account = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestCollectPattern(t *testing.T) {
	f := collectFlow()
	f["c"].Nodes["ask"].Pattern = `^9`
	runSteps(t, f, "c", CallInfo{}, "node:ask play:enter_digits!", []step{
		{1, PlaybackDone{}, ""},
		{2, Digit{'1'}, ""}, {2, Digit{'2'}, ""}, {2, Digit{'3'}, ""},
		{3, Digit{'#'}, "play:invalid+enter_digits!"},
		{4, Digit{'9'}, "stop"}, {4, Digit{'9'}, ""}, {4, Digit{'9'}, ""},
		{5, Digit{'#'}, "digits:999 node:done exited:self_served exit:self_served hangup:ivr_hangup"},
	})
}

func TestSetSwitch(t *testing.T) {
	flows := map[string]*Flow{"f": {Start: "set", Nodes: map[string]*Node{
		"set": {Type: "set", Vars: map[string]string{"who": "${ani}@${dnis}", "tier": "${http.tier}"}, Next: "sw"},
		"sw": {Type: "switch", Cases: []Case{
			{If: `who == "100@200" && tier > 2`, Next: "gold"},
			{If: `lang != "en" || tier < 1`, Next: "other"},
		}, Default: "plain"},
		"gold":  {Type: "enqueue", Queue: "gold"},
		"other": {Type: "enqueue", Queue: "other"},
		"plain": {Type: "enqueue", Queue: "plain"},
	}}}
	tests := []struct {
		vars map[string]string
		want string
	}{
		{map[string]string{"http.tier": "3", "lang": "en"}, "gold"},
		{map[string]string{"http.tier": "2", "lang": "en"}, "plain"},
		{map[string]string{"http.tier": "2", "lang": "zh"}, "other"},
		{map[string]string{"http.tier": "0", "lang": "en"}, "other"},
		{map[string]string{"http.tier": "x", "lang": "en"}, "plain"},
	}
	for _, tc := range tests {
		s, _ := NewSession(flows, "f", CallInfo{ANI: "100", DNIS: "200", Vars: tc.vars})
		want := "node:set node:sw node:" + tc.want + " exited:to_queue exit:to_queue enqueue:" + tc.want + "/0"
		if got := brief(s.Start(t0)); got != want {
			t.Errorf("vars %v:\n got %s\nwant %s", tc.vars, got, want)
		}
		if s.Vars()["who"] != "100@200" {
			t.Errorf("who = %q", s.Vars()["who"])
		}
	}
}

func TestExprErrors(t *testing.T) {
	for _, src := range []string{``, `a ==`, `a = 1`, `"x`, `(a == 1`, `a == 1 &&`, `a b`} {
		if _, err := parseExpr(src); err == nil {
			t.Errorf("parseExpr(%q) succeeded", src)
		}
	}
	for _, src := range []string{`a`, `(a == "1" || b) && c >= -2.5`, `x != "y"`} {
		if _, err := parseExpr(src); err != nil {
			t.Errorf("parseExpr(%q): %v", src, err)
		}
	}
}

func httpFlow() map[string]*Flow {
	return map[string]*Flow{"h": {Start: "lookup", Nodes: map[string]*Node{
		"lookup": {Type: "http", URL: "http://crm/lookup?ani=${ani}", Next: "sw", OnError: "err"},
		"sw":     {Type: "switch", Cases: []Case{{If: `http.vip == "true" && http.tier >= 2`, Next: "vip"}}, Default: "err"},
		"vip":    {Type: "enqueue", Queue: "vip"},
		"err":    {Type: "enqueue", Queue: "general"},
	}}}
}

func TestHTTP(t *testing.T) {
	const start = "node:lookup http:POST http://crm/lookup?ani=555"
	tests := []struct {
		name string
		res  HTTPResult
		want string
	}{
		{"success", HTTPResult{Status: 200, Body: []byte(`{"vip":true,"tier":2,"name":"Ann"}`)},
			"node:sw node:vip exited:to_queue exit:to_queue enqueue:vip/0"},
		{"server error", HTTPResult{Status: 500, Body: []byte(`{}`)},
			"node:err exited:to_queue exit:to_queue enqueue:general/0"},
		{"transport error", HTTPResult{Err: fmt.Errorf("refused")},
			"node:err exited:to_queue exit:to_queue enqueue:general/0"},
		{"not an object", HTTPResult{Status: 200, Body: []byte(`[1]`)},
			"node:err exited:to_queue exit:to_queue enqueue:general/0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := runSteps(t, httpFlow(), "h", CallInfo{ANI: "555", Vars: map[string]string{"lang": "en"}}, start,
				[]step{{1, tc.res, tc.want}})
			if tc.name == "success" && s.Vars()["http.name"] != "Ann" {
				t.Errorf("vars %v", s.Vars())
			}
		})
	}
	// The request body is the call and its variables as JSON; a lost result times out to on_error.
	s, _ := NewSession(httpFlow(), "h", CallInfo{CallID: "c1", ANI: "555", DNIS: "5000", Trunk: "carrier", Vars: map[string]string{"lang": "en"}})
	req := s.Start(t0)[1].(HTTPRequest)
	if string(req.Body) != `{"ani":"555","call_id":"c1","dnis":"5000","lang":"en","trunk":"carrier"}` || req.Timeout != 3*time.Second {
		t.Errorf("request %+v", req)
	}
	dl, _ := s.Deadline()
	if got := brief(s.Input(dl, TimerFired{})); got != "node:err exited:to_queue exit:to_queue enqueue:general/0" {
		t.Errorf("lost result: %s", got)
	}
}

func TestGotoLoopGuard(t *testing.T) {
	flows := map[string]*Flow{
		"a": {Start: "x", Nodes: map[string]*Node{"x": {Type: "set", Vars: map[string]string{"n": "1"}, Next: "g"}, "g": {Type: "goto", Flow: "b"}}},
		"b": {Start: "y", Nodes: map[string]*Node{"y": {Type: "goto", Flow: "a"}}},
	}
	s, _ := NewSession(flows, "a", CallInfo{})
	acts := s.Start(t0)
	got := brief(acts[len(acts)-3:])
	if got != "exited:error exit:error hangup:ivr_loop" || len(acts) != 103 {
		t.Errorf("got %d actions ending %s", len(acts), got)
	}
	if s.Result() != ResultError {
		t.Errorf("result %v", s.Result())
	}
}

func TestGotoAndSurvey(t *testing.T) {
	flows := map[string]*Flow{
		"a": {Start: "g", Nodes: map[string]*Node{"g": {Type: "goto", Flow: "survey"}}},
		"survey": {Language: "zh", Start: "q1", Nodes: map[string]*Node{
			"q1":  {Type: "survey", Prompt: "survey_prompt", Next: "end", Retries: 1, InvalidPrompt: "invalid"},
			"end": {Type: "play", Prompts: []string{"thanks"}, Next: "bye"},
			"bye": {Type: "hangup"},
		}},
	}
	runSteps(t, flows, "a", CallInfo{}, "node:g node:q1 play:survey_prompt!", []step{
		{1, PlaybackDone{}, ""},
		{2, Digit{'*'}, "play:invalid+survey_prompt!"},
		{3, Digit{'4'}, "stop digits:4 survey:q1=4 node:end play:thanks"},
		{4, PlaybackDone{}, "node:bye exited:self_served exit:self_served hangup:ivr_hangup"},
	})
}

func TestSchedule(t *testing.T) {
	flows := map[string]*Flow{"s": {Start: "hours", Nodes: map[string]*Node{
		"hours": {Type: "schedule", TimeZone: "America/New_York",
			Hours:    []Hours{{Days: "mon-fri", Start: "09:00", End: "17:00"}, {Days: "sun", Start: "09:00", End: "12:00"}},
			Holidays: []string{"2026-12-25"}, Open: "open", Closed: "closed"},
		"open":   {Type: "enqueue", Queue: "q"},
		"closed": {Type: "hangup"},
	}}}
	tests := []struct {
		at   string // UTC
		open bool
	}{
		// Sunday 2026-03-08 is the DST change: 13:30 UTC is 09:30 EDT (open)…
		{"2026-03-08T13:30:00Z", true},
		// …while the same UTC time a week earlier is 08:30 EST (closed).
		{"2026-03-01T13:30:00Z", false},
		{"2026-03-01T14:30:00Z", true},
		{"2026-03-08T15:59:00Z", true},  // 11:59 EDT
		{"2026-03-08T16:00:00Z", false}, // 12:00 EDT
		{"2026-03-06T21:59:00Z", true},  // Friday 16:59 EST
		{"2026-03-09T21:00:00Z", false}, // Monday 17:00 EDT
		{"2026-03-07T15:00:00Z", false}, // Saturday
		{"2026-12-25T15:00:00Z", false}, // holiday, a Friday
	}
	for _, tc := range tests {
		at, _ := time.Parse(time.RFC3339, tc.at)
		s, _ := NewSession(flows, "s", CallInfo{})
		got := brief(s.Start(at))
		if open := strings.Contains(got, "node:open"); open != tc.open {
			t.Errorf("%s: %s", tc.at, got)
		}
	}
}

func TestSay(t *testing.T) {
	tests := []struct {
		lang, say, value, want string
	}{
		{"en", "digits", "401", "d_4+d_0+d_1"},
		{"en", "number", "0", "d_0"},
		{"en", "number", "15", "n_15"},
		{"en", "number", "1234567", "d_1+w_million+d_2+w_hundred+n_30+d_4+w_thousand+d_5+w_hundred+n_60+d_7"},
		{"en", "number", "3.25", "d_3+w_point+d_2+d_5"},
		{"en", "currency", "12.05", "n_12+cur_dollars+d_5+cur_cents"},
		{"zh", "number", "12", "n_12"},
		{"zh", "number", "1005", "d_1+w_qian+d_0+d_5"},
		{"zh", "number", "10500", "d_1+w_wan+d_0+d_5+w_bai"},
		{"zh", "number", "250", "d_2+w_bai+d_5+w_shi"},
		{"zh", "currency", "3.45", "d_3+cur_yuan+d_4+cur_jiao+d_5+cur_fen"},
	}
	for _, tc := range tests {
		flows := map[string]*Flow{"f": {Language: tc.lang, Start: "s", Nodes: map[string]*Node{
			"s": {Type: "say", Say: tc.say, Value: "${v}", Next: "h"}, "h": {Type: "hangup"}}}}
		s, _ := NewSession(flows, "f", CallInfo{Vars: map[string]string{"v": tc.value}})
		if got, want := brief(s.Start(t0)), "node:s play:"+tc.want; got != want {
			t.Errorf("%s %s %s:\n got %s\nwant %s", tc.lang, tc.say, tc.value, got, want)
		}
	}
}

func TestNewSessionErrors(t *testing.T) {
	if _, err := NewSession(mainMenu(), "nope", CallInfo{}); err == nil {
		t.Error("unknown flow accepted")
	}
}
