package config

import (
	"cmp"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/hotline/hotline/ivr"
)

// flowProblem and flowEnv mirror ivr.Problem and ivr.Env so that
// flowEnv is what flow validation needs to know of the rest of the file;
// PromptErr and Languages only give richer messages here.
type flowProblem struct {
	Path []string // relative to flows, e.g. main nodes menu options 3
	Msg  string
}

type flowEnv struct {
	QueueExists  func(string) bool
	AgentExists  func(string) bool
	ExtExists    func(string) bool
	ExtAllowed   func(flow, number string) bool
	CanCallBack  func(queue string) bool // the queue has a callback_trunk
	FlowCanDial  func(flow string) bool  // some dial rule names the flow
	PromptExists func(lang, ref string) bool
	PromptErr    func(lang, ref string) error
	Languages    []string
}

// validateFlows checks the IVR flows with config's own checks (richer prompt
// messages) and the interpreter's ivr.Validate (field/type mismatches,
// unreachable nodes, loops); where both flag the same key, config's wins.
func validateFlows(flows map[string]*ivr.Flow, env flowEnv) []flowProblem {
	out := checkFlows(flows, env)
	seen := map[string]bool{}
	for _, p := range out {
		seen[strings.Join(p.Path, ".")] = true
	}
	for _, p := range ivr.Validate(flows, ivr.Env{QueueExists: env.QueueExists, AgentExists: env.AgentExists,
		ExtensionExists: env.ExtExists, ExternalAllowed: env.ExtAllowed, PromptExists: env.PromptExists}) {
		if k := strings.Join(p.Path, "."); !seen[k] {
			seen[k] = true
			out = append(out, flowProblem{Path: p.Path, Msg: p.Msg})
		}
	}
	return out
}

// nodeTypes are the IVR node types Hotline's interpreter executes.
var nodeTypes = []string{"play", "say", "menu", "collect", "set", "switch", "schedule", "http",
	"enqueue", "transfer", "voicemail", "callback", "survey", "goto", "hangup"}

func checkFlows(flows map[string]*ivr.Flow, env flowEnv) []flowProblem {
	var out []flowProblem
	bad := func(msg string, path ...string) { out = append(out, flowProblem{Path: path, Msg: msg}) }
	for _, name := range sortedKeys(flows) {
		f := flows[name]
		if !slices.Contains(env.Languages, f.Language) {
			bad(fmt.Sprintf("unknown language %q (want one of %s)", f.Language, strings.Join(env.Languages, ", ")), name, "language")
		}
		switch _, ok := f.Nodes[f.Start]; {
		case len(f.Nodes) == 0:
			bad("flow has no nodes", name, "nodes")
		case f.Start == "":
			bad("start node is required", name, "start")
		case !ok:
			bad(fmt.Sprintf("start node %q does not exist", f.Start), name, "start")
		}
		for _, id := range sortedKeys(f.Nodes) {
			n := f.Nodes[id]
			p := func(rest ...string) []string { return append([]string{name, "nodes", id}, rest...) }
			if n.Type == "" {
				bad("node type is required", p("type")...)
			} else if !slices.Contains(nodeTypes, n.Type) {
				bad(fmt.Sprintf("unknown node type %q (want one of %s)", n.Type, strings.Join(nodeTypes, ", ")), p("type")...)
			}
			node := func(key, target string) {
				if _, ok := f.Nodes[target]; target != "" && !ok {
					bad(fmt.Sprintf("no node %q in flow %q", target, name), p(key)...)
				}
			}
			for key, target := range map[string]string{"next": n.Next, "fallback": n.Fallback, "default": n.Default,
				"open": n.Open, "closed": n.Closed, "on_error": n.OnError} {
				node(key, target)
			}
			for _, digit := range sortedKeys(n.Options) {
				node("options\x00"+digit, n.Options[digit])
			}
			for i, c := range n.Cases {
				node(fmt.Sprintf("cases\x00%d\x00next", i), c.Next)
			}
			prompt := func(ref string, path ...string) {
				if err := env.PromptErr(f.Language, ref); err != nil {
					bad(err.Error(), p(path...)...)
				}
			}
			for i, ref := range n.Prompts {
				prompt(ref, "prompts", fmt.Sprint(i))
			}
			for key, ref := range map[string]string{"prompt": n.Prompt, "invalid_prompt": n.InvalidPrompt, "timeout_prompt": n.TimeoutPrompt} {
				if ref != "" {
					prompt(ref, key)
				}
			}
			if (n.Type == "enqueue" || n.Type == "callback") && n.Queue == "" {
				bad(n.Type+" node needs a queue", p("queue")...)
			} else if n.Queue != "" && !env.QueueExists(n.Queue) {
				bad(fmt.Sprintf("no queue named %q", n.Queue), p("queue")...)
			}
			if n.Type == "callback" && n.Queue != "" && env.QueueExists(n.Queue) && !env.CanCallBack(n.Queue) {
				bad(fmt.Sprintf("queue %q has no callback_trunk to call back through", n.Queue), p("queue")...)
			}
			if n.Type == "callback" && !env.FlowCanDial(name) {
				// Callers type the number: only dial rules keep it off premium lines.
				bad(fmt.Sprintf("no dial rule names flow %q, so the numbers its callers leave could not be called", name), p("type")...)
			}
			if _, ok := flows[n.Flow]; n.Flow != "" && !ok {
				bad(fmt.Sprintf("no flow named %q", n.Flow), p("flow")...)
			}
			if id, ok := strings.CutPrefix(n.Target, "agent:"); ok && !env.AgentExists(id) {
				bad(fmt.Sprintf("no agent with id %q", id), p("target")...)
			}
		}
	}
	// Nested keys were joined with NUL above to keep the helpers short.
	for i := range out {
		var segs []string
		for _, s := range out[i].Path {
			segs = append(segs, strings.Split(s, "\x00")...)
		}
		out[i].Path = segs
	}
	return out
}

func sortedKeys[M ~map[K]V, K cmp.Ordered, V any](m M) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func statFile(path string) (os.FileInfo, error) { return os.Stat(path) }
