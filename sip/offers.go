package sip

import (
	"sync"
	"time"

	"github.com/emiago/sipgo/sip"
)

// In-dialog offers can cross: Hotline re-INVITEs a caller to refresh the
// session just as the caller re-INVITEs to put the agent on hold. RFC 3261
// §14 and RFC 3311 §5.2 settle who wins: an offer arriving while ours is
// outstanding gets 491 Request Pending and both sides retry after a random
// wait; one arriving while we are still answering an earlier one gets 500
// with Retry-After. offerState is that bookkeeping for one dialog.
type offerState struct {
	mu     sync.Mutex
	ours   bool   // our re-INVITE awaits its final response
	theirs bool   // we are answering the far end's offer
	local  []byte // the session description we last gave
}

// admitOffer decides what an incoming in-dialog request carrying (or, for
// INVITE, soliciting) an offer gets: 0 to go ahead, else the status to
// refuse it with.
func admitOffer(ours, theirs bool, method sip.RequestMethod) int {
	switch {
	case ours:
		return 491
	case theirs && (method == sip.INVITE || method == sip.UPDATE):
		return 500
	}
	return 0
}

// admit reserves the dialog for the far end's offer, or returns the status
// that refuses it.
func (o *offerState) admit(method sip.RequestMethod) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	if code := admitOffer(o.ours, o.theirs, method); code != 0 {
		return code
	}
	o.theirs = true
	return 0
}

// answered ends the far end's offer; sdp, when set, is what we answered.
func (o *offerState) answered(sdp []byte) {
	o.mu.Lock()
	o.theirs = false
	if len(sdp) > 0 {
		o.local = sdp
	}
	o.mu.Unlock()
}

// begin reserves the dialog for our own offer and returns the session
// description to offer; ok is false while the far end's offer is being
// answered (that exchange refreshes the session anyway).
func (o *offerState) begin() (sdp []byte, ok bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.theirs || o.ours {
		return nil, false
	}
	o.ours = true
	return o.local, true
}

// end releases the dialog after our offer's final response.
func (o *offerState) end() {
	o.mu.Lock()
	o.ours = false
	o.mu.Unlock()
}

// setLocal records the session description of our answer to the INVITE.
func (o *offerState) setLocal(sdp []byte) {
	o.mu.Lock()
	o.local = sdp
	o.mu.Unlock()
}

// glareWait is how long to wait before retrying an offer refused with 491
// (RFC 3261 §14.1): 2.1–4 s for the side that chose the Call-ID, 0–2 s for
// the other, in 10 ms steps, so the two retries rarely cross again.
// tick is a random draw in [0, 200].
func glareWait(ownsCallID bool, tick int) time.Duration {
	step := time.Duration(tick) * 10 * time.Millisecond
	if ownsCallID {
		return 2100*time.Millisecond + step*19/20 // 2.1 s … 4.0 s
	}
	return step // 0 … 2.0 s
}

// refreshStep is what to do after a session refresh got status code.
type refreshStep int

const (
	refreshDone     refreshStep = iota // refreshed
	refreshRetry                       // offers crossed or the far end is busy: wait, then again
	refreshAsInvite                    // the far end does not take UPDATE: refresh by re-INVITE
	refreshFailed                      // the session is gone (or will not be refreshed): hang up
)

// maxRefreshTries bounds retries of one refresh; the session timer's own
// margin (a third of the interval) is what they have to work with.
const maxRefreshTries = 4

// nextRefresh decides the step after a refresh by method got code on try
// (0-based).
func nextRefresh(method sip.RequestMethod, code, try int) refreshStep {
	switch {
	case code >= 200 && code < 300:
		return refreshDone
	case try+1 >= maxRefreshTries:
		return refreshFailed
	case code == 491, code == 500:
		return refreshRetry
	case method == sip.UPDATE && (code == 405 || code == 501):
		return refreshAsInvite
	}
	// 408 and 481 end the session (RFC 4028 §10); other refusals leave it
	// unrefreshed, which the timer would end anyway.
	return refreshFailed
}
