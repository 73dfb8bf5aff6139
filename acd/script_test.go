package acd

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/*.txt golden outputs")

// t0 is the scripts' clock origin; times print as offsets from it.
var t0 = time.Date(2025, 1, 6, 9, 0, 0, 0, time.UTC)

// Script format (etcd-raft datadriven style): a block is one or more command
// lines, a line "----", then the expected output up to a blank line.
type block struct {
	head []string // command and comment lines, written back by -update
	cmds []string
	want string
	line int
}

func parseScript(t *testing.T, text string) []block {
	var out []block
	lines := strings.Split(text, "\n")
	for i := 0; i < len(lines); {
		if strings.TrimSpace(lines[i]) == "" {
			i++
			continue
		}
		b := block{line: i + 1}
		for ; i < len(lines) && strings.TrimSpace(lines[i]) != "----"; i++ {
			b.head = append(b.head, lines[i])
			if s := strings.TrimSpace(lines[i]); s != "" && !strings.HasPrefix(s, "#") {
				b.cmds = append(b.cmds, s)
			}
		}
		if i == len(lines) {
			if len(b.cmds) == 0 {
				break
			}
			t.Fatalf("line %d: block without ----", b.line)
		}
		i++
		var want []string
		for ; i < len(lines) && strings.TrimSpace(lines[i]) != ""; i++ {
			want = append(want, lines[i])
		}
		b.want = strings.Join(want, "\n")
		out = append(out, b)
	}
	return out
}

func TestScripts(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.txt")
	if len(files) == 0 {
		t.Fatal("no scripts")
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".txt"), func(t *testing.T) {
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			blocks := parseScript(t, string(raw))
			h := &harness{t: t, now: t0, qs: map[string]*QueueConfig{}}
			var sb strings.Builder
			for i, b := range blocks {
				got := h.run(b.cmds)
				if *update {
					if i > 0 {
						sb.WriteString("\n")
					}
					sb.WriteString(strings.Join(b.head, "\n") + "\n----\n" + got + "\n")
					continue
				}
				if got != b.want {
					t.Errorf("%s:%d: %s\ngot:\n%s\nwant:\n%s", f, b.line, strings.Join(b.cmds, "; "), got, b.want)
				}
			}
			if *update {
				if err := os.WriteFile(f, []byte(sb.String()), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

type harness struct {
	t      *testing.T
	e      *Engine
	now    time.Time
	cfg    Config
	qs     map[string]*QueueConfig
	qorder []string
	out    []string
}

func (h *harness) config() Config {
	c := h.cfg
	c.Queues = nil
	for _, n := range h.qorder {
		c.Queues = append(c.Queues, *h.qs[n])
	}
	c.Strategies = map[string]Strategy{"highest_id": StrategyFunc(func(a, b *Candidate) bool { return a.AgentID > b.AgentID })}
	return c
}

func (h *harness) engine() *Engine {
	if h.e == nil {
		e, err := New(h.config())
		if err != nil {
			h.t.Fatalf("New: %v", err)
		}
		h.e = e
	}
	return h.e
}

func (h *harness) run(cmds []string) string {
	h.out = h.out[:0]
	for _, c := range cmds {
		h.do(c)
		if h.e != nil {
			if err := checkInvariants(h.e); err != nil {
				h.t.Fatalf("after %q: %v", c, err)
			}
		}
	}
	if h.e != nil {
		h.out = append(h.out, h.state()...)
	}
	if len(h.out) == 0 {
		return "ok"
	}
	return strings.Join(h.out, "\n")
}

func kv(args []string) (pos []string, m map[string]string) {
	m = map[string]string{}
	for _, a := range args {
		if k, v, ok := strings.Cut(a, "="); ok {
			m[k] = v
		} else {
			pos = append(pos, a)
		}
	}
	return pos, m
}

func dur(t *testing.T, s string) time.Duration {
	d, err := time.ParseDuration(s)
	if err != nil {
		t.Fatalf("bad duration %q", s)
	}
	return d
}

func skillMap(t *testing.T, s string) map[string]int {
	m := map[string]int{}
	for _, p := range strings.Split(s, ",") {
		k, v, _ := strings.Cut(p, ":")
		n, err := strconv.Atoi(v)
		if err != nil {
			t.Fatalf("bad skill %q", p)
		}
		m[k] = n
	}
	return m
}

func (h *harness) queueCmd(name string, m map[string]string) {
	t := h.t
	q := h.qs[name]
	if q == nil {
		q = &QueueConfig{Name: name}
		h.qs[name] = q
		h.qorder = append(h.qorder, name)
	}
	for k, v := range m {
		switch k {
		case "strategy":
			q.Strategy = v
		case "skills":
			q.Skills = skillMap(t, v)
		case "ring":
			q.RingTimeout = dur(t, v)
		case "wrap":
			q.WrapUp = dur(t, v)
		case "maxwait":
			q.MaxWait = dur(t, v)
		case "maxlen":
			q.MaxLen, _ = strconv.Atoi(v)
		case "join_empty":
			q.JoinEmpty = v == "true"
		case "leave_empty":
			q.LeaveWhenEmpty = v == "true"
		case "announce":
			q.AnnounceEvery = dur(t, v)
		case "handle":
			q.DefaultHandleTime = dur(t, v)
		case "cbring":
			q.CallbackRingTimeout = dur(t, v)
		case "cbattempts":
			q.CallbackAttempts, _ = strconv.Atoi(v)
		case "exit": // 1:menu,2:vm
			q.ExitKeys = map[string]string{}
			for _, p := range strings.Split(v, ",") {
				d, f, _ := strings.Cut(p, ":")
				q.ExitKeys[d] = f
			}
		case "vip": // 555:10 exact, 44*:5 prefix
			for _, p := range strings.Split(v, ",") {
				a, pr, _ := strings.Cut(p, ":")
				n, _ := strconv.Atoi(pr)
				if pre, ok := strings.CutSuffix(a, "*"); ok {
					q.VIP = append(q.VIP, VIPRule{Prefixes: []string{pre}, Priority: n})
				} else {
					q.VIP = append(q.VIP, VIPRule{ANIs: []string{a}, Priority: n})
				}
			}
		case "overflow": // 30s:delta=1;60s:queue=x;90s:flow=y;40s:lower=s:1;50s:add=s:2
			q.Overflow = nil
			for _, p := range strings.Split(v, ";") {
				at, act, _ := strings.Cut(p, ":")
				r := OverflowRule{After: dur(t, at)}
				ak, av, _ := strings.Cut(act, "=")
				switch ak {
				case "delta":
					r.MinLevelDelta, _ = strconv.Atoi(av)
				case "queue":
					r.ToQueue = av
				case "flow":
					r.ToFlow = av
				case "lower":
					r.LowerMin = skillMap(t, av)
				case "add":
					r.AddSkills = skillMap(t, av)
				default:
					t.Fatalf("bad overflow %q", p)
				}
				q.Overflow = append(q.Overflow, r)
			}
		default:
			t.Fatalf("unknown queue key %q", k)
		}
	}
}

func (h *harness) agentCmd(id string, m map[string]string) {
	for i, a := range h.cfg.Agents {
		if a.ID == id {
			if m["remove"] == "true" {
				h.cfg.Agents = append(h.cfg.Agents[:i], h.cfg.Agents[i+1:]...)
				return
			}
			h.cfg.Agents[i].Skills = skillMap(h.t, m["skills"])
			return
		}
	}
	a := AgentConfig{ID: id}
	if s, ok := m["skills"]; ok {
		a.Skills = skillMap(h.t, s)
	}
	h.cfg.Agents = append(h.cfg.Agents, a)
}

func (h *harness) step(ev Event) {
	for _, a := range h.engine().Step(h.now, ev) {
		h.out = append(h.out, fmtAction(a))
	}
}

func (h *harness) do(line string) {
	t := h.t
	f := strings.Fields(line)
	cmd, args := f[0], f[1:]
	pos, m := kv(args)
	arg := func(i int) string {
		if i < len(pos) {
			return pos[i]
		}
		return ""
	}
	id64 := func(s string) uint64 { n, _ := strconv.ParseUint(strings.TrimPrefix(s, "#"), 10, 64); return n }
	switch cmd {
	case "queue":
		if m["remove"] == "true" {
			delete(h.qs, arg(0))
			for i, n := range h.qorder {
				if n == arg(0) {
					h.qorder = append(h.qorder[:i], h.qorder[i+1:]...)
				}
			}
			return
		}
		h.queueCmd(arg(0), m)
	case "agent":
		h.agentCmd(arg(0), m)
	case "config":
		if v, ok := m["noanswer"]; ok {
			h.cfg.NoAnswerLimit, _ = strconv.Atoi(v)
		}
		if v, ok := m["reasons"]; ok {
			h.cfg.Reasons = strings.Split(v, ",")
		}
	case "reconfigure":
		for _, a := range h.engine().Reconfigure(h.config()) {
			h.out = append(h.out, fmtAction(a))
		}
	case "tick":
		if len(pos) > 0 {
			h.now = h.now.Add(dur(t, strings.TrimPrefix(arg(0), "+")))
		}
		h.step(Tick{})
	case "join":
		ev := CallerJoined{CallID: arg(0), Queue: m["queue"], ANI: m["ani"], Agent: m["agent"], Callback: m["callback"]}
		ev.Priority, _ = strconv.Atoi(m["prio"])
		if s, ok := m["skills"]; ok {
			ev.Skills = skillMap(t, s)
		}
		if s, ok := m["joined"]; ok { // offset from now, e.g. -40s
			ev.JoinedAt = h.now.Add(dur(t, s))
		}
		h.step(ev)
	case "leave":
		h.step(CallerLeft{CallID: arg(0)})
	case "prio":
		n, _ := strconv.Atoi(arg(1))
		h.step(SetPriority{CallID: arg(0), Priority: n})
	case "key":
		h.step(ExitKey{CallID: arg(0), Digit: arg(1)})
	case "callback":
		h.step(CallbackRequested{CallID: arg(0), Number: arg(1)})
	case "login":
		h.step(AgentLogin{AgentID: arg(0), Reason: arg(1)})
	case "logout":
		h.step(AgentLogout{AgentID: arg(0)})
	case "ready":
		h.step(AgentReady{AgentID: arg(0)})
	case "notready":
		h.step(AgentNotReady{AgentID: arg(0), Reason: arg(1)})
	case "force":
		st, ok := ParseAgentState(arg(1))
		if !ok {
			st = AgentState(99)
		}
		h.step(ForceState{AgentID: arg(0), State: st, Reason: arg(2)})
	case "answer":
		h.step(OfferAnswered{OfferID: id64(arg(0))})
	case "reject":
		h.step(OfferRejected{OfferID: id64(arg(0)), Reason: arg(1)})
	case "fail":
		h.step(OfferFailed{OfferID: id64(arg(0)), Reason: arg(1)})
	case "hold":
		h.step(CallHeld{AgentID: arg(0)})
	case "unhold":
		h.step(CallUnheld{AgentID: arg(0)})
	case "end":
		h.step(CallEnded{AgentID: arg(0), CallID: arg(1)})
	case "wrapdone":
		h.step(WrapUpDone{AgentID: arg(0)})
	case "deadline":
		if d, ok := h.engine().NextDeadline(); ok {
			h.out = append(h.out, "deadline "+off(d))
		} else {
			h.out = append(h.out, "deadline none")
		}
	case "snapshot":
		h.out = append(h.out, fmtSnapshot(h.engine().Snapshot())...)
	default:
		t.Fatalf("unknown command %q", line)
	}
}

func off(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return "+" + t.Sub(t0).String()
}

// state is the compact picture printed after every block.
func (h *harness) state() []string {
	s := h.e.Snapshot()
	var ag []string
	for _, a := range s.Agents {
		x := a.ID + "=" + a.State.String()
		switch {
		case a.Reason != "":
			x += "(" + a.Reason + ")"
		case a.OfferID != 0:
			x += fmt.Sprintf("(%s#%d)", a.CallID, a.OfferID)
		case a.CallID != "":
			x += "(" + a.CallID + ")"
		}
		ag = append(ag, x)
	}
	out := []string{"agents: " + strings.Join(ag, " ")}
	for _, q := range s.Queues {
		if len(q.Callers) == 0 {
			continue
		}
		var cs []string
		for _, c := range q.Callers {
			x := fmt.Sprintf("%s(p%d", c.CallID, c.Priority)
			if c.Offered {
				x += ",ringing"
			}
			if c.Ticket {
				x += ",ticket"
			}
			cs = append(cs, x+")")
		}
		out = append(out, "queue "+q.Name+": "+strings.Join(cs, " "))
	}
	return out
}

func fmtSnapshot(s Snapshot) []string {
	out := []string{"snapshot at " + off(s.At)}
	for _, q := range s.Queues {
		out = append(out, fmt.Sprintf("  queue %s strategy=%s logged_in=%d staffed=%d ready=%d retired=%v",
			q.Name, q.Strategy, q.LoggedIn, q.Staffed, q.Ready, q.Retired))
		for _, c := range q.Callers {
			out = append(out, fmt.Sprintf("    %s ani=%s prio=%d pos=%d wait=%s joined=%s ticket=%v offered=%v offers=%v",
				c.CallID, c.ANI, c.Priority, c.Position, c.Wait, off(c.JoinedAt), c.Ticket, c.Offered, c.OfferIDs))
		}
	}
	for _, a := range s.Agents {
		out = append(out, fmt.Sprintf("  agent %s %s reason=%q since=%s call=%q queue=%q offer=%d misses=%d pending=%q",
			a.ID, a.State, a.Reason, off(a.Since), a.CallID, a.Queue, a.OfferID, a.Misses, a.Pending))
	}
	return out
}

func fmtAction(a Action) string {
	switch a := a.(type) {
	case Offer:
		return fmt.Sprintf("offer #%d %s -> %s q=%s ring=%s", a.OfferID, a.CallID, a.AgentID, a.Queue, a.RingTimeout)
	case CancelOffer:
		return fmt.Sprintf("cancel #%d %s -> %s (%s)", a.OfferID, a.CallID, a.AgentID, a.Reason)
	case Release:
		s := fmt.Sprintf("release %s q=%s reason=%s", a.CallID, a.Queue, a.Reason)
		if a.Flow != "" {
			s += " flow=" + a.Flow
		}
		return s
	case Overflow:
		to := a.ToQueue
		if a.ToFlow != "" {
			to = "flow:" + a.ToFlow
		}
		return fmt.Sprintf("overflow %s %s -> %s", a.CallID, a.FromQueue, to)
	case Announce:
		return fmt.Sprintf("announce %s pos=%d ewt=%s", a.CallID, a.Position, a.EWT)
	case DialCallback:
		return fmt.Sprintf("dial-callback #%d %s number=%s -> %s q=%s ring=%s", a.OfferID, a.CallID, a.Number, a.AgentID, a.Queue, a.RingTimeout)
	case Rejected:
		return fmt.Sprintf("rejected: %v", a.Err)
	case Notify:
		if a.Name == EvAgentState {
			s := fmt.Sprintf("  ev %s %s %s -> %s", a.Name, a.AgentID, a.From, a.To)
			if a.Reason != "" {
				s += " (" + a.Reason + ")"
			}
			return s
		}
		parts := []string{"  ev", a.Name}
		for _, p := range [][2]string{{"", a.CallID}, {"agent=", a.AgentID}, {"q=", a.Queue}, {"reason=", a.Reason}} {
			if p[1] != "" {
				parts = append(parts, p[0]+p[1])
			}
		}
		switch a.Name {
		case EvQueueJoined, EvQueueCallback:
			parts = append(parts, fmt.Sprintf("prio=%d pos=%d", a.Priority, a.Position))
		case EvQueueAbandoned, EvQueuePosition:
			parts = append(parts, fmt.Sprintf("pos=%d wait=%s", a.Position, a.Wait))
		case EvQueueExited, EvAgentOffered, EvAgentConnected:
			parts = append(parts, "wait="+a.Wait.String())
		case EvAgentCompleted:
			parts = append(parts, "talk="+a.Wait.String())
		}
		return strings.Join(parts, " ")
	}
	return fmt.Sprintf("%T %+v", a, a)
}

var _ = sort.Strings
