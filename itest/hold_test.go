package itest

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// windows splits audio into 1 s windows and measures the agent's 1 kHz tone
// and the hold music's notes in each.
func windows(s []int16) (tone, music []float64) {
	for i := 0; i+rate <= len(s); i += rate {
		w := s[i : i+rate]
		tone = append(tone, toneRatio(w, 1000))
		music = append(music, toneRatio(w, 440)+toneRatio(w, 554)+toneRatio(w, 659))
	}
	return tone, music
}

// The agent's phone puts the caller on hold (re-INVITE sendonly) and takes
// them back: the caller hears the agent, then music on hold, then the
// agent again; the call survives both re-INVITEs.
func TestAgentHoldPlaysMusicToCaller(t *testing.T) {
	requirePeers(t, "sipp", "baresip", "tshark")
	h := startHotline(t, testConfig("60s"))
	agent := startAgent(t, "1002", "bob1002", agentSIP, agentCtl, switchAddr(), agentTone(t, 1000))
	waitFor(t, 5*time.Second, "agent ready", func() bool { return strings.Contains(h.Output(), "agent=1002 from=logged_out to=ready") })
	work := callerMedia(t, []pcapStep{{silenceMS: 1500}, {digit: '2'}, {silenceMS: 200}, {toneHz: 500, toneMS: 14000}})
	capt := startCapture(t, callerRTP, callerRTP)
	done := runSIPpAsync(t, work, "caller.xml", sippArgs("-d", "15000")...)
	waitFor(t, 10*time.Second, "connected", func() bool { return strings.Contains(h.Output(), "msg=connected") })
	time.Sleep(3 * time.Second)
	agent.command(t, "hold", "")
	waitFor(t, 5*time.Second, "call held", func() bool { return strings.Contains(h.Output(), "call held") })
	time.Sleep(4 * time.Second)
	agent.command(t, "resume", "")
	waitFor(t, 5*time.Second, "call unheld", func() bool { return strings.Contains(h.Output(), "call unheld") })
	if err := <-done; err != nil {
		t.Fatalf("caller: %v", err)
	}
	heard := decodeULaw(capt.payloads(t, fmt.Sprintf("udp.dstport==%d && rtp.p_type==0", callerRTP)))
	tone, music := windows(heard)
	// Expect: agent tone, then a stretch of music, then the agent again.
	first, held, back := -1, -1, -1
	for i := range tone {
		switch {
		case first < 0 && tone[i] > 0.6:
			first = i
		case first >= 0 && held < 0 && music[i] > 0.5:
			held = i
		case held >= 0 && back < 0 && tone[i] > 0.6:
			back = i
		}
	}
	if first < 0 || held < 0 || back < 0 {
		t.Fatalf("caller did not hear agent → music → agent: tone %.2f\nmusic %.2f", tone, music)
	}
	waitFor(t, 5*time.Second, "record closed", func() bool { return strings.Contains(h.Output(), "call ended") })
	if c := lastCall(t, h.db); c.Disposition != "answered" || c.HangupSide != "caller" {
		t.Errorf("record: disposition %q side %q", c.Disposition, c.HangupSide)
	}
	if !strings.Contains(h.Output(), "agent=1002 from=talking to=held") || !strings.Contains(h.Output(), "agent=1002 from=held to=talking") {
		t.Errorf("agent state did not go talking → held → talking")
	}
}

