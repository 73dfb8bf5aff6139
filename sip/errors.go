// Package sip is Hotline's SIP signalling: transports, the agent registrar
// with digest authentication, trunk admission by source address, and the two
// kinds of B2BUA legs (inbound from a trunk, outbound to an agent). It knows
// nothing of media, queues or IVR: the call layer drives the legs.
package sip

import (
	"errors"
	"fmt"
)

// Error is a failure that knows the SIP status it should be answered with.
type Error struct {
	Status int
	Reason string
	Err    error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("sip %d %s: %v", e.Status, e.Reason, e.Err)
	}
	return fmt.Sprintf("sip %d %s", e.Status, e.Reason)
}

func (e *Error) Unwrap() error { return e.Err }

// StatusOf returns the SIP status carried by err, or 500.
func StatusOf(err error) int {
	var se *Error
	if errors.As(err, &se) {
		return se.Status
	}
	return 500
}

var (
	// ErrNotRegistered: the agent has no live registration to ring.
	ErrNotRegistered = &Error{Status: 480, Reason: "Temporarily Unavailable", Err: errors.New("agent not registered")}
	// ErrLegEnded: an operation on a leg that is already over.
	ErrLegEnded = errors.New("sip: leg ended")
	// ErrForbiddenSource: an INVITE from an address no trunk allows.
	ErrForbiddenSource = &Error{Status: 403, Reason: "Forbidden", Err: errors.New("source not allowed")}
)
