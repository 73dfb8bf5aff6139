package config

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// want is one expected problem: its rendered path, kind and a message fragment.
type want struct {
	path string
	kind error
	msg  string
}

// checkProblems loads src and compares the problems with ws, in order.
func checkProblems(t *testing.T, src, baseDir string, ws []want) {
	t.Helper()
	_, err := LoadBytes("t.yaml", []byte(src), baseDir)
	var got Errors
	if err != nil && !errors.As(err, &got) {
		t.Fatalf("error is %T, want Errors: %v", err, err)
	}
	if len(got) != len(ws) {
		t.Fatalf("got %d problems, want %d:\n%v", len(got), len(ws), err)
	}
	for i, w := range ws {
		p := got[i]
		if p.Path != w.path || !errors.Is(p, w.kind) || !strings.Contains(p.Message, w.msg) || p.Line == 0 {
			t.Errorf("problem %d = %s (%v), want %s: …%s… (%v)", i, p.Error(), p.Err, w.path, w.msg, w.kind)
		}
	}
}

func TestDecodeProblems(t *testing.T) {
	fakePrompts(t, "hold", "hi")
	tests := []struct {
		name string
		src  string
		want []want
	}{
		{"empty file is valid", "", nil},
		{"comment only", "# nothing\n", nil},
		{"root not a mapping", "- a\n- b\n", []want{{"", ErrType, "expected a mapping, got a list"}}},
		{"unknown key with hint", "server: {databse: x}\n", []want{{"server.databse", ErrUnknownKey, `did you mean "database"?`}}},
		{"unknown key no hint", "wibble: 1\n", []want{{"wibble", ErrUnknownKey, `unknown key "wibble"`}}},
		{"list expected", "agents: {id: x}\n", []want{{"agents", ErrType, "expected a list, got a mapping"}}},
		{"mapping expected", "server: [1]\n", []want{{"server", ErrType, "expected a mapping, got a list"}}},
		{"int expected", "server: {rtp: {port_min: abc}}\n", []want{{"server.rtp.port_min", ErrType, `expected an integer, got "abc"`}}},
		{"quoted int is a string", "server: {rtp: {port_min: \"20000\"}}\n", []want{{"server.rtp.port_min", ErrType, `got "20000"`}}},
		{"int out of range", "queues: [{name: q, max_len: 99999999999999999999}]\n", []want{{"queues[0].max_len", ErrType, "expected an integer"}}},
		{"string expected", "server: {sip: {realm: [a]}}\n", []want{{"server.sip.realm", ErrType, "expected a string, got a list"}}},
		{"bool expected", "cti: {allow_remote_plain: yes}\n", []want{{"cti.allow_remote_plain", ErrType, `expected true or false, got "yes"`}}},
		{"bad duration", "queues: [{name: q, wrap_up: 5 minutes}]\n", []want{{"queues[0].wrap_up", ErrInvalid, `invalid duration "5 minutes"`}}},
		{"duration mapping", "queues: [{name: q, wrap_up: {s: 5}}]\n", []want{{"queues[0].wrap_up", ErrType, "expected a single value"}}},
		{"duplicate key", "server:\n  database: a\n  database: b\n", []want{{"server.database", ErrDuplicateKey, `duplicate key "database" (first on line 2)`}}},
		{"duplicate map key", "agents: [{id: a, password: p, skills: {x: 1, x: 2}}]\n", []want{{"agents[0].skills.x", ErrDuplicateKey, "duplicate key"}}},
		{"non-scalar key", "server: {[a]: 1}\n", []want{{"server", ErrType, "keys must be plain values"}}},
		{"alias and merge", "base: &b {password: p, skills: {s: 2}}\n", []want{{"base", ErrUnknownKey, ""}}},
		{"merge key", "agents:\n  - &a {id: a, password: p}\n  - {<<: *a, id: b}\n", nil},
		{"self alias", "trunks: [{name: t, sources: &s [*s]}]\n", []want{{"trunks[0].sources[0]", ErrType, "expected a string, got a list"}}},
		{"null values", "server:\nagents:\ntrunks: ~\n", nil},
		{"many at once", "server: {relm: x, rtp: {port_min: x}}\nagents: 3\n", []want{
			{"server.relm", ErrUnknownKey, ""}, {"server.rtp.port_min", ErrType, ""}, {"agents", ErrType, ""}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { checkProblems(t, tc.src, "", tc.want) })
	}
}

func TestValidateProblems(t *testing.T) {
	fakePrompts(t, "hold", "hi")
	dir := t.TempDir()
	writeWAV(t, filepath.Join(dir, "ok.wav"), wavULaw, 1, 8000, 8)
	flow := "flows: {main: {start: a, nodes: {a: {type: hangup}}}}\n"
	tests := []struct {
		name string
		src  string
		want []want
	}{
		{"listen transport", "server: {sip: {listen: [{transport: ws, addr: ':5060'}]}}\n", []want{{"server.sip.listen[0].transport", ErrInvalid, `unknown transport "ws"`}}},
		{"listen addr", "server: {sip: {listen: [{addr: '1.2.3.4'}]}}\n", []want{{"server.sip.listen[0].addr", ErrInvalid, "not host:port"}}},
		{"listen port", "server: {sip: {listen: [{addr: ':70000'}]}}\n", []want{{"server.sip.listen[0].addr", ErrInvalid, "port must be"}}},
		{"listen addr missing", "server: {sip: {listen: [{transport: tcp}]}}\n", []want{{"server.sip.listen[0].addr", ErrRequired, "address is required"}}},
		{"public ip", "server: {sip: {public_ip: example}}\n", []want{{"server.sip.public_ip", ErrInvalid, "not an IP"}}},
		{"rtp ip", "server: {rtp: {ip: 300.1.1.1}}\n", []want{{"server.rtp.ip", ErrInvalid, "not an IP"}}},
		{"port min low", "server: {rtp: {port_min: 1000, port_max: 2000}}\n", []want{{"server.rtp.port_min", ErrInvalid, "outside 1024–65535"}}},
		{"port min odd", "server: {rtp: {port_min: 10001, port_max: 20000}}\n", []want{{"server.rtp.port_min", ErrInvalid, "must be even"}}},
		{"port max high", "server: {rtp: {port_min: 10000, port_max: 70000}}\n", []want{{"server.rtp.port_max", ErrInvalid, "outside"}}},
		{"port max below min", "server: {rtp: {port_min: 20000, port_max: 20000}}\n", []want{{"server.rtp.port_max", ErrInvalid, "greater than port_min"}}},
		{"port max odd is fine", "server: {rtp: {port_min: 20000, port_max: 20999}}\n", nil},
		{"http addr", "server: {http: {addr: 'nope'}}\n", []want{{"server.http.addr", ErrInvalid, "not host:port"}}},
		{"calls per second", "server: {sip: {calls_per_second: -1}}\n", []want{{"server.sip.calls_per_second", ErrInvalid, "may not be negative"}}},
		{"switch max calls", "server: {max_calls: -2}\n", []want{{"server.max_calls", ErrInvalid, "may not be negative"}}},
		{"log level", "server: {log_level: trace}\n", []want{{"server.log_level", ErrInvalid, `unknown log level "trace"`}}},
		{"duplicate agent", "agents: [{id: a, password: p}, {id: a, password: p}]\n", []want{{"agents[1].id", ErrDuplicate, `duplicate agent id "a" (first on line 1)`}}},
		{"agent id missing", "agents: [{password: p}]\n", []want{{"agents[0].id", ErrRequired, "agent id is required"}}},
		{"agent id bad", "agents: [{id: 'a b', password: p}]\n", []want{{"agents[0].id", ErrInvalid, "may not contain"}}},
		{"agent password", "agents: [{id: a}]\n", []want{{"agents[0].password", ErrRequired, "password is required"}}},
		{"agent skill level", "agents: [{id: a, password: p, skills: {x: 0, y: 11, z: 10}}]\n", []want{
			{"agents[0].skills.x", ErrInvalid, "skill level 0"}, {"agents[0].skills.y", ErrInvalid, "skill level 11"}}},
		{"agent role", "agents: [{id: a, password: p, role: supervisr}]\n", []want{{"agents[0].role", ErrInvalid, `unknown agent role "supervisr" (want agent or supervisor)`}}},
		{"agent roles fine", "agents: [{id: a, password: p, role: supervisor}, {id: b, password: p, role: agent}]\n", nil},
		{"duplicate queue", "queues: [{name: q}, {name: q}]\n", []want{{"queues[1].name", ErrDuplicate, `duplicate queue name "q"`}}},
		{"queue min skill", "queues: [{name: q, skills: {s: 12}}]\n", []want{{"queues[0].skills.s", ErrInvalid, "outside 1–10"}}},
		{"strategy", "queues: [{name: q, strategy: fifo}]\n", []want{{"queues[0].strategy", ErrInvalid, `unknown strategy "fifo"`}}},
		{"all strategies", "queues:\n" + func() string {
			var b strings.Builder
			for _, s := range Strategies {
				fmt.Fprintf(&b, "  - {name: %s, strategy: %s}\n", s, s)
			}
			return b.String()
		}(), nil},
		{"negative duration", "queues: [{name: q, max_wait: -1s}]\n", []want{{"queues[0].max_wait", ErrInvalid, "negative"}}},
		{"negative max_len", "queues: [{name: q, max_len: -1, no_answer_limit: -2}]\n", []want{
			{"queues[0].max_len", ErrInvalid, "negative"}, {"queues[0].no_answer_limit", ErrInvalid, "negative"}}},
		{"moh builtin missing", "queues: [{name: q, moh: jazz}]\n", []want{{"queues[0].moh", ErrPrompt, `no built-in prompt "jazz" in language "en"`}}},
		{"moh file", "queues: [{name: q, moh: ok.wav}]\n", nil},
		{"moh file missing", "queues: [{name: q, moh: gone.wav}]\n", []want{{"queues[0].moh", ErrPrompt, `prompt file "gone.wav" not found`}}},
		{"vip neither", "queues: [{name: q, vip: [{priority: 1}]}]\n", []want{{"queues[0].vip[0]", ErrInvalid, "exactly one of prefix or numbers"}}},
		{"vip both", "queues: [{name: q, vip: [{prefix: '1', numbers: ['2']}]}]\n", []want{{"queues[0].vip[0]", ErrInvalid, "exactly one"}}},
		{"overflow after", "queues: [{name: q, overflow: [{lower_min: 1}]}]\n", []want{{"queues[0].overflow[0].after", ErrRequired, "positive duration"}}},
		{"overflow lower_min", "queues: [{name: q, overflow: [{after: 1s, lower_min: -1}]}]\n", []want{{"queues[0].overflow[0].lower_min", ErrInvalid, "negative"}}},
		{"overflow add_skills", "queues: [{name: q, overflow: [{after: 1s, add_skills: {x: 0}}]}]\n", []want{{"queues[0].overflow[0].add_skills.x", ErrInvalid, "skill level 0"}}},
		{"overflow missing queue", "queues: [{name: q, overflow: [{after: 1s, to_queue: r}]}]\n", []want{{"queues[0].overflow[0].to_queue", ErrReference, `no queue named "r"`}}},
		{"overflow self", "queues: [{name: q, overflow: [{after: 1s, to_queue: q}]}]\n", []want{{"queues[0].overflow[0].to_queue", ErrInvalid, "overflows to itself"}}},
		{"overflow missing flow", "queues: [{name: q, overflow: [{after: 1s, to_flow: f}]}]\n", []want{{"queues[0].overflow[0].to_flow", ErrReference, `no flow named "f"`}}},
		{"overflow both", flow + "queues: [{name: q}, {name: r, overflow: [{after: 1s, to_flow: main, to_queue: q}]}]\n", []want{{"queues[1].overflow[0]", ErrInvalid, "not both"}}},
		{"exit key flow", flow + "queues: [{name: q, exit_keys: {'1': main, '2': other}}]\n", []want{{"queues[0].exit_keys.2", ErrReference, `no flow named "other"`}}},
		{"exit key digit", flow + "queues: [{name: q, exit_keys: {'A': main}}]\n", []want{{"queues[0].exit_keys.A", ErrInvalid, "single DTMF digit"}}},
		{"duplicate trunk", "trunks: [{name: t, sources: [1.2.3.4]}, {name: t, sources: [1.2.3.4]}]\n", []want{{"trunks[1].name", ErrDuplicate, `duplicate trunk name "t"`}}},
		{"bad cidr", "trunks: [{name: t, sources: [10.0.0.0/40, 10.0.0.1, 'host']}]\n", []want{
			{"trunks[0].sources[0]", ErrInvalid, "not an IP address or CIDR"}, {"trunks[0].sources[2]", ErrInvalid, "not an IP"}}},
		{"open trunk", "trunks: [{name: t}]\n", []want{{"trunks[0]", ErrRequired, "needs sources or username"}}},
		{"username without password", "trunks: [{name: t, username: u}]\n", []want{{"trunks[0].password", ErrRequired, "go together"}}},
		{"route missing queue", "trunks: [{name: t, sources: [1.2.3.4], routes: [{number: '1', queue: nope}]}]\n", []want{{"trunks[0].routes[0].queue", ErrReference, `no queue named "nope"`}}},
		{"route missing flow", "trunks: [{name: t, sources: [1.2.3.4], routes: [{number: '1', flow: nope}]}]\n", []want{{"trunks[0].routes[0].flow", ErrReference, `no flow named "nope"`}}},
		{"route neither", "trunks: [{name: t, sources: [1.2.3.4], routes: [{number: '1'}]}]\n", []want{{"trunks[0].routes[0]", ErrInvalid, "exactly one of flow or queue"}}},
		{"route number", flow + "trunks: [{name: t, sources: [1.2.3.4], routes: [{flow: main}]}]\n", []want{{"trunks[0].routes[0].number", ErrRequired, "number is required"}}},
		{"route duplicate", flow + "trunks: [{name: t, sources: [1.2.3.4], routes: [{number: '1', flow: main}, {number: '1', flow: main}]}]\n", []want{{"trunks[0].routes[1].number", ErrDuplicate, "duplicate route"}}},
		{"route after star", flow + "trunks: [{name: t, sources: [1.2.3.4], routes: [{number: '*', flow: main}, {number: '1', flow: main}]}]\n", []want{{"trunks[0].routes[1].number", ErrInvalid, "never used"}}},
		{"cti listen", "cti: {listen: 'x:y'}\n", []want{{"cti.listen", ErrInvalid, "port must be"}}},
		{"cti remote plain", "cti: {listen: ':7070'}\n", []want{{"cti.listen", ErrInvalid, "reachable from other hosts"}}},
		{"cti remote allowed", "cti: {listen: ':7070', allow_remote_plain: true}\n", nil},
		{"cti cert pair", "cti: {cert_file: ok.wav}\n", []want{{"cti.key_file", ErrRequired, "go together"}}},
		{"cti cert missing", "cti: {cert_file: c.pem, key_file: ok.wav}\n", []want{{"cti.cert_file", ErrReference, `file "c.pem" not found`}}},
		{"cti token role", "cti: {tokens: [{token: a, role: root}]}\n", []want{{"cti.tokens[0].role", ErrInvalid, `unknown role "root"`}}},
		{"cti token agent", "agents: [{id: '7', password: p}]\ncti: {tokens: [{token: a, role: 'agent:7'}, {token: b, role: 'agent:8'}]}\n", []want{{"cti.tokens[1].role", ErrReference, `no agent with id "8"`}}},
		{"cti token dup", "cti: {tokens: [{token: a, role: crm}, {token: a, role: admin}, {role: crm}]}\n", []want{
			{"cti.tokens[1].token", ErrDuplicate, "token repeated"}, {"cti.tokens[2].token", ErrRequired, "token is required"}}},
		{"decode problem hides follow-up", "server: {rtp: {port_min: x}}\nqueues: [{name: [q]}]\n", []want{
			{"server.rtp.port_min", ErrType, ""}, {"queues[0].name", ErrType, ""}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { checkProblems(t, tc.src, dir, tc.want) })
	}
}

func TestFlowProblems(t *testing.T) {
	fakePrompts(t, "hold", "hi")
	dir := t.TempDir()
	writeWAV(t, filepath.Join(dir, "ok.wav"), wavPCM, 1, 8000, 16)
	pre := "queues: [{name: q}]\nagents: [{id: '1', password: p}]\nflows:\n"
	tests := []struct {
		name string
		src  string
		want []want
	}{
		{"valid", "  main: {start: a, nodes: {a: {type: play, prompts: [hi, ok.wav], next: b}, b: {type: enqueue, queue: q}}}\n", nil},
		{"language", "  main: {language: de, start: a, nodes: {a: {type: hangup}}}\n", []want{{"flows.main.language", ErrFlow, `unknown language "de"`}}},
		{"no nodes", "  main: {start: a}\n", []want{{"flows.main.nodes", ErrFlow, "no nodes"}}},
		{"start missing", "  main: {nodes: {a: {type: hangup}}}\n", []want{{"flows.main.start", ErrFlow, "start node is required"}}},
		{"start dangling", "  main: {start: b, nodes: {a: {type: hangup}}}\n", []want{{"flows.main.start", ErrFlow, `start node "b" does not exist`}}},
		{"node type", "  main: {start: a, nodes: {a: {type: dance}, b: {}}}\n", []want{
			{"flows.main.nodes.a.type", ErrFlow, `unknown node type "dance"`}, {"flows.main.nodes.b.type", ErrFlow, "node type is required"},
			{"flows.main.nodes.b", ErrFlow, `not reachable`}}},
		{"next dangling", "  main: {start: a, nodes: {a: {type: play, prompts: [hi], next: z}}}\n", []want{{"flows.main.nodes.a.next", ErrFlow, `no node "z"`}}},
		{"option dangling", "  main:\n    start: a\n    nodes:\n      a:\n        type: menu\n        prompt: hi\n        options: {'1': a, '3': z}\n        fallback: y\n", []want{
			{"flows.main.nodes.a.options.3", ErrFlow, `no node "z"`}, {"flows.main.nodes.a.fallback", ErrFlow, `no node "y"`}}},
		{"case dangling", "  main: {start: a, nodes: {a: {type: switch, cases: [{if: x, next: z}], default: a}}}\n", []want{{"flows.main.nodes.a.cases[0].next", ErrFlow, `no node "z"`}}},
		{"enqueue dangling", "  main: {start: a, nodes: {a: {type: enqueue, queue: r}}}\n", []want{{"flows.main.nodes.a.queue", ErrFlow, `no queue named "r"`}}},
		{"enqueue without queue", "  main: {start: a, nodes: {a: {type: enqueue}}}\n", []want{{"flows.main.nodes.a.queue", ErrFlow, "needs a queue"}}},
		{"prompt builtin in zh", "  main: {language: zh, start: a, nodes: {a: {type: play, prompts: [bye]}}}\n", []want{{"flows.main.nodes.a.prompts[0]", ErrFlow, `no built-in prompt "bye" in language "zh"`}}},
		{"prompt file", "  main: {start: a, nodes: {a: {type: menu, prompt: none.wav, invalid_prompt: hi, options: {'1': a}}}}\n", []want{{"flows.main.nodes.a.prompt", ErrFlow, `prompt file "none.wav" not found`}}},
		{"goto flow", "  main: {start: a, nodes: {a: {type: goto, flow: other}}}\n", []want{{"flows.main.nodes.a.flow", ErrFlow, `no flow named "other"`}}},
		{"transfer agent", "  main: {start: a, nodes: {a: {type: transfer, target: 'agent:2'}}}\n", []want{{"flows.main.nodes.a.target", ErrFlow, `no agent with id "2"`}}},
		{"node field type", "  main: {start: a, nodes: {a: {type: menu, prompt: hi, options: {'1': a}, retries: lots}}}\n", []want{{"flows.main.nodes.a.retries", ErrType, `got "lots"`}}},
		{"node unknown field", "  main: {start: a, nodes: {a: {type: hangup, nxt: a}}}\n", []want{{"flows.main.nodes.a.nxt", ErrUnknownKey, `did you mean "next"?`}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { checkProblems(t, pre+tc.src, dir, tc.want) })
	}
}

// writeWAV writes a short silent WAV with the given header fields.
func writeWAV(t *testing.T, path string, format, channels uint16, rate uint32, bits uint16) {
	t.Helper()
	block := channels * bits / 8
	fmtChunk := binary.LittleEndian.AppendUint16(nil, format)
	fmtChunk = binary.LittleEndian.AppendUint16(fmtChunk, channels)
	fmtChunk = binary.LittleEndian.AppendUint32(fmtChunk, rate)
	fmtChunk = binary.LittleEndian.AppendUint32(fmtChunk, rate*uint32(block))
	fmtChunk = binary.LittleEndian.AppendUint16(fmtChunk, block)
	fmtChunk = binary.LittleEndian.AppendUint16(fmtChunk, bits)
	chunk := func(id string, b []byte) []byte {
		out := append([]byte(id), binary.LittleEndian.AppendUint32(nil, uint32(len(b)))...)
		out = append(out, b...)
		if len(b)%2 == 1 {
			out = append(out, 0)
		}
		return out
	}
	body := []byte("WAVE")
	body = append(body, chunk("LIST", []byte("INFOodd"))...) // odd-sized chunk before fmt
	body = append(body, chunk("fmt ", fmtChunk)...)
	body = append(body, chunk("data", make([]byte, 160))...)
	file := append([]byte("RIFF"), binary.LittleEndian.AppendUint32(nil, uint32(len(body)))...)
	if err := os.WriteFile(path, append(file, body...), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestCheckWAV(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name     string
		format   uint16
		channels uint16
		rate     uint32
		bits     uint16
		want     string // fragment of the error, "" for ok
	}{
		{"pcm16", wavPCM, 1, 8000, 16, ""},
		{"ulaw", wavULaw, 1, 8000, 8, ""},
		{"alaw", wavALaw, 1, 8000, 8, ""},
		{"pcm8", wavPCM, 1, 8000, 8, "8-bit PCM"},
		{"16k", wavPCM, 1, 16000, 16, "16000 Hz"},
		{"stereo", wavULaw, 2, 8000, 8, "2 channels"},
		{"float", 3, 1, 8000, 32, "format code 3"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(dir, tc.name+".wav")
			writeWAV(t, p, tc.format, tc.channels, tc.rate, tc.bits)
			err := checkWAV(p)
			if (tc.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.want)) {
				t.Errorf("checkWAV = %v, want %q", err, tc.want)
			}
		})
	}
	for name, data := range map[string]string{"empty": "", "text": "hello world", "riff only": "RIFF\x04\x00\x00\x00WAVE", "tiny fmt": "RIFF\x10\x00\x00\x00WAVEfmt \x02\x00\x00\x00ab"} {
		p := filepath.Join(dir, strings.ReplaceAll(name, " ", "_")+".wav")
		os.WriteFile(p, []byte(data), 0o644)
		if err := checkWAV(p); !errors.Is(err, errNotWAV) {
			t.Errorf("%s: checkWAV = %v, want errNotWAV", name, err)
		}
	}
	if err := checkWAV(dir); err == nil {
		t.Error("checkWAV(directory) = nil")
	}
}
