package ivr

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Env lets Validate check references outside the flows; nil funcs skip a check.
type Env struct {
	QueueExists     func(string) bool
	AgentExists     func(string) bool
	ExtensionExists func(string) bool
	// ExternalAllowed says whether a dial rule lets flow dial number
	// through a trunk (the toll-fraud guard applies to IVR transfers too).
	ExternalAllowed func(flow, number string) bool
	PromptExists    func(lang, ref string) bool
}

// Problem is one flow error; Path is relative to `flows`, e.g.
// ["main", "nodes", "menu", "options", "3"].
type Problem struct {
	Path []string
	Msg  string
}

func (p Problem) String() string { return strings.Join(p.Path, ".") + ": " + p.Msg }

// NodeTypes are the node types the interpreter executes.
var NodeTypes = []string{"play", "say", "menu", "collect", "set", "switch", "schedule", "http",
	"enqueue", "transfer", "voicemail", "callback", "survey", "goto", "hangup"}

var sayKinds = []string{"digits", "number", "currency", "date", "time"}

// Validate checks every flow and returns the problems in a stable order.
func Validate(flows map[string]*Flow, env Env) []Problem {
	var out []Problem
	for _, name := range sortedKeys(flows) {
		out = append(out, validateFlow(flows, name, env)...)
	}
	return out
}

func validateFlow(flows map[string]*Flow, name string, env Env) []Problem {
	f := flows[name]
	var out []Problem
	bad := func(path []string, format string, args ...any) {
		out = append(out, Problem{Path: path, Msg: fmt.Sprintf(format, args...)})
	}
	if f == nil {
		bad([]string{name}, "flow is empty")
		return out
	}
	lang := f.Language
	if lang == "" {
		lang = "en"
	}
	switch {
	case len(f.Nodes) == 0:
		bad([]string{name, "nodes"}, "flow has no nodes")
	case f.Start == "":
		bad([]string{name, "start"}, "start node is required")
	case f.Nodes[f.Start] == nil:
		bad([]string{name, "start"}, "start node %q does not exist", f.Start)
	}
	for _, id := range sortedKeys(f.Nodes) {
		n := f.Nodes[id]
		p := func(rest ...string) []string { return append([]string{name, "nodes", id}, rest...) }
		if n == nil {
			bad(p(), "node is empty")
			continue
		}
		if !slices.Contains(NodeTypes, n.Type) {
			bad(p("type"), "unknown node type %q (want one of %s)", n.Type, strings.Join(NodeTypes, ", "))
		}
		ref := func(target string, path ...string) {
			if target != "" && f.Nodes[target] == nil {
				bad(p(path...), "no node %q in flow %q", target, name)
			}
		}
		ref(n.Next, "next")
		ref(n.Fallback, "fallback")
		ref(n.Default, "default")
		ref(n.Open, "open")
		ref(n.Closed, "closed")
		ref(n.OnError, "on_error")
		for _, k := range sortedKeys(n.Options) {
			if len(k) != 1 || !strings.Contains("0123456789*#", k) {
				bad(p("options", k), "option key %q is not one of 0-9, * or #", k)
			}
			ref(n.Options[k], "options", k)
		}
		for i, c := range n.Cases {
			if _, err := parseExpr(c.If); err != nil {
				bad(p("cases", strconv.Itoa(i), "if"), "%v", err)
			}
			ref(c.Next, "cases", strconv.Itoa(i), "next")
		}
		if env.PromptExists != nil {
			prompt := func(r string, path ...string) {
				if r != "" && !env.PromptExists(lang, r) {
					bad(p(path...), "prompt %q not found for language %q", r, lang)
				}
			}
			for i, r := range n.Prompts {
				prompt(r, "prompts", strconv.Itoa(i))
			}
			prompt(n.Prompt, "prompt")
			prompt(n.InvalidPrompt, "invalid_prompt")
			prompt(n.TimeoutPrompt, "timeout_prompt")
		}
		out = append(out, validateType(flows, n, p, env)...)
		if n.Type == "transfer" && n.Target != "" {
			out = append(out, validateTarget(name, n, p, env)...)
		}
	}
	for _, id := range unreachable(f) {
		bad([]string{name, "nodes", id}, "node %q is not reachable from start %q", id, f.Start)
	}
	return out
}

