package itest

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// sippAgentRTP is where a SIPp agent phone's audio goes.
const sippAgentRTP = 16450

// The agent hangs up and the caller's side is gone: the switch's BYE to
// the caller is never answered. The call ends at the agent's hang-up
// (record closed, agent through wrap-up to ready) without waiting on the
// BYE, and the BYE's failure ten seconds later changes nothing.
func TestCallerBYELost(t *testing.T) {
	requirePeers(t, "sipp", "baresip")
	h := startHotline(t, testConfig("60s"))
	agent := startAgent(t, "1002", "bob1002", agentSIP, agentCtl, switchAddr(), agentTone(t, 1000))
	waitFor(t, 5*time.Second, "agent ready", func() bool { return strings.Contains(h.Output(), "agent=1002 from=logged_out to=ready") })

	work := callerMedia(t, []pcapStep{{silenceMS: 1500}, {digit: '2'}, {silenceMS: 200}, {toneHz: 500, toneMS: 8000}})
	caller := runSIPpAsync(t, work, "caller_deaf_bye.xml", sippArgs()...)
	waitFor(t, 15*time.Second, "agent talking", func() bool { return strings.Contains(h.Output(), "agent=1002 from=reserved to=talking") })
	time.Sleep(2 * time.Second)
	hungUp := time.Now()
	agent.command(t, "hangup", "")
	awaitSIPp(t, caller, 10*time.Second, "the caller taking the BYE and vanishing")

	waitFor(t, 5*time.Second, "agent back to ready", func() bool {
		o := h.Output()
		return strings.Contains(o, "agent=1002 from=talking to=wrap_up") && strings.Contains(o, "agent=1002 from=wrap_up to=ready")
	})
	c := lastCall(t, h.db)
	if c.AgentID != "1002" || c.Disposition != "answered" || c.HangupSide != "agent" || c.HangupCause != "normal_clearing" {
		t.Errorf("record: agent %q disposition %q side %q cause %q", c.AgentID, c.Disposition, c.HangupSide, c.HangupCause)
	}
	if c.EndedAt.IsZero() || c.EndedAt.Sub(hungUp) > 2*time.Second {
		t.Errorf("record ended at %v, the agent hung up at %v", c.EndedAt, hungUp)
	}
	// The BYE really went unanswered (retransmitted into nothing until the
	// switch gave up), and that did not end anything a second time.
	waitFor(t, 15*time.Second, "the BYE to the caller given up", func() bool {
		return strings.Contains(h.Output(), `msg="bye unanswered" call_id=`)
	})
	out := h.Output()
	if n := strings.Count(out, "call ended"); n != 1 {
		t.Errorf("%d call endings logged:\n%s", n, grepLines(out, "call ended"))
	}
	after := out[strings.Index(out, "agent=1002 from=wrap_up to=ready"):]
	if strings.Contains(out, "agent phone unreachable") || strings.Contains(after, "agent=1002 from=ready to=") {
		t.Errorf("the caller's lost BYE touched the agent:\n%s", grepLines(after, "agent=1002"))
	}
}

// The agent's phone vanishes mid-call (powered off, network gone): the
// caller hangs up and the switch's BYE to the phone is never answered. The
// caller's call is recorded as usual and the agent is not stuck; once the
// BYE has gone unanswered the phone's registration is dropped and the
// agent logged out, so the next caller goes straight to another agent
// instead of ringing into nothing until the ring timeout.
func TestAgentPhoneGoneBeforeBYE(t *testing.T) {
	requirePeers(t, "sipp", "baresip")
	h := startHotline(t, testConfig("60s"))
	phoneDir := callerMedia(t, []pcapStep{{toneHz: 1000, toneMS: 6000}})
	registerSIPpAgent(t, h, phoneDir, "1002", "bob1002") // idle longest: offered first
	startAgent(t, "1003", "carol1003", agent2SIP, agent2Ctl, switchAddr(), agentTone(t, 1500))
	waitFor(t, 5*time.Second, "1003 ready", func() bool { return strings.Contains(h.Output(), "agent=1003 from=logged_out to=ready") })

	phone := runSIPpAsync(t, phoneDir, "agent_deaf_bye.xml", "-s", "1002", "-i", "127.0.0.1", "-p", fmt.Sprint(sippAgentSIP),
		"-mi", "127.0.0.1", "-mp", fmt.Sprint(sippAgentRTP), "-m", "1")
	time.Sleep(300 * time.Millisecond)
	first := startCaller(t, 0, "5550101", 3000)
	first.wait(t)
	awaitSIPp(t, phone, 10*time.Second, "agent 1002's phone taking the BYE and vanishing")
	hungUp := time.Now()

	waitFor(t, 5*time.Second, "first record closed", func() bool { return strings.Contains(h.Output(), "call ended") })
	rec := callsByANI(t, h.db)["5550101"]
	if rec.AgentID != "1002" || rec.Disposition != "answered" || rec.HangupSide != "caller" || rec.EndedAt.IsZero() {
		t.Errorf("first record: agent %q disposition %q side %q ended %v", rec.AgentID, rec.Disposition, rec.HangupSide, rec.EndedAt)
	}
	waitFor(t, 5*time.Second, "1002 through wrap-up", func() bool {
		return strings.Contains(h.Output(), "agent=1002 from=talking to=wrap_up")
	})
	waitFor(t, 20*time.Second, "1002's phone found gone", func() bool {
		return strings.Contains(h.Output(), "agent phone unreachable: registration dropped\" agent=1002")
	})
	gone := time.Since(hungUp)
	waitFor(t, 2*time.Second, "1002 logged out", func() bool {
		o := h.Output()
		return strings.Contains(o, "agent=1002 from=ready to=logged_out") || strings.Contains(o, "agent=1002 from=wrap_up to=logged_out")
	})
	t.Logf("the phone was found gone %v after the caller hung up", gone.Round(100*time.Millisecond))

	// The next caller is offered to 1003 at once, never to the vanished phone.
	mark := len(h.Output())
	second := startCaller(t, 1, "5550102", 2000)
	second.wait(t)
	waitFor(t, 5*time.Second, "second record closed", func() bool { return strings.Count(h.Output(), "call ended") >= 2 })
	rec = callsByANI(t, h.db)["5550102"]
	if rec.AgentID != "1003" || rec.Disposition != "answered" {
		t.Errorf("second record: agent %q disposition %q", rec.AgentID, rec.Disposition)
	}
	if after := h.Output()[mark:]; strings.Contains(after, "agent=1002 from=ready to=reserved") {
		t.Errorf("the second caller was offered to the vanished phone:\n%s", grepLines(after, "agent="))
	}
	if w := rec.AnsweredAt.Sub(rec.ArrivedAt); w > 6*time.Second {
		t.Errorf("the second caller waited %v for an agent", w)
	}
}
