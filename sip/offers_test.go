package sip

import (
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"
)

func TestAdmitOffer(t *testing.T) {
	for _, c := range []struct {
		ours, theirs bool
		method       sip.RequestMethod
		want         int
	}{
		{false, false, sip.INVITE, 0},
		{false, false, sip.UPDATE, 0},
		{true, false, sip.INVITE, 491}, // glare: offers crossed
		{true, false, sip.UPDATE, 491},
		{false, true, sip.INVITE, 500}, // a second re-INVITE overlapping the first
		{false, true, sip.UPDATE, 500},
		{true, true, sip.INVITE, 491},
	} {
		if got := admitOffer(c.ours, c.theirs, c.method); got != c.want {
			t.Errorf("admitOffer(ours=%v theirs=%v %s) = %d, want %d", c.ours, c.theirs, c.method, got, c.want)
		}
	}
}

func TestOfferStateCrossing(t *testing.T) {
	var o offerState
	o.setLocal([]byte("v=0 ours"))
	sdp, ok := o.begin()
	if !ok || string(sdp) != "v=0 ours" {
		t.Fatalf("begin = %q %v, want our description", sdp, ok)
	}
	if code := o.admit(sip.INVITE); code != 491 {
		t.Errorf("their INVITE while ours is out: %d, want 491", code)
	}
	if _, ok := o.begin(); ok {
		t.Error("a second offer of ours began while the first is out")
	}
	o.end()
	if code := o.admit(sip.INVITE); code != 0 {
		t.Fatalf("their INVITE after ours ended: %d, want 0", code)
	}
	if _, ok := o.begin(); ok {
		t.Error("our offer began while theirs is being answered")
	}
	if code := o.admit(sip.INVITE); code != 500 {
		t.Errorf("their overlapping INVITE: %d, want 500", code)
	}
	o.answered([]byte("v=0 answer"))
	sdp, ok = o.begin()
	if !ok || string(sdp) != "v=0 answer" {
		t.Errorf("after answering, begin = %q %v, want the answer we gave", sdp, ok)
	}
	o.end()
	o.admit(sip.INVITE)
	o.answered(nil) // refused offers leave our description alone
	if sdp, _ := o.begin(); string(sdp) != "v=0 answer" {
		t.Errorf("description after a refused offer: %q", sdp)
	}
}

func TestGlareWait(t *testing.T) {
	for _, c := range []struct {
		owns     bool
		tick     int
		min, max time.Duration
	}{
		{false, 0, 0, 0},
		{false, 200, 2 * time.Second, 2 * time.Second},
		{false, 57, 570 * time.Millisecond, 570 * time.Millisecond},
		{true, 0, 2100 * time.Millisecond, 2100 * time.Millisecond},
		{true, 200, 4 * time.Second, 4 * time.Second},
		{true, 100, 2100 * time.Millisecond, 4 * time.Second},
	} {
		if got := glareWait(c.owns, c.tick); got < c.min || got > c.max {
			t.Errorf("glareWait(%v, %d) = %v, want in [%v, %v]", c.owns, c.tick, got, c.min, c.max)
		}
	}
}

func TestNextRefresh(t *testing.T) {
	for _, c := range []struct {
		method    sip.RequestMethod
		code, try int
		want      refreshStep
	}{
		{sip.UPDATE, 200, 0, refreshDone},
		{sip.INVITE, 200, 3, refreshDone},
		{sip.INVITE, 491, 0, refreshRetry},
		{sip.INVITE, 491, maxRefreshTries - 1, refreshFailed}, // gives up in time for the timer
		{sip.UPDATE, 500, 1, refreshRetry},
		{sip.UPDATE, 405, 0, refreshAsInvite},
		{sip.UPDATE, 501, 0, refreshAsInvite},
		{sip.INVITE, 405, 0, refreshFailed},
		{sip.UPDATE, 481, 0, refreshFailed},
		{sip.INVITE, 408, 0, refreshFailed},
		{sip.INVITE, 488, 0, refreshFailed},
	} {
		if got := nextRefresh(c.method, c.code, c.try); got != c.want {
			t.Errorf("nextRefresh(%s, %d, try %d) = %d, want %d", c.method, c.code, c.try, got, c.want)
		}
	}
}

func TestAllows(t *testing.T) {
	req := sip.NewRequest(sip.INVITE, sip.Uri{Host: "127.0.0.1"})
	if allows(req, sip.UPDATE) {
		t.Error("no Allow header: UPDATE assumed")
	}
	req.AppendHeader(sip.NewHeader("Allow", "INVITE, ACK,BYE"))
	req.AppendHeader(sip.NewHeader("Allow", "cancel, update"))
	if !allows(req, sip.UPDATE) || !allows(req, sip.BYE) || allows(req, sip.REFER) {
		t.Error("Allow lists read wrong")
	}
}
