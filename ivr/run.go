package ivr

import (
	"fmt"
	"maps"
	"strconv"
	"time"
)

// maxVisits bounds node visits between two inputs so a flow that loops
// through set/switch/goto without waiting cannot spin the call actor.
const maxVisits = 100

// Defaults for durations a node leaves at zero.
const (
	defaultMenuTimeout  = 5 * time.Second
	defaultInterDigit   = 3 * time.Second
	defaultHTTPTimeout  = 3 * time.Second
	httpDeadlineSlack   = time.Second
	defaultMenuAttempts = 3
)

// waitKind is what a session is waiting for between inputs.
type waitKind int

const (
	waitNone       waitKind = iota // running, or not started
	waitPlay                       // a play/say/voicemail node's prompts
	waitAsk                        // menu, collect or survey: digits
	waitHTTP                       // an http node's result
	waitRecord                     // a voicemail being recorded
	waitRecordStop                 // a voicemail recording being closed
	waitDone                       // the caller left the IVR
)

func (w waitKind) String() string {
	switch w {
	case waitNone:
		return "none"
	case waitPlay:
		return "play"
	case waitAsk:
		return "digits"
	case waitHTTP:
		return "http"
	case waitRecord, waitRecordStop:
		return "record"
	case waitDone:
		return "done"
	}
	return fmt.Sprintf("waitKind(%d)", int(w))
}

// Session interprets one call's way through the IVR. It is not safe for
// concurrent use: the call actor owns it and feeds it inputs one at a time.
type Session struct {
	flows    map[string]*Flow
	flowName string
	flow     *Flow
	node     string
	call     CallInfo
	vars     map[string]string

	wait        waitKind
	playing     bool // a Play is outstanding (PlaybackDone expected)
	bargeIn     bool // the outstanding Play may be cut by a digit
	deadline    time.Time
	hasDeadline bool
	typed       []rune // digits pressed ahead, kept for the next menu/collect
	got         []rune // digits collected so far by the current node
	attempts    int    // failed tries at the current menu/collect/survey
	visits      int
	entries     int // node entries, to notice that a digit moved the flow on
	result      Result

	out []Action
}

// NewSession prepares a session for flow; Start runs it.
func NewSession(flows map[string]*Flow, flow string, call CallInfo) (*Session, error) {
	f := flows[flow]
	if f == nil {
		return nil, fmt.Errorf("ivr: no flow named %q", flow)
	}
	if f.Nodes[f.Start] == nil {
		return nil, fmt.Errorf("ivr: flow %q: start node %q does not exist", flow, f.Start)
	}
	s := &Session{flows: flows, flowName: flow, flow: f, call: call, vars: map[string]string{}}
	maps.Copy(s.vars, call.Vars)
	return s, nil
}

// Start enters the flow's start node.
func (s *Session) Start(now time.Time) []Action {
	if s.wait != waitNone || s.node != "" {
		return nil
	}
	s.enter(now, s.flow.Start)
	return s.flush()
}

// Input feeds one caller or owner event and returns what to do next.
func (s *Session) Input(now time.Time, in Input) []Action {
	if s.wait == waitDone {
		return nil
	}
	s.visits = 0
	switch in := in.(type) {
	case Hangup:
		s.hasDeadline = false
		if s.wait == waitRecord || s.wait == waitRecordStop {
			// Hanging up is how most callers finish a message: the owner
			// keeps the recording, so the call was served.
			s.exit(ResultSelfServed)
			break
		}
		s.exit(ResultCallerHangup)
	case Digit:
		s.onDigit(now, in.D)
	case PlaybackDone:
		if s.playing {
			s.playing = false
			s.onPlaybackDone(now)
		}
	case TimerFired:
		if s.hasDeadline && !now.Before(s.deadline) {
			s.hasDeadline = false
			s.onTimer(now)
		}
	case HTTPResult:
		if s.wait == waitHTTP {
			s.hasDeadline = false
			s.onHTTP(now, in)
		}
	case RecordDone:
		if s.wait == waitRecord || s.wait == waitRecordStop {
			s.hasDeadline = false
			s.afterRecord(now)
		}
	}
	return s.flush()
}

