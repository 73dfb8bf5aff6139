package call

// Who hears whom once a call has more than two parties is decided here,
// from the call's state alone, so the rules stay in one testable place;
// the call actor applies them to the mixer.

// role is a party's part in a mixed call.
type role int

const (
	roleCaller     role = iota
	roleAgent           // the agent handling the call (after a transfer, the consulted party)
	roleThird           // a consulted party or conference member
	roleSupervisor      // a supervisor listening, whispering or barging
)

var roleNames = [...]string{"caller", "agent", "third", "supervisor"}

func (r role) String() string {
	if int(r) < len(roleNames) {
		return roleNames[r]
	}
	return "unknown"
}

// superviseMode is what a supervisor on the call may do.
type superviseMode int

const (
	modeListen  superviseMode = iota // hears both sides, heard by nobody
	modeWhisper                      // heard by the agent only
	modeBarge                        // heard by everyone
)

var modeNames = [...]string{"listen", "whisper", "barge"}

func (m superviseMode) String() string {
	if int(m) < len(modeNames) {
		return modeNames[m]
	}
	return "unknown"
}

// mixPlan is the state the hearing rules depend on.
type mixPlan struct {
	consulting bool // the caller waits (music) while the agent talks to the third party
	conference bool // caller, agent and third party all talk
	mode       superviseMode
}

// hears reports whether a party in role listener hears one in role speaker.
func (p mixPlan) hears(listener, speaker role) bool {
	switch {
	case listener == speaker:
		return false // one party per role, and nobody hears themselves
	case speaker == roleSupervisor:
		return p.mode == modeBarge || (p.mode == modeWhisper && listener == roleAgent)
	case listener == roleSupervisor:
		return true
	case p.consulting:
		// The caller is parked: they and the consultation never meet.
		return listener != roleCaller && speaker != roleCaller
	case listener == roleThird || speaker == roleThird:
		return p.conference
	}
	return true
}
