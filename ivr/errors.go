package ivr

import "errors"

// Sentinel errors; callers match them with errors.Is.
var (
	ErrNoFlow      = errors.New("ivr: no such flow")
	ErrNoNode      = errors.New("ivr: no such node")
	ErrBadExpr     = errors.New("ivr: invalid expression")
	ErrBadSay      = errors.New("ivr: value cannot be spoken")
	ErrBadSchedule = errors.New("ivr: invalid schedule")
	ErrDryRun      = errors.New("ivr: dry run did not finish")
)
