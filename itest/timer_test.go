package itest

import (
	"strings"
	"testing"
	"time"
)

// Session timers (RFC 4028): a caller that asks for a 4 s interval and
// never refreshes is hung up by the switch (a carrier leg that died without
// a BYE frees its channel); one that refreshes by UPDATE stays up past the
// interval; one without timer support is refreshed by the switch's UPDATE;
// an interval below min_se gets 422 with Min-SE.
func TestSessionTimers(t *testing.T) {
	requirePeers(t, "sipp")
	cfg := strings.Replace(testConfig("60s"), "    public_ip: 127.0.0.1\n", "    public_ip: 127.0.0.1\n    min_se: 3s\n", 1)
	h := startHotline(t, cfg)
	work := callerMedia(t, []pcapStep{{toneHz: 500, toneMS: 12000}})

	start := time.Now()
	if out, err := runSIPp(t, work, "caller_timer.xml", sippArgs()...); err != nil {
		t.Fatalf("caller never refreshing (the switch must send BYE): %v\n%s", err, tail(out, 2000))
	}
	if d := time.Since(start); d > 8*time.Second {
		t.Errorf("the unrefreshed call lasted %v; the 4 s timer should end it within about 3 s", d)
	}
	waitFor(t, 5*time.Second, "record closed", func() bool { return strings.Contains(h.Output(), "call ended") })
	if c := lastCall(t, h.db); c.HangupCause != "session_expired" || c.HangupSide != "switch" {
		t.Errorf("record: cause %q side %q, want session_expired by the switch", c.HangupCause, c.HangupSide)
	}

	if out, err := runSIPp(t, work, "caller_timer_refresh.xml", sippArgs()...); err != nil {
		t.Fatalf("caller refreshing by UPDATE: %v\n%s", err, tail(out, 2000))
	}
	waitFor(t, 5*time.Second, "second record closed", func() bool { return strings.Count(h.Output(), "call ended") >= 2 })
	c := lastCall(t, h.db)
	if c.HangupCause != "normal_clearing" || c.HangupSide != "caller" || c.EndedAt.Sub(c.ArrivedAt) < 6*time.Second {
		t.Errorf("refreshed call: cause %q side %q lasted %v, want the caller's BYE after about 7 s",
			c.HangupCause, c.HangupSide, c.EndedAt.Sub(c.ArrivedAt))
	}

	// A caller without timer support: the switch refreshes by UPDATE.
	if out, err := runSIPp(t, work, "caller_timer_uas.xml", sippArgs()...); err != nil {
		t.Fatalf("caller leaving the refreshes to the switch: %v\n%s", err, tail(out, 2000))
	}
	waitFor(t, 5*time.Second, "third record closed", func() bool { return strings.Count(h.Output(), "call ended") >= 3 })
	if c := lastCall(t, h.db); c.HangupSide != "caller" || c.EndedAt.Sub(c.ArrivedAt) < 5*time.Second {
		t.Errorf("switch-refreshed call: side %q lasted %v, want the caller's BYE after three refreshes", c.HangupSide, c.EndedAt.Sub(c.ArrivedAt))
	}

	if out, err := runSIPp(t, work, "caller_timer_422.xml", sippArgs()...); err != nil {
		t.Fatalf("caller asking for 2 s: %v\n%s", err, tail(out, 2000))
	}
}
