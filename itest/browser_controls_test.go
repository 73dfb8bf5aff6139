package itest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hotline/hotline/store"
)

// The agent page's Mute and Transfer buttons, in headless Chromium. One
// call: a SIPp caller (500 Hz) reaches the page's agent 1002 (1 kHz fake
// microphone) through the IVR and the support queue; the test clicks Mute
// (the caller hears silence), Unmute (the 1 kHz again), then types "sales"
// and clicks Transfer: the caller moves to the sales queue, where agent
// 1001's baresip (1500 Hz) takes it, and they hear each other. What the
// caller heard in each phase is measured on a capture of the switch's RTP
// to it; the record and the event history show the transfer.
func TestBrowserAgentMuteAndTransfer(t *testing.T) {
	requirePeers(t, "sipp", "baresip", "tshark")
	srv, _ := crm(t)
	h := startHotline(t, browserConfig(srv.URL))
	b := startBrowser(t, "1002", "bob1002", 1000)
	b.do("login")
	b.do("wait_state ready")

	work := callerMedia(t, []pcapStep{{silenceMS: 1500}, {digit: '2'}, {silenceMS: 1500}, {digit: '2'}, {silenceMS: 300}, {toneHz: 500, toneMS: 40000}})
	capt := startCapture(t, callerRTP, callerRTP)
	done := runSIPpAsync(t, work, "caller_wait.xml", sippArgs()...)
	pop := b.do("wait_pop")
	callID, _ := pop["callId"].(string)
	b.do("answer")
	// The sales agent logs in only now, so the support call went to the page
	// (1001 has support skills too).
	alice := startAgent(t, "1001", "alice1001", agent2SIP, agent2Ctl, switchAddr(), agentTone(t, 1500))
	waitFor(t, 5*time.Second, "1001 ready", func() bool { return strings.Contains(h.Output(), "agent=1001 from=logged_out to=ready") })

	talk := phase{name: "talking", from: time.Now()}
	time.Sleep(2500 * time.Millisecond)
	if r := b.do("mute"); r["muted"] != true || r["label"] != "Unmute" {
		t.Errorf("mute: %v", r)
	}
	talk.to = time.Now()
	muted := phase{name: "muted", from: talk.to}
	time.Sleep(2500 * time.Millisecond)
	if r := b.do("mute"); r["muted"] != false || r["label"] != "Mute" {
		t.Errorf("unmute: %v", r)
	}
	muted.to = time.Now()
	unmuted := phase{name: "unmuted", from: muted.to}
	time.Sleep(2500 * time.Millisecond)
	unmuted.to = time.Now()

	if st := b.do("transfer sales"); st["talking"] != false {
		t.Errorf("the page still holds the call after the transfer: %v", st)
	}
	waitFor(t, 10*time.Second, "connected to 1001", func() bool { return strings.Contains(h.Output(), "agent=1001 queue=sales") })
	moved := phase{name: "with agent 1001", from: time.Now()}
	time.Sleep(3 * time.Second)
	moved.to = time.Now()
	// The page offers wrap-up for the call it handed on, and its agent is in wrap-up.
	b.do("wrapup resolved")
	alice.command(t, "hangup", "")
	awaitSIPp(t, done, 15*time.Second, "caller, released when 1001 hung up")

	caller := capt.payloadsTimed(t, fmt.Sprintf("udp.dstport==%d && rtp.p_type==0", callerRTP))
	// Before and after the mute, the browser's 1 kHz; while muted, silence:
	// no tone, and hardly any energy at all.
	for _, p := range []phase{talk, unmuted} {
		s := caller.between(p.inner(500 * time.Millisecond))
		t.Logf("%s: the caller hears 1 kHz at %.2f (rms %.4f)", p.name, toneRatio(s, 1000), rms(s))
		expect(t, "caller", p, s, map[float64]bool{1000: true})
	}
	s := caller.between(muted.inner(500 * time.Millisecond))
	t.Logf("muted: the caller hears 1 kHz at %.2f (rms %.4f)", toneRatio(s, 1000), rms(s))
	expect(t, "caller", muted, s, map[float64]bool{1000: false})
	if r := rms(s); r > 0.005 {
		t.Errorf("muted: the caller still hears rms %.4f", r)
	}
	s = caller.between(moved.inner(500 * time.Millisecond))
	t.Logf("after the transfer the caller hears 1500 Hz at %.2f, 1 kHz at %.2f", toneRatio(s, 1500), toneRatio(s, 1000))
	expect(t, "caller", moved, s, map[float64]bool{1500: true, 1000: false})
	if heard := alice.heard(t); len(heard) < 2*rate || toneRatio(heard[len(heard)-2*rate:], 500) < 0.5 {
		t.Errorf("agent 1001 did not hear the caller's 500 Hz")
	}

	if !strings.Contains(h.Output(), "agent=1002 from=talking to=wrap_up") {
		t.Errorf("the page's agent did not go to wrap-up after the transfer")
	}
	waitFor(t, 5*time.Second, "record closed", func() bool { return strings.Contains(h.Output(), "call ended") })
	c := lastCall(t, h.db)
	if c.ID != callID || c.AgentID != "1001" || c.Queue != "sales" || c.IVRDigits != "22" || c.Disposition != "answered" {
		t.Errorf("record: id %q (page had %q) agent %q queue %q digits %q disposition %q", c.ID, callID, c.AgentID, c.Queue, c.IVRDigits, c.Disposition)
	}
	evs, err := openStore(t, h.db).Events(context.Background(), store.Filter{CallID: c.ID, Kind: "call.transferred"})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 || evs[0].AgentID != "1002" || evs[0].Data["reason"] != "queue:sales" {
		t.Errorf("call.transferred in the history: %+v", evs)
	}
}