// Deadline is when the owner should feed TimerFired, if a timer is armed.
func (s *Session) Deadline() (time.Time, bool) {
	if s.wait == waitDone || !s.hasDeadline {
		return time.Time{}, false
	}
	return s.deadline, true
}

// Flow is the flow the session is in now (a goto moves it).
func (s *Session) Flow() string { return s.flowName }

// Vars returns a copy of the session's variables.
func (s *Session) Vars() map[string]string { return maps.Clone(s.vars) }

// Result is how the caller left ("" while still in the IVR).
func (s *Session) Result() Result { return s.result }

func (s *Session) flush() []Action {
	out := s.out
	s.out = nil
	return out
}

func (s *Session) emit(a ...Action) { s.out = append(s.out, a...) }

func (s *Session) cur() *Node { return s.flow.Nodes[s.node] }

func (s *Session) lang() string {
	if s.flow.Language != "" {
		return s.flow.Language
	}
	return "en"
}

// refs turns prompt names into PromptRefs in the flow's language, skipping blanks.
func (s *Session) refs(names ...string) []PromptRef {
	var out []PromptRef
	for _, n := range names {
		if n != "" {
			out = append(out, PromptRef{Lang: s.lang(), Ref: n})
		}
	}
	return out
}

func (s *Session) play(now time.Time, bargeIn bool, names ...string) bool {
	r := s.refs(names...)
	if len(r) == 0 {
		return false
	}
	s.emit(Play{Prompts: r, BargeIn: bargeIn})
	s.playing, s.bargeIn = true, bargeIn
	return true
}

func (s *Session) arm(at time.Time) { s.deadline, s.hasDeadline = at, true }

// exit ends the IVR with r; the terminal action (if any) is emitted by the caller.
func (s *Session) exit(r Result) {
	s.result = r
	s.wait = waitDone
	s.hasDeadline = false
	s.playing = false
	s.emit(Event{Kind: EventExited, Flow: s.flowName, Node: s.node, Result: r}, Exit{Result: r})
}

func (s *Session) fail(reason string) {
	s.exit(ResultError)
	s.emit(Hangup{Reason: reason})
}

// goTo continues at node id of the current flow; "" ends the flow.
func (s *Session) goTo(now time.Time, id string) {
	if id == "" {
		s.exit(ResultSelfServed)
		s.emit(Hangup{Reason: "flow_end"})
		return
	}
	s.enter(now, id)
}

