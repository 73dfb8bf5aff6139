package itest

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Conferences whose parties leave one by one (TestConferenceByCTI covers
// the agent leaving first): a SIPp caller at 500 Hz, the agent's baresip
// (1002) at 1 kHz, the consulted colleague's baresip (1001) at 1500 Hz.

// conferenceUp connects a caller to agent 1002, consults 1001 and joins
// the three; it returns the call id and when each phone's call started.
func conferenceUp(t *testing.T, cti *ctiClient) (call string, agentStart, colleagueStart time.Time) {
	t.Helper()
	call = fmt.Sprint(waitEvent(t, cti, "agent.connected", "")["call_id"])
	agentStart = time.Now()
	time.Sleep(time.Second)
	if r := cti.cmd(map[string]any{"cmd": "attended_transfer", "call": call, "target": "1001"}); r["ok"] != true {
		t.Fatalf("attended_transfer: %v", r)
	}
	waitEvent(t, cti, "call.consult", "answered")
	colleagueStart = time.Now()
	time.Sleep(time.Second)
	if r := cti.cmd(map[string]any{"cmd": "conference", "call": call, "target": "1001"}); r["ok"] != true {
		t.Fatalf("conference: %v", r)
	}
	waitEvent(t, cti, "call.conference", "joined")
	return call, agentStart, colleagueStart
}

// The colleague leaves the conference first: caller and agent go on and
// hear each other (and no longer the colleague); the colleague is ready
// again at once, the agent goes to wrap-up when the caller hangs up, and
// the record and the recording keep the agent.
func TestConferenceColleagueLeavesFirst(t *testing.T) {
	requirePeers(t, "sipp", "baresip", "tshark")
	h := startHotline(t, testConfig("60s"))
	agent, colleague := twoAgents(t, h)
	cti := dialCTI(t, "127.0.0.1:17070", "sup-secret")
	if r := cti.cmd(map[string]any{"cmd": "subscribe", "kinds": []string{"agent.connected", "call.consult", "call.conference", "call.ended"}}); r["ok"] != true {
		t.Fatalf("subscribe: %v", r)
	}
	work := callerMedia(t, []pcapStep{{silenceMS: 1500}, {digit: '2'}, {silenceMS: 200}, {toneHz: 500, toneMS: 30000}})
	capt := startCapture(t, callerRTP, callerRTP)
	done := runSIPpAsync(t, work, "caller.xml", sippArgs("-d", "20000")...)
	_, agentStart, colleagueStart := conferenceUp(t, cti)
	conf := phase{name: "conference", from: time.Now()}
	time.Sleep(4 * time.Second)
	mark := len(h.Output())
	colleague.command(t, "hangup", "")
	if ev := waitEvent(t, cti, "call.conference", "left"); ev["reason"] != "1001" || ev["agent_id"] != "1002" {
		t.Errorf("conference event when the colleague left: %v", ev)
	}
	conf.to = time.Now()
	left := phase{name: "after the colleague left", from: conf.to, to: conf.to.Add(5 * time.Second)}
	waitFor(t, 3*time.Second, "the colleague ready again", func() bool {
		return strings.Contains(h.Output(), "agent=1001 from=not_ready to=ready")
	})
	time.Sleep(time.Until(left.to))
	if o := h.Output()[mark:]; strings.Contains(o, "agent=1002 from=") || strings.Contains(o, "call ended") {
		t.Fatalf("the agent's or the call's state changed when the colleague left:\n%s", o)
	}
	ended := waitEvent(t, cti, "call.ended", "")
	awaitSIPp(t, done, 15*time.Second, "caller")
	waitFor(t, 5*time.Second, "the agent through wrap-up", func() bool {
		o := h.Output()[mark:]
		return strings.Contains(o, "agent=1002 from=talking to=wrap_up") && strings.Contains(o, "agent=1002 from=wrap_up to=ready")
	})

	caller := capt.payloadsTimed(t, fmt.Sprintf("udp.dstport==%d && rtp.p_type==0", callerRTP))
	expect(t, "caller", conf, caller.between(conf.inner(time.Second)), map[float64]bool{1000: true, 1500: true})
	expect(t, "caller", left, caller.between(left.inner(time.Second)), map[float64]bool{1000: true, 1500: false})
	a := agent.heard(t)
	expect(t, "agent", conf, recordingBetween(a, agentStart, conf), map[float64]bool{500: true, 1500: true})
	expect(t, "agent", left, recordingBetween(a, agentStart, left), map[float64]bool{500: true, 1500: false})
	c := colleague.heard(t)
	expect(t, "colleague", conf, recordingBetween(c, colleagueStart, conf), map[float64]bool{500: true, 1000: true})
	if ended["side"] != "caller" || ended["agent_id"] != "1002" {
		t.Errorf("call.ended: %v", ended)
	}
	rec := lastCall(t, h.db)
	if rec.AgentID != "1002" || rec.Disposition != "answered" || rec.HangupSide != "caller" || rec.HangupCause != "normal_clearing" {
		t.Errorf("record: agent %q disposition %q side %q cause %q", rec.AgentID, rec.Disposition, rec.HangupSide, rec.HangupCause)
	}
	l, r := readStereo(t, filepath.Join(h.dir, rec.Recording))
	expect(t, "recording right", conf, recordingBetween(r, agentStart, conf), map[float64]bool{1000: true, 1500: true, 500: false})
	expect(t, "recording right", left, recordingBetween(r, agentStart, left), map[float64]bool{1000: true, 1500: false})
	expect(t, "recording left", left, recordingBetween(l, agentStart, left), map[float64]bool{500: true, 1000: false})
}

// The caller leaves the conference first: the call is over (a conference
// is the customer's call; agent and colleague are released rather than
// left talking to each other): both phones get a BYE at once, the
// colleague is ready again, the agent goes to wrap-up, and the record says
// the caller hung up an answered call handled by the agent.
func TestConferenceCallerLeavesFirst(t *testing.T) {
	requirePeers(t, "sipp", "baresip", "tshark")
	h := startHotline(t, testConfig("60s"))
	agent, colleague := twoAgents(t, h)
	cti := dialCTI(t, "127.0.0.1:17070", "sup-secret")
	if r := cti.cmd(map[string]any{"cmd": "subscribe", "kinds": []string{"agent.connected", "call.consult", "call.conference", "call.ended", "agent.state"}}); r["ok"] != true {
		t.Fatalf("subscribe: %v", r)
	}
	work := callerMedia(t, []pcapStep{{silenceMS: 1500}, {digit: '2'}, {silenceMS: 200}, {toneHz: 500, toneMS: 30000}})
	capt := startCapture(t, callerRTP, callerRTP)
	done := runSIPpAsync(t, work, "caller.xml", sippArgs("-d", "14000")...)
	call, agentStart, colleagueStart := conferenceUp(t, cti)
	conf := phase{name: "conference", from: time.Now()}
	var conferenceEnd, ended map[string]any
	last := map[string]string{} // each agent's last state, as the CTI published it
	deadline := time.After(20 * time.Second)
	for ended == nil {
		select {
		case e := <-cti.events:
			switch e["event"] {
			case "call.conference":
				conferenceEnd = e
			case "call.ended":
				ended = e
			case "agent.state":
				last[fmt.Sprint(e["agent_id"])] = fmt.Sprint(e["state"])
			}
		case <-deadline:
			t.Fatal("the call did not end when the caller hung up")
		}
	}
	conf.to = time.Now()
	awaitSIPp(t, done, 10*time.Second, "caller")
	if conf.to.Sub(conf.from) < 3*time.Second {
		t.Fatalf("the conference lasted only %v", conf.to.Sub(conf.from))
	}
	if ended["call_id"] != call || ended["side"] != "caller" || ended["reason"] != "answered" {
		t.Errorf("call.ended: %v", ended)
	}
	if conferenceEnd == nil || conferenceEnd["state"] != "ended" || conferenceEnd["reason"] != "1001" {
		t.Errorf("call.conference when the caller left: %v", conferenceEnd)
	}
	for name, p := range map[string]*agentPhone{"agent": agent, "colleague": colleague} {
		waitFor(t, 3*time.Second, "the "+name+"'s phone hung up by the switch", func() bool { return strings.Contains(p.Output(), "session closed") })
	}
	timeout := time.After(4 * time.Second)
	for wait := true; wait; {
		select {
		case e := <-cti.events:
			if e["event"] == "agent.state" {
				last[fmt.Sprint(e["agent_id"])] = fmt.Sprint(e["state"])
			}
		case <-timeout:
			wait = false
		}
	}
	if last["1001"] != "ready" || last["1002"] != "ready" {
		t.Errorf("agent states after the call: %v (want 1001 ready at once, 1002 ready after its 1 s wrap-up)", last)
	}
	if o := h.Output(); !strings.Contains(o, "agent=1002 from=talking to=wrap_up") || !strings.Contains(o, "agent=1001 from=not_ready to=ready") {
		t.Errorf("agent transitions: 1002 to wrap-up %v, 1001 not_ready→ready %v",
			strings.Contains(o, "agent=1002 from=talking to=wrap_up"), strings.Contains(o, "agent=1001 from=not_ready to=ready"))
	}

	caller := capt.payloadsTimed(t, fmt.Sprintf("udp.dstport==%d && rtp.p_type==0", callerRTP))
	expect(t, "caller", conf, caller.between(conf.inner(time.Second)), map[float64]bool{1000: true, 1500: true})
	a := agent.heard(t)
	expect(t, "agent", conf, recordingBetween(a, agentStart, conf), map[float64]bool{500: true, 1500: true})
	c := colleague.heard(t)
	expect(t, "colleague", conf, recordingBetween(c, colleagueStart, conf), map[float64]bool{500: true, 1000: true})
	// Neither phone received audio past the caller's hang-up: their calls
	// ended with it.
	for name, got := range map[string]struct {
		s     []int16
		start time.Time
	}{"agent": {a, agentStart}, "colleague": {c, colleagueStart}} {
		if d, want := time.Duration(len(got.s))*time.Second/rate, conf.to.Sub(got.start); d > want+1500*time.Millisecond {
			t.Errorf("the %s's phone received %v of audio, %v more than the call lasted", name, d, d-want)
		}
	}
	waitFor(t, 5*time.Second, "record closed", func() bool { return strings.Contains(h.Output(), "call ended") })
	rec := lastCall(t, h.db)
	if rec.AgentID != "1002" || rec.Disposition != "answered" || rec.HangupSide != "caller" || rec.HangupCause != "normal_clearing" {
		t.Errorf("record: agent %q disposition %q side %q cause %q", rec.AgentID, rec.Disposition, rec.HangupSide, rec.HangupCause)
	}
	_, r := readStereo(t, filepath.Join(h.dir, rec.Recording))
	expect(t, "recording right", conf, recordingBetween(r, agentStart, conf), map[float64]bool{1000: true, 1500: true, 500: false})
}
