package ivr

// CallInfo describes the call a session runs for.
type CallInfo struct {
	CallID, ANI, DNIS, Trunk string
	Vars                     map[string]string // initial variables (copied)
}
