package cti

import (
	"encoding/json"
	"time"
)

// Event kinds: the CTI vocabulary, stable within protocol version 1.
const (
	KindCallArrived       = "call.arrived"
	KindIVRNode           = "ivr.node"
	KindIVRDigits         = "ivr.digits"
	KindIVRExited         = "ivr.exited"
	KindQueueJoined       = "queue.joined"
	KindQueuePosition     = "queue.position"
	KindQueueAbandoned    = "queue.abandoned"
	KindQueueExited       = "queue.exited"
	KindAgentOffered      = "agent.offered"
	KindAgentConnected    = "agent.connected"
	KindAgentRingNoAnswer = "agent.ring_no_answer"
	KindAgentCompleted    = "agent.completed"
	KindAgentState        = "agent.state"
	KindCallHeld          = "call.held"
	KindCallUnheld        = "call.unheld"
	KindCallTransferred   = "call.transferred"
	KindCallConsult       = "call.consult"
	KindCallConference    = "call.conference"
	KindCallSupervised    = "call.supervised"
	KindCallEnded         = "call.ended"
	KindQueueStats        = "queue.stats"
	KindSurveyAnswered    = "survey.answered"
	KindDispositionSet    = "disposition.set"
	KindSecurityDenied    = "security.denied"
	KindAlertRaised       = "alert.raised"  // a wallboard threshold crossed (reason: the alert kind)
	KindAlertCleared      = "alert.cleared" // …and back within it
)

// Kinds lists every event kind of protocol version 1.
var Kinds = []string{
	KindCallArrived, KindIVRNode, KindIVRDigits, KindIVRExited,
	KindQueueJoined, KindQueuePosition, KindQueueAbandoned, KindQueueExited,
	KindAgentOffered, KindAgentConnected, KindAgentRingNoAnswer, KindAgentCompleted, KindAgentState,
	KindCallHeld, KindCallUnheld, KindCallTransferred, KindCallConsult, KindCallConference, KindCallSupervised,
	KindCallEnded,
	KindQueueStats, KindSurveyAnswered, KindDispositionSet, KindSecurityDenied,
	KindAlertRaised, KindAlertCleared,
}

// Event is one state change of the switch. The publisher fills in the full
// context (ANI, DNIS, queue, agent, attached data) so a CRM screen pop needs no
// second lookup. Seq and TS are assigned by Bus.Publish.
type Event struct {
	Seq       uint64
	TS        time.Time
	Kind      string
	CallID    string
	ANI       string
	DNIS      string
	Trunk     string
	Queue     string
	AgentID   string
	Digits    string
	Flow      string // IVR events: the flow the node belongs to
	State     string
	FromState string
	Reason    string
	Cause     string
	Side      string
	Priority  int
	Position  int
	Wait      time.Duration
	Data      map[string]string
}

// eventJSON is the wire form; Type is set only inside protocol frames.
type eventJSON struct {
	Type      string            `json:"type,omitempty"`
	Seq       uint64            `json:"seq"`
	TS        string            `json:"ts"`
	Kind      string            `json:"event"`
	CallID    string            `json:"call_id,omitempty"`
	ANI       string            `json:"ani,omitempty"`
	DNIS      string            `json:"dnis,omitempty"`
	Trunk     string            `json:"trunk,omitempty"`
	Queue     string            `json:"queue,omitempty"`
	AgentID   string            `json:"agent_id,omitempty"`
	Digits    string            `json:"digits,omitempty"`
	Flow      string            `json:"flow,omitempty"`
	State     string            `json:"state,omitempty"`
	FromState string            `json:"from_state,omitempty"`
	Reason    string            `json:"reason,omitempty"`
	Cause     string            `json:"cause,omitempty"`
	Side      string            `json:"side,omitempty"`
	Priority  int               `json:"priority,omitempty"`
	Position  int               `json:"position,omitempty"`
	WaitMS    int64             `json:"wait_ms,omitempty"`
	Data      map[string]string `json:"data,omitempty"`
}

func (e Event) wire(typ string) eventJSON {
	j := eventJSON{
		Type: typ, Seq: e.Seq, Kind: e.Kind, CallID: e.CallID, ANI: e.ANI, DNIS: e.DNIS,
		Trunk: e.Trunk, Queue: e.Queue, AgentID: e.AgentID, Digits: e.Digits, Flow: e.Flow, State: e.State,
		FromState: e.FromState, Reason: e.Reason, Cause: e.Cause, Side: e.Side,
		Priority: e.Priority, Position: e.Position, WaitMS: e.Wait.Milliseconds(), Data: e.Data,
	}
	if !e.TS.IsZero() {
		j.TS = e.TS.UTC().Format(time.RFC3339Nano)
	}
	return j
}

// MarshalJSON encodes the event with snake_case fields, Wait as wait_ms and
// empty fields omitted.
func (e Event) MarshalJSON() ([]byte, error) { return json.Marshal(e.wire("")) }

// UnmarshalJSON decodes the form written by MarshalJSON or an event frame.
func (e *Event) UnmarshalJSON(b []byte) error {
	var j eventJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	var ts time.Time
	if j.TS != "" {
		t, err := time.Parse(time.RFC3339Nano, j.TS)
		if err != nil {
			return err
		}
		ts = t
	}
	*e = Event{
		Seq: j.Seq, TS: ts, Kind: j.Kind, CallID: j.CallID, ANI: j.ANI, DNIS: j.DNIS,
		Trunk: j.Trunk, Queue: j.Queue, AgentID: j.AgentID, Digits: j.Digits, Flow: j.Flow, State: j.State,
		FromState: j.FromState, Reason: j.Reason, Cause: j.Cause, Side: j.Side,
		Priority: j.Priority, Position: j.Position, Wait: time.Duration(j.WaitMS) * time.Millisecond,
		Data: j.Data,
	}
	return nil
}