// validateType checks what each node type needs.
func validateType(flows map[string]*Flow, n *Node, p func(...string) []string, env Env) []Problem {
	var out []Problem
	bad := func(path []string, format string, args ...any) {
		out = append(out, Problem{Path: path, Msg: fmt.Sprintf(format, args...)})
	}
	switch n.Type {
	case "menu":
		if len(n.Options) == 0 {
			bad(p("options"), "menu needs options")
		}
		if n.Prompt == "" {
			bad(p("prompt"), "menu needs a prompt")
		}
	case "collect":
		if n.Pattern != "" {
			if _, err := regexp.Compile(n.Pattern); err != nil {
				bad(p("pattern"), "bad pattern: %v", err)
			}
		}
		if n.MaxDigits > 0 && n.MinDigits > n.MaxDigits {
			bad(p("min_digits"), "min_digits %d exceeds max_digits %d", n.MinDigits, n.MaxDigits)
		}
		if len(n.Terminator) > 1 || n.Terminator != "" && !strings.Contains("0123456789*#", n.Terminator) {
			bad(p("terminator"), "terminator %q is not one key", n.Terminator)
		}
		if n.Var == "" {
			bad(p("var"), "collect needs a var")
		}
	case "say":
		if !slices.Contains(sayKinds, n.Say) {
			bad(p("say"), "say %q is not one of %s", n.Say, strings.Join(sayKinds, ", "))
		}
	case "switch":
		if len(n.Cases) == 0 {
			bad(p("cases"), "switch needs cases")
		}
	case "schedule":
		if n.TimeZone != "" {
			if _, err := time.LoadLocation(n.TimeZone); err != nil {
				bad(p("timezone"), "unknown time zone %q", n.TimeZone)
			}
		}
		for i, h := range n.Hours {
			if _, err := parseDays(h.Days); err != nil {
				bad(p("hours", strconv.Itoa(i), "days"), "%v", err)
			}
			if _, err := parseClock(h.Start); err != nil {
				bad(p("hours", strconv.Itoa(i), "start"), "%v", err)
			}
			if _, err := parseClock(h.End); err != nil {
				bad(p("hours", strconv.Itoa(i), "end"), "%v", err)
			}
		}
		for i, d := range n.Holidays {
			if _, err := time.Parse(time.DateOnly, d); err != nil {
				bad(p("holidays", strconv.Itoa(i)), "holiday %q is not YYYY-MM-DD", d)
			}
		}
		if n.Open == "" || n.Closed == "" {
			bad(p(), "schedule needs open and closed")
		}
	case "http":
		if n.URL == "" {
			bad(p("url"), "http needs a url")
		}
		if n.OnError == "" {
			bad(p("on_error"), "http needs on_error")
		}
	case "enqueue":
		switch {
		case n.Queue == "":
			bad(p("queue"), "enqueue needs a queue")
		case env.QueueExists != nil && !strings.Contains(n.Queue, "${") && !env.QueueExists(n.Queue):
			bad(p("queue"), "no queue named %q", n.Queue)
		}
	case "transfer":
		if n.Target == "" {
			bad(p("target"), "transfer needs a target")
		}
	case "callback":
		switch {
		case n.Queue == "":
			bad(p("queue"), "callback needs the queue whose agents call back")
		case env.QueueExists != nil && !strings.Contains(n.Queue, "${") && !env.QueueExists(n.Queue):
			bad(p("queue"), "no queue named %q", n.Queue)
		}
		if n.TimeZone != "" {
			if _, err := time.LoadLocation(n.TimeZone); err != nil {
				bad(p("timezone"), "unknown time zone %q", n.TimeZone)
			}
		}
	case "goto", "survey":
		if n.Type == "goto" && n.Flow == "" {
			bad(p("flow"), "goto needs a flow")
		} else if n.Flow != "" && flows[n.Flow] == nil {
			bad(p("flow"), "no flow named %q", n.Flow)
		}
	}
	return out
}

// unreachable lists nodes no path from the start node leads to.
func unreachable(f *Flow) []string {
	if f.Nodes[f.Start] == nil {
		return nil
	}
	seen := map[string]bool{}
	stack := []string{f.Start}
	for len(stack) > 0 {
		id := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		n := f.Nodes[id]
		if seen[id] || n == nil {
			continue
		}
		seen[id] = true
		stack = append(stack, n.Next, n.Fallback, n.Default, n.Open, n.Closed, n.OnError)
		for _, k := range sortedKeys(n.Options) {
			stack = append(stack, n.Options[k])
		}
		for _, c := range n.Cases {
			stack = append(stack, c.Next)
		}
	}
	var out []string
	for _, id := range sortedKeys(f.Nodes) {
		if !seen[id] {
			out = append(out, id)
		}
	}
	return out
}

// validateTarget checks a transfer node's target: its kind, and where it is
// written out (no ${var}), that it exists and configuration allows it.
func validateTarget(flow string, n *Node, p func(...string) []string, env Env) []Problem {
	kind, val, ok := strings.Cut(n.Target, ":")
	if !ok || val == "" {
		return []Problem{{p("target"), fmt.Sprintf("target %q is not agent:<id>, queue:<name>, ext:<number> or external:<number>", n.Target)}}
	}
	if strings.Contains(val, "${") {
		return nil // checked when the call gets there
	}
	var exists func(string) bool
	var msg string
	switch kind {
	case "agent":
		exists, msg = env.AgentExists, "no agent with id %q"
	case "queue":
		exists, msg = env.QueueExists, "no queue named %q"
	case "ext":
		exists, msg = env.ExtensionExists, "no extension %q"
	case "external":
		if env.ExternalAllowed != nil && !env.ExternalAllowed(flow, val) {
			return []Problem{{p("target"), fmt.Sprintf("no dial rule lets flow %q call %q", flow, val)}}
		}
		return nil
	default:
		return []Problem{{p("target"), fmt.Sprintf("target kind %q is not agent, queue, ext or external", kind)}}
	}
	if exists != nil && !exists(val) {
		return []Problem{{p("target"), fmt.Sprintf(msg, val)}}
	}
	return nil
}