// enter runs nodes until one waits for input or the caller leaves.
func (s *Session) enter(now time.Time, id string) {
	s.visits++
	if s.visits > maxVisits {
		s.fail("ivr_loop")
		return
	}
	n := s.flow.Nodes[id]
	if n == nil {
		s.fail("ivr_error")
		return
	}
	s.node = id
	s.entries++
	s.wait = waitNone
	s.hasDeadline = false
	s.got, s.attempts = nil, 0
	s.emit(Event{Kind: EventNode, Flow: s.flowName, Node: id})
	switch n.Type {
	case "play":
		if n.BargeIn && len(s.typed) > 0 {
			s.goTo(now, n.Next) // a typed-ahead digit skips a barge-in prompt
			return
		}
		s.waitPlay(now, n.BargeIn, n.Prompts...)
	case "say":
		s.waitPlay(now, n.BargeIn, s.sayPrompts(n)...)
	case "menu", "collect", "survey":
		if n.Type == "survey" && n.Flow != "" {
			s.vars["survey"] = n.Flow // the post-call survey this call asks for
			if n.Prompt == "" {
				s.goTo(now, n.Next)
				return
			}
		}
		s.wait = waitAsk
		s.ask(now, "")
	case "set":
		for _, k := range sortedKeys(n.Vars) {
			s.vars[k] = s.expand(n.Vars[k])
		}
		s.goTo(now, n.Next)
	case "switch":
		next, err := s.pickCase(n)
		if err != nil {
			s.fail("ivr_error")
			return
		}
		s.goTo(now, next)
	case "schedule":
		open, err := isOpen(n, now)
		if err != nil {
			s.fail("ivr_error")
			return
		}
		if open {
			s.goTo(now, n.Open)
		} else {
			s.goTo(now, n.Closed)
		}
	case "http":
		s.startHTTP(now, n)
	case "enqueue":
		prio := n.Priority
		if p, err := strconv.Atoi(s.vars["priority"]); prio == 0 && err == nil {
			prio = p
		}
		if p, err := strconv.Atoi(s.expand(n.PriorityFrom)); n.PriorityFrom != "" && err == nil {
			prio = p
		}
		s.exit(ResultToQueue)
		s.emit(Enqueue{Queue: s.expand(n.Queue), Priority: prio, Skills: mergeSkills(n.Skills, s.expand(n.SkillsFrom)), Vars: maps.Clone(s.vars)})
	case "transfer":
		s.exit(ResultTransferred)
		s.emit(Transfer{Target: s.expand(n.Target), Queue: s.expand(n.Queue)})
	case "voicemail":
		prompt := n.Prompt
		if prompt == "" && len(n.Prompts) == 0 {
			prompt = "voicemail_prompt"
		}
		s.waitPlay(now, false, append(append(append([]string(nil), n.Prompts...), prompt), "beep")...)
	case "callback":
		s.scheduleCallback(now, n)
	case "goto":
		f := s.flows[n.Flow]
		if f == nil || f.Nodes[f.Start] == nil {
			s.fail("ivr_error")
			return
		}
		s.flowName, s.flow = n.Flow, f
		s.enter(now, f.Start)
	case "hangup":
		s.exit(ResultSelfServed)
		s.emit(Hangup{Reason: "ivr_hangup"})
	default:
		s.fail("ivr_error")
	}
}

// waitPlay plays prompts and continues at the node's end once they finish.
func (s *Session) waitPlay(now time.Time, bargeIn bool, names ...string) {
	if !s.play(now, bargeIn, names...) {
		s.afterPlay(now)
		return
	}
	s.wait = waitPlay
}

// afterPlay leaves a play, say or voicemail node.
func (s *Session) afterPlay(now time.Time) {
	n := s.cur()
	if n.Type == "voicemail" {
		s.startRecord(now, n)
		return
	}
	s.goTo(now, n.Next)
}

func (s *Session) onPlaybackDone(now time.Time) {
	switch s.wait {
	case waitPlay:
		s.afterPlay(now)
	case waitAsk:
		s.armAsk(now)
	}
}

func (s *Session) onDigit(now time.Time, d rune) {
	switch s.wait {
	case waitPlay:
		if s.bargeIn && s.playing {
			s.playing = false
			s.emit(StopPlayback{})
			s.typed = append(s.typed, d)
			s.afterPlay(now)
		}
	case waitAsk:
		if s.playing {
			s.playing = false
			s.emit(StopPlayback{})
		}
		s.askDigit(now, d)
	case waitRecord:
		if d == '#' {
			s.stopRecord(now)
		}
	default:
		// Digits during an http lookup are kept for the next menu.
		if s.wait == waitHTTP {
			s.typed = append(s.typed, d)
		}
	}
}

func (s *Session) onTimer(now time.Time) {
	switch s.wait {
	case waitAsk:
		s.askTimeout(now)
	case waitHTTP:
		s.goTo(now, s.cur().OnError)
	case waitRecord:
		s.stopRecord(now)
	case waitRecordStop:
		s.recordStopTimeout(now)
	}
}