// Hold and unhold from the CTI socket (a CRM toolbar): the switch plays the
// caller music without touching the SIP legs.
func TestCTIHoldUnhold(t *testing.T) {
	requirePeers(t, "sipp", "baresip")
	h := startHotline(t, testConfig("60s"))
	startAgent(t, "1002", "bob1002", agentSIP, agentCtl, switchAddr(), agentTone(t, 1000))
	waitFor(t, 5*time.Second, "agent ready", func() bool { return strings.Contains(h.Output(), "agent=1002 from=logged_out to=ready") })
	sup := dialCTI(t, "127.0.0.1:17070", "sup-secret")
	if r := sup.cmd(map[string]any{"cmd": "subscribe", "kinds": []string{"agent.connected", "call.held", "call.unheld"}}); r["ok"] != true {
		t.Fatalf("subscribe: %v", r)
	}
	work := callerMedia(t, []pcapStep{{silenceMS: 1500}, {digit: '2'}, {silenceMS: 200}, {toneHz: 500, toneMS: 8000}})
	done := runSIPpAsync(t, work, "caller.xml", sippArgs("-d", "9000")...)
	next := func(kind string) map[string]any {
		select {
		case e := <-sup.events:
			if e["event"] != kind {
				t.Fatalf("event %v, want %s", e["event"], kind)
			}
			return e
		case <-time.After(10 * time.Second):
			t.Fatalf("no %s event", kind)
		}
		return nil
	}
	call := next("agent.connected")["call_id"]
	if r := sup.cmd(map[string]any{"cmd": "hold", "call": call}); r["ok"] != true {
		t.Fatalf("hold: %v", r)
	}
	next("call.held")
	if r := sup.cmd(map[string]any{"cmd": "hold", "call": call}); r["ok"] != false {
		t.Errorf("a second hold was accepted: %v", r)
	}
	if r := sup.cmd(map[string]any{"cmd": "unhold", "call": call}); r["ok"] != true {
		t.Fatalf("unhold: %v", r)
	}
	next("call.unheld")
	// And a blind transfer from the toolbar to a queue nobody serves: the
	// agent is released, the caller waits in sales.
	if r := sup.cmd(map[string]any{"cmd": "transfer", "call": call, "target": "nowhere"}); r["ok"] != false {
		t.Errorf("transfer to an unknown target accepted: %v", r)
	}
	if r := sup.cmd(map[string]any{"cmd": "transfer", "call": call, "target": "sales"}); r["ok"] != true {
		t.Fatalf("transfer: %v", r)
	}
	waitFor(t, 5*time.Second, "agent released", func() bool { return strings.Contains(h.Output(), "agent=1002 from=talking to=wrap_up") })
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if c := lastCall(t, h.db); c.Queue != "sales" {
		t.Errorf("after the transfer the call is in %q, want sales", c.Queue)
	}
}

// Blind transfer by REFER from the agent's phone to another queue: the
// caller, with their data, reaches an agent of that queue and hears them.
func TestBlindTransferByREFER(t *testing.T) {
	requirePeers(t, "sipp", "baresip", "tshark")
	h := startHotline(t, testConfig("60s"))
	bob := startAgent(t, "1002", "bob1002", agentSIP, agentCtl, switchAddr(), agentTone(t, 1000))
	startAgent(t, "1001", "alice1001", agent2SIP, agent2Ctl, switchAddr(), agentTone(t, 1500))
	waitFor(t, 5*time.Second, "agents ready", func() bool {
		o := h.Output()
		return strings.Contains(o, "agent=1002 from=logged_out to=ready") && strings.Contains(o, "agent=1001 from=logged_out to=ready")
	})
	work := callerMedia(t, []pcapStep{{silenceMS: 1500}, {digit: '2'}, {silenceMS: 200}, {toneHz: 500, toneMS: 12000}})
	capt := startCapture(t, callerRTP, callerRTP)
	done := runSIPpAsync(t, work, "caller.xml", sippArgs("-d", "13000")...)
	waitFor(t, 10*time.Second, "connected to 1002", func() bool { return strings.Contains(h.Output(), "agent=1002 queue=support") })
	time.Sleep(2 * time.Second)
	bob.command(t, "transfer", fmt.Sprintf("sip:sales@127.0.0.1:%d", sipPort))
	waitFor(t, 5*time.Second, "transferred", func() bool { return strings.Contains(h.Output(), "to_queue=sales") })
	waitFor(t, 10*time.Second, "connected to 1001", func() bool { return strings.Contains(h.Output(), "agent=1001 queue=sales") })
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	heard := decodeULaw(capt.payloads(t, fmt.Sprintf("udp.dstport==%d && rtp.p_type==0", callerRTP)))
	if len(heard) < 6*rate {
		t.Fatalf("caller received %d samples", len(heard))
	}
	if r := toneRatio(heard[len(heard)-3*rate:], 1500); r < 0.6 {
		t.Errorf("after the transfer the caller does not hear the new agent's 1500 Hz: ratio %.2f", r)
	}
	waitFor(t, 5*time.Second, "record closed", func() bool { return strings.Contains(h.Output(), "call ended") })
	if c := lastCall(t, h.db); c.AgentID != "1001" || c.Queue != "sales" || c.Disposition != "answered" {
		t.Errorf("record: agent %q queue %q disposition %q", c.AgentID, c.Queue, c.Disposition)
	}
	if !strings.Contains(h.Output(), "agent=1002 from=talking to=wrap_up") {
		t.Errorf("the transferring agent was not released to wrap-up")
	}
}
