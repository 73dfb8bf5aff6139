package itest

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// Re-INVITE glare: the switch refreshes a caller's session by re-INVITE
// (the caller allows no UPDATE) just as the caller sends its own
// re-INVITE. The switch answers the caller's 491, takes 491 for its own,
// retries within 2 s, then accepts the caller's retried re-INVITE — and
// the call goes on with audio both ways, the agent's states and the
// record as for any call.
func TestReInviteGlare(t *testing.T) {
	requirePeers(t, "sipp", "baresip", "tshark")
	cfg := strings.Replace(testConfig("60s"), "    public_ip: 127.0.0.1\n", "    public_ip: 127.0.0.1\n    min_se: 3s\n", 1)
	h := startHotline(t, cfg)
	agent := startAgent(t, "1002", "bob1002", agentSIP, agentCtl, switchAddr(), agentTone(t, 1000))
	waitFor(t, 5*time.Second, "agent ready", func() bool { return strings.Contains(h.Output(), "agent=1002 from=logged_out to=ready") })

	work := callerMedia(t, []pcapStep{{silenceMS: 1500}, {digit: '2'}, {silenceMS: 200}, {toneHz: 500, toneMS: 14000}})
	capt := startCapture(t, callerRTP, callerRTP)
	start := time.Now()
	if out, err := runSIPp(t, work, "caller_glare.xml", sippArgs()...); err != nil {
		t.Fatalf("glare caller: %v\n%s\nswitch:\n%s", err, tail(out, 3000), grepLines(h.Output(), "refresh"))
	}
	lasted := time.Since(start)
	for _, want := range []string{"in-dialog offer refused", "status=491", "session refresh crossed; retrying"} {
		if !strings.Contains(h.Output(), want) {
			t.Errorf("switch log lacks %q", want)
		}
	}
	// The caller heard the agent to the end: the last 4 s before its BYE.
	heard := decodeULaw(capt.payloads(t, fmt.Sprintf("udp.dstport==%d && rtp.p_type==0", callerRTP)))
	if len(heard) < 8*rate {
		t.Fatalf("caller received only %d samples", len(heard))
	}
	if r := toneRatio(heard[len(heard)-4*rate:], 1000); r < 0.6 {
		t.Errorf("after the glare the caller did not hear the agent's 1 kHz: ratio %.2f", r)
	}
	waitFor(t, 5*time.Second, "agent back to ready", func() bool {
		return strings.Contains(h.Output(), "agent=1002 from=wrap_up to=ready")
	})
	// (heard stops the agent's phone to read its recording.)
	if got := agent.heard(t); toneRatio(got, 500) < 0.5 {
		t.Errorf("agent did not hear the caller's 500 Hz: ratio %.2f", toneRatio(got, 500))
	}
	waitFor(t, 5*time.Second, "record closed", func() bool { return strings.Contains(h.Output(), "call ended") })
	c := lastCall(t, h.db)
	if c.AgentID != "1002" || c.Disposition != "answered" || c.HangupSide != "caller" || c.HangupCause != "normal_clearing" {
		t.Errorf("record: agent %q disposition %q side %q cause %q", c.AgentID, c.Disposition, c.HangupSide, c.HangupCause)
	}
	if d := c.EndedAt.Sub(c.ArrivedAt); d < 9*time.Second || d > lasted+time.Second {
		t.Errorf("record lasted %v, SIPp's call %v", d, lasted)
	}
}

// The caller's BYE crosses the switch's refresh re-INVITE (the caller
// answers that 481 after hanging up): the call ends once, as the caller's
// hang-up, and the agent is freed — no second ending from the refused
// refresh.
func TestByeCrossesSessionRefresh(t *testing.T) {
	requirePeers(t, "sipp", "baresip")
	cfg := strings.Replace(testConfig("60s"), "    public_ip: 127.0.0.1\n", "    public_ip: 127.0.0.1\n    min_se: 3s\n", 1)
	h := startHotline(t, cfg)
	startAgent(t, "1002", "bob1002", agentSIP, agentCtl, switchAddr(), agentTone(t, 1000))
	waitFor(t, 5*time.Second, "agent ready", func() bool { return strings.Contains(h.Output(), "agent=1002 from=logged_out to=ready") })

	work := callerMedia(t, []pcapStep{{silenceMS: 1500}, {digit: '2'}, {silenceMS: 200}, {toneHz: 500, toneMS: 5000}})
	if out, err := runSIPp(t, work, "caller_bye_refresh.xml", sippArgs()...); err != nil {
		t.Fatalf("caller hanging up across the refresh: %v\n%s", err, tail(out, 3000))
	}
	waitFor(t, 5*time.Second, "agent back to ready", func() bool {
		return strings.Contains(h.Output(), "agent=1002 from=wrap_up to=ready")
	})
	c := lastCall(t, h.db)
	if c.AgentID != "1002" || c.Disposition != "answered" || c.HangupSide != "caller" || c.HangupCause != "normal_clearing" {
		t.Errorf("record: agent %q disposition %q side %q cause %q", c.AgentID, c.Disposition, c.HangupSide, c.HangupCause)
	}
	time.Sleep(time.Second) // the refused refresh has been seen by now
	out := h.Output()
	if !strings.Contains(out, `msg="session refresh refused"`) || !strings.Contains(out, "status=481") {
		t.Errorf("the switch never saw its refresh refused 481:\n%s", grepLines(out, "refresh"))
	}
	if n := strings.Count(out, "call ended"); n != 1 {
		t.Errorf("%d call endings, want 1", n)
	}
	for _, bad := range []string{"session timer expired", "agent=1002 from=ready to=reserved"} {
		if strings.Contains(out[strings.Index(out, "call ended"):], bad) {
			t.Errorf("after the call ended: %q", bad)
		}
	}
}
