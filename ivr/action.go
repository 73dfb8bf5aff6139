package ivr

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Input is something the call layer feeds a Session: a digit, the end of a
// playback, a fired timer, a lookup result…
type Input interface{ isInput() }

// Action is something a Session asks the call layer to do.
type Action interface{ isAction() }

// Inputs.
type (
	// Digit is one DTMF digit from the caller (0-9, *, #).
	Digit struct{ D rune }
	// PlaybackDone reports that the last Play finished (or was stopped).
	PlaybackDone struct{}
	// TimerFired is fed at the time Deadline returned.
	TimerFired struct{}
	// HTTPResult is the outcome of an HTTPRequest the owner performed.
	HTTPResult struct {
		Status int
		Body   []byte
		Err    error
	}
	// RecordDone reports a finished voicemail recording.
	RecordDone struct {
		Path string
		Dur  time.Duration
	}
	// AgentDone tells a session that left for a queue that the agent hung
	// up; if the caller passed a survey node the session resumes there.
	AgentDone struct{ Agent string }
)

// Hangup is both an input (the caller hung up) and an action (the IVR ends
// the call).
type Hangup struct{ Reason string }

func (Digit) isInput()        {}
func (PlaybackDone) isInput() {}
func (TimerFired) isInput()   {}
func (HTTPResult) isInput()   {}
func (RecordDone) isInput()   {}
func (AgentDone) isInput()    {}
func (Hangup) isInput()       {}

// PromptRef names one prompt of the configured prompt set in one language.
type PromptRef struct{ Lang, Ref string }

// Actions.
type (
	// Play plays the prompts in order; BargeIn means a digit stops it.
	Play struct {
		Prompts []PromptRef
		BargeIn bool
	}
	// StopPlayback stops the current Play (a barge-in digit arrived).
	StopPlayback struct{}
	// HTTPRequest asks the owner to call a lookup service; Body is the JSON
	// object of the call's variables. The answer comes back as HTTPResult.
	HTTPRequest struct {
		Method, URL string
		Body        []byte
		Timeout     time.Duration
	}
	// Enqueue hands the caller to the ACD; Vars are the call's variables.
	Enqueue struct {
		Queue    string
		Priority int
		Skills   map[string]int
		Vars     map[string]string
	}
	// Transfer sends the call to agent:<id>, queue:<name>, ext:<n> or
	// external:<n>; Queue is where an agent: transfer waits and is counted.
	Transfer struct{ Target, Queue string }
	// Record starts recording the caller into voicemail Box; the owner
	// stops at MaxLength, on StopRecord or when the caller hangs up, and
	// feeds RecordDone.
	Record struct {
		MaxLength time.Duration
		Box       string
	}
	// StopRecord ends the recording Record started.
	StopRecord struct{}
	// Callback schedules a call back to Number from Queue's agents, not
	// before At (zero: as soon as an agent is free).
	Callback struct {
		Number string
		Queue  string
		At     time.Time
	}
	// SurveyAnswer is one answered post-call survey question.
	SurveyAnswer struct {
		Question string
		Digit    rune
	}
	// Exit ends the session; the terminal action (Enqueue, Transfer,
	// Hangup) follows it in the same batch.
	Exit struct{ Result Result }
	// Event is published for the CTI and reports (see the Event* kinds).
	Event struct {
		Kind   string
		Flow   string
		Node   string
		Digits string
		Result Result
	}
)

func (Play) isAction()         {}
func (StopPlayback) isAction() {}
func (HTTPRequest) isAction()  {}
func (Enqueue) isAction()      {}
func (Transfer) isAction()     {}
func (Record) isAction()       {}
func (StopRecord) isAction()   {}
func (Callback) isAction()     {}
func (SurveyAnswer) isAction() {}
func (Hangup) isAction()       {}
func (Exit) isAction()         {}
func (Event) isAction()        {}

// Event kinds, matching the CTI event names.
const (
	EventNode   = "ivr.node"
	EventDigits = "ivr.digits"
	EventExited = "ivr.exited"
)

// Result is how a session ended. It is a string type because the call layer
// and CDRs store it as text.
type Result string

// Results.
const (
	ResultSelfServed   Result = "self_served"
	ResultToQueue      Result = "to_queue"
	ResultTransferred  Result = "transferred"
	ResultCallerHangup Result = "caller_hangup"
	ResultError        Result = "error"
)

func (r Result) String() string { return string(r) }

// Describe renders an action on one line for dry runs and golden files.
func Describe(a Action) string {
	switch a := a.(type) {
	case Play:
		refs := make([]string, len(a.Prompts))
		for i, p := range a.Prompts {
			refs[i] = p.Lang + ":" + p.Ref
		}
		s := "play " + strings.Join(refs, " ")
		if a.BargeIn {
			s += " (barge-in)"
		}
		return s
	case StopPlayback:
		return "stop playback"
	case HTTPRequest:
		return fmt.Sprintf("http %s %s timeout=%v body=%s", a.Method, a.URL, a.Timeout, a.Body)
	case Enqueue:
		return fmt.Sprintf("enqueue queue=%s priority=%d skills=%s vars=%s", a.Queue, a.Priority, kv(a.Skills), kv(a.Vars))
	case Transfer:
		if a.Queue != "" {
			return "transfer " + a.Target + " queue=" + a.Queue
		}
		return "transfer " + a.Target
	case Record:
		return fmt.Sprintf("record box=%s max=%v", a.Box, a.MaxLength)
	case StopRecord:
		return "stop recording"
	case Callback:
		at := "asap"
		if !a.At.IsZero() {
			at = a.At.UTC().Format(time.RFC3339)
		}
		return fmt.Sprintf("callback %s queue=%s at %s", a.Number, a.Queue, at)
	case SurveyAnswer:
		return fmt.Sprintf("survey answer %s=%c", a.Question, a.Digit)
	case Hangup:
		return "hangup " + a.Reason
	case Exit:
		return "exit " + a.Result.String()
	case Event:
		switch a.Kind {
		case EventNode:
			return "event node " + a.Flow + "/" + a.Node
		case EventDigits:
			return "event digits " + a.Flow + "/" + a.Node + " " + a.Digits
		default:
			return "event exited " + a.Flow + "/" + a.Node + " " + a.Result.String()
		}
	}
	return fmt.Sprintf("%T", a)
}

// describeInput renders an input on one line.
func describeInput(in Input) string {
	switch in := in.(type) {
	case Digit:
		return "digit " + string(in.D)
	case PlaybackDone:
		return "playback done"
	case TimerFired:
		return "timer fired"
	case HTTPResult:
		if in.Err != nil {
			return "http error: " + in.Err.Error()
		}
		return fmt.Sprintf("http %d %s", in.Status, in.Body)
	case RecordDone:
		return fmt.Sprintf("record done %s %v", in.Path, in.Dur)
	case AgentDone:
		return "agent done " + in.Agent
	case Hangup:
		return "caller hangup"
	}
	return fmt.Sprintf("%T", in)
}

func kv[V any](m map[string]V) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s:%v", k, m[k])
	}
	return "{" + strings.Join(parts, ",") + "}"
}
