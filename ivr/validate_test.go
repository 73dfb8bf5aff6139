package ivr

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestValidate(t *testing.T) {
	flows := map[string]*Flow{
		"main": {Language: "en", Start: "menu", Nodes: map[string]*Node{
			"menu": {Type: "menu", Prompt: "menu_sales_support", InvalidPrompt: "nope",
				Options: map[string]string{"1": "q", "3": "ghost", "x": "q"}, Fallback: "g"},
			"q":      {Type: "enqueue", Queue: "missing"},
			"g":      {Type: "goto", Flow: "other"},
			"s":      {Type: "switch", Cases: []Case{{If: `a ==`, Next: "q"}}, Default: "q"},
			"weird":  {Type: "dance"},
			"survey": {Type: "survey", Flow: "post"},
		}},
		"nostart": {Start: "x", Nodes: map[string]*Node{"y": {Type: "hangup"}}},
	}
	env := Env{
		QueueExists:  func(q string) bool { return q == "sales" },
		PromptExists: func(lang, ref string) bool { return lang == "en" && ref != "nope" },
	}
	var got []string
	for _, p := range Validate(flows, env) {
		got = append(got, p.String())
	}
	want := []string{
		`main.nodes.g.flow: no flow named "other"`,
		`main.nodes.menu.options.3: no node "ghost" in flow "main"`,
		`main.nodes.menu.options.x: option key "x" is not one of 0-9, * or #`,
		`main.nodes.menu.invalid_prompt: prompt "nope" not found for language "en"`,
		`main.nodes.q.queue: no queue named "missing"`,
		`main.nodes.s.cases.0.if: ivr: invalid expression: unexpected end`,
		`main.nodes.survey.flow: no flow named "post"`,
		`main.nodes.weird.type: unknown node type "dance" (want one of ` + strings.Join(NodeTypes, ", ") + `)`,
		`main.nodes.s: node "s" is not reachable from start "menu"`,
		`main.nodes.survey: node "survey" is not reachable from start "menu"`,
		`main.nodes.weird: node "weird" is not reachable from start "menu"`,
		`nostart.start: start node "x" does not exist`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if ps := Validate(mainMenu(), Env{}); len(ps) != 0 {
		t.Errorf("clean flow: %v", ps)
	}
}

func TestDryRunTwoLevelMenu(t *testing.T) {
	flows := mainMenu()
	f := flows["main"]
	f.Nodes["menu"].Options["2"] = "support_menu"
	f.Nodes["support_menu"] = &Node{Type: "menu", Prompt: "menu_sales_support",
		Options: map[string]string{"1": "support", "2": "bye"}, Timeout: Duration(4 * time.Second), Fallback: "bye"}
	tests := []struct{ digits, want string }{
		{"21", `node main/welcome (play)
play welcome (barge-in)
node main/menu (menu)
play menu_sales_support (barge-in)
press 2
digits 2 accepted
node main/support_menu (menu)
play menu_sales_support (barge-in)
press 1
digits 1 accepted
node main/support (enqueue)
result to_queue
enqueue support priority 0
`},
		{"9", `node main/welcome (play)
play welcome (barge-in)
node main/menu (menu)
play menu_sales_support (barge-in)
press 9
play invalid, menu_sales_support (barge-in)
timeout after 5s
node main/bye (hangup)
result self_served
hangup (ivr_hangup)
`},
		{"2-", `node main/welcome (play)
play welcome (barge-in)
node main/menu (menu)
play menu_sales_support (barge-in)
press 2
digits 2 accepted
node main/support_menu (menu)
play menu_sales_support (barge-in)
timeout after 4s
node main/bye (hangup)
result self_served
hangup (ivr_hangup)
`},
	}
	for _, tc := range tests {
		var b bytes.Buffer
		if err := DryRun(&b, flows, "main", tc.digits, CallInfo{}, t0); err != nil {
			t.Fatal(err)
		}
		if b.String() != tc.want {
			t.Errorf("digits %q:\n%s\nwant:\n%s", tc.digits, b.String(), tc.want)
		}
	}
}
