package itest

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// Supervision from the agent desktop: a supervisor (agent 1003, role:
// supervisor) logs in on /agent in headless Chromium; its page lists the
// connected calls, and its own WebRTC softphone is the supervision leg.

// supervisorConfig is the test switch with browser agents enabled and
// agent 1003 a supervisor without skills (never offered queue calls).
func supervisorConfig() string {
	cfg := strings.Replace(testConfig("60s"), fmt.Sprintf("  http: { addr: \"127.0.0.1:%d\" }\n", httpPort),
		fmt.Sprintf("  http: { addr: \"127.0.0.1:%d\" }\n  webrtc: { enabled: true, ice_addr: \"127.0.0.1:%d\", ice_disconnected: 2s, ice_failed: 5s }\n", httpPort, icePort), 1)
	return strings.Replace(cfg, `{ id: "1003", name: Carol, password: carol1003, skills: { support: 5 } }`,
		`{ id: "1003", name: Carol, password: carol1003, role: supervisor }`, 1)
}

// share reads one frequency's share from a sup_tones reply.
func share(m map[string]any, hz int) float64 {
	s, _ := m["share"].(map[string]any)
	f, _ := s[fmt.Sprint(hz)].(float64)
	return f
}

// expectPage checks what the supervisor's page heard (sup_tones) in a phase.
func expectPage(t *testing.T, p phase, m map[string]any, hears map[int]bool) {
	t.Helper()
	for hz, want := range hears {
		r := share(m, hz)
		if want && r < 0.15 {
			t.Errorf("%s: the supervisor's page does not hear %d Hz (share %.2f; %v)", p.name, hz, r, m)
		}
		if !want && r > 0.03 {
			t.Errorf("%s: the supervisor's page hears %d Hz (share %.2f; %v)", p.name, hz, r, m)
		}
	}
}

// A supervisor on the agent desktop (fake microphone at 1500 Hz) listens
// to a SIPp caller (500 Hz) talking to a baresip agent (1 kHz): the page
// hears both and nobody hears it; whisper: the agent hears it, the caller
// does not; barge: the caller too. Leave: the call goes on, the supervisor
// is ready again.
func TestBrowserSupervisorListenWhisperBarge(t *testing.T) {
	requirePeers(t, "sipp", "baresip", "tshark")
	h := startHotline(t, supervisorConfig())
	agent := startAgent(t, "1002", "bob1002", agentSIP, agentCtl, switchAddr(), agentTone(t, 1000))
	// The supervisor's tone is mixed with the agent's: Chromium's noise
	// suppressor, which cuts a steady tone by some 20 dB (not a voice), is off.
	t.Setenv("HOTLINE_MIC_RAW", "1")
	b := startBrowser(t, "1003", "carol1003", 1500)
	if st := b.do("login"); st["ctiReady"] != true {
		t.Fatalf("supervisor login: %v", st)
	}
	if st := b.do("sup_state"); st["enabled"] != true || st["shown"] != true {
		t.Fatalf("the supervisor panel is not shown to a supervisor: %v", st)
	}
	waitFor(t, 5*time.Second, "agent and supervisor ready", func() bool {
		o := h.Output()
		return strings.Contains(o, "agent=1002 from=logged_out to=ready") && strings.Contains(o, "agent=1003 from=logged_out to=ready")
	})
	watch := dialCTI(t, "127.0.0.1:17070", "sup-secret")
	if r := watch.cmd(map[string]any{"cmd": "subscribe", "kinds": []string{"agent.connected", "call.supervised"}}); r["ok"] != true {
		t.Fatalf("subscribe: %v", r)
	}
	work := callerMedia(t, []pcapStep{{silenceMS: 1500}, {digit: '2'}, {silenceMS: 200}, {toneHz: 500, toneMS: 40000}})
	capt := startCapture(t, callerRTP, callerRTP)
	done := runSIPpAsync(t, work, "caller.xml", sippArgs("-d", "36000")...)
	call := fmt.Sprint(waitEvent(t, watch, "agent.connected", "")["call_id"])
	agentStart := time.Now()
	row := b.do("sup_wait_call " + call)
	if c, _ := row["calls"].(map[string]any)[call].(map[string]any); c["ani"] != "sipp" || c["queue"] != "support" || c["agent"] != "1002" {
		t.Errorf("the panel lists the call as %v", c)
	}

	// Each phase: the mode is confirmed (call.supervised), the audio settles,
	// the page measures what it hears for 3 s, and the phase goes on a
	// little so the caller's and the agent's side have margin too.
	var phases []phase
	heard := map[string]map[string]any{}
	for _, mode := range []string{"listen", "whisper", "barge"} {
		b.do("supervise " + mode + " " + call)
		ev := waitEvent(t, watch, "call.supervised", mode)
		if ev["reason"] != "1003" {
			t.Errorf("call.supervised names %v, want the supervisor 1003", ev["reason"])
		}
		if mode != "listen" {
			phases[len(phases)-1].to = time.Now()
		}
		phases = append(phases, phase{name: mode, from: time.Now()})
		time.Sleep(1500 * time.Millisecond)
		heard[mode] = b.do("sup_tones 3000 500,1000,1500")
		t.Logf("%s: the supervisor's page hears %v; its leg: %v", mode, heard[mode], b.do("sup_stats"))
		time.Sleep(time.Second)
	}
	b.do("sup_leave")
	waitEvent(t, watch, "call.supervised", "ended")
	phases[2].to = time.Now()
	after := phase{name: "after the supervisor left", from: phases[2].to, to: phases[2].to.Add(4 * time.Second)}
	time.Sleep(4 * time.Second)
	awaitSIPp(t, done, 40*time.Second, "caller")

	for _, p := range phases {
		expectPage(t, p, heard[p.name], map[int]bool{500: true, 1000: true, 1500: false})
	}
	caller := capt.payloadsTimed(t, fmt.Sprintf("udp.dstport==%d && rtp.p_type==0", callerRTP))
	a := agent.heard(t)
	for _, c := range []struct {
		p             phase
		caller, agent map[float64]bool
	}{
		{phases[0], map[float64]bool{1000: true, 1500: false}, map[float64]bool{500: true, 1500: false}},
		{phases[1], map[float64]bool{1000: true, 1500: false}, map[float64]bool{500: true, 1500: true}},
		{phases[2], map[float64]bool{1000: true, 1500: true}, map[float64]bool{500: true, 1500: true}},
		{after, map[float64]bool{1000: true, 1500: false}, map[float64]bool{500: true, 1500: false}},
	} {
		expect(t, "caller", c.p, caller.between(c.p.inner(time.Second)), c.caller)
		expect(t, "agent", c.p, recordingBetween(a, agentStart, c.p), c.agent)
	}
	o := h.Output()
	if !strings.Contains(o, "agent=1003 from=ready to=not_ready") {
		t.Errorf("the supervisor was not kept from queue calls while supervising")
	}
	waitFor(t, 5*time.Second, "supervisor ready again", func() bool {
		return strings.Contains(h.Output(), "agent=1003 from=not_ready to=ready")
	})
	waitFor(t, 5*time.Second, "record closed", func() bool { return strings.Contains(h.Output(), "call ended") })
	if c := lastCall(t, h.db); c.AgentID != "1002" || c.Disposition != "answered" || c.HangupSide != "caller" {
		t.Errorf("record: agent %q disposition %q side %q", c.AgentID, c.Disposition, c.HangupSide)
	}
	if st := b.do("sup_state"); len(st["calls"].(map[string]any)) != 0 || st["callId"] != nil {
		t.Errorf("after the call the panel still shows %v", st)
	}
}

// An agent without role: supervisor gets no panel, and the switch refuses
// its listen and snapshot over its own desktop session (and over a
// configured agent:<id> token) with a forbidden error that says why; the
// call is not touched.
func TestBrowserAgentMayNotSupervise(t *testing.T) {
	requirePeers(t, "sipp", "baresip")
	cfg := strings.Replace(supervisorConfig(), "    - { token: admin-secret, role: admin }\n",
		"    - { token: admin-secret, role: admin }\n    - { token: bob-token, role: \"agent:1002\" }\n", 1)
	h := startHotline(t, cfg)
	startAgent(t, "1001", "alice1001", agent2SIP, agent2Ctl, switchAddr(), agentTone(t, 1500))
	b := startBrowser(t, "1002", "bob1002", 1000)
	b.do("login")
	if st := b.do("sup_state"); st["enabled"] != false || st["shown"] != false {
		t.Errorf("an agent without role: supervisor sees the supervisor panel: %v", st)
	}
	waitFor(t, 5*time.Second, "agents ready", func() bool {
		o := h.Output()
		return strings.Contains(o, "agent=1001 from=logged_out to=ready") && strings.Contains(o, "agent=1002 from=logged_out to=ready")
	})
	watch := dialCTI(t, "127.0.0.1:17070", "sup-secret")
	if r := watch.cmd(map[string]any{"cmd": "subscribe", "kinds": []string{"agent.connected", "call.supervised", "security.denied"}}); r["ok"] != true {
		t.Fatalf("subscribe: %v", r)
	}
	work := callerMedia(t, []pcapStep{{silenceMS: 1500}, {digit: '1'}, {silenceMS: 200}, {toneHz: 500, toneMS: 12000}})
	done := runSIPpAsync(t, work, "caller.xml", sippArgs("-d", "8000")...)
	ev := waitEvent(t, watch, "agent.connected", "")
	if ev["agent_id"] != "1001" {
		t.Fatalf("the sales call went to %v", ev["agent_id"])
	}
	call := fmt.Sprint(ev["call_id"])
	for _, c := range []string{"listen", "whisper", "barge", "snapshot"} {
		r := b.do("cti " + c + " " + call)
		t.Logf("the page's %s: %v", c, r)
		if r["ok"] != false || !strings.Contains(fmt.Sprint(r["error"]), "not permitted to supervise") {
			t.Errorf("an agent without role: supervisor sent %s from the page: %v", c, r)
		}
	}
	if d := waitEvent(t, watch, "security.denied", ""); !strings.Contains(fmt.Sprint(d["data"]), "agent:1002") {
		t.Errorf("security.denied: %v", d)
	}
	tok := dialCTI(t, "127.0.0.1:17070", "bob-token")
	r := tok.cmd(map[string]any{"cmd": "listen", "call": call, "supervisor_agent": "1002"})
	if r["ok"] != false || !strings.Contains(fmt.Sprint(r["error"]), "forbidden") || !strings.Contains(fmt.Sprint(r["error"]), "role: supervisor") {
		t.Errorf("agent:1002's token listened: %v", r)
	}
	awaitSIPp(t, done, 20*time.Second, "caller")
	select {
	case e := <-watch.events:
		if e["event"] == "call.supervised" {
			t.Errorf("the call was supervised: %v", e)
		}
	case <-time.After(500 * time.Millisecond):
	}
	if strings.Contains(h.Output(), "supervisor ringing") {
		t.Error("the switch dialled a supervisor")
	}
}

// The supervisor's tab closes while it listens: the switch drops the
// supervision leg (call.supervised ended) at ice_disconnected (2 s here),
// the WebSocket being gone too, not at ice_failed; the caller and
// the agent talk on undisturbed, and the supervisor is left
// not_ready(connection_lost), not ready for calls it cannot take.
func TestBrowserSupervisorTabClosed(t *testing.T) {
	requirePeers(t, "sipp", "baresip", "tshark")
	h := startHotline(t, supervisorConfig())
	startAgent(t, "1002", "bob1002", agentSIP, agentCtl, switchAddr(), agentTone(t, 1000))
	b := startBrowser(t, "1003", "carol1003", 1500)
	b.do("login")
	waitFor(t, 5*time.Second, "agent and supervisor ready", func() bool {
		o := h.Output()
		return strings.Contains(o, "agent=1002 from=logged_out to=ready") && strings.Contains(o, "agent=1003 from=logged_out to=ready")
	})
	watch := dialCTI(t, "127.0.0.1:17070", "sup-secret")
	if r := watch.cmd(map[string]any{"cmd": "subscribe", "kinds": []string{"agent.connected", "call.supervised", "call.ended"}}); r["ok"] != true {
		t.Fatalf("subscribe: %v", r)
	}
	work := callerMedia(t, []pcapStep{{silenceMS: 1500}, {digit: '2'}, {silenceMS: 200}, {toneHz: 500, toneMS: 30000}})
	capt := startCapture(t, callerRTP, callerRTP)
	done := runSIPpAsync(t, work, "caller.xml", sippArgs("-d", "20000")...)
	call := fmt.Sprint(waitEvent(t, watch, "agent.connected", "")["call_id"])
	b.do("sup_wait_call " + call)
	b.do("supervise listen " + call)
	waitEvent(t, watch, "call.supervised", "listen")
	time.Sleep(time.Second)
	closed := time.Now()
	b.do("close_tab")
	ev := waitEvent(t, watch, "call.supervised", "ended")
	gone := time.Since(closed)
	t.Logf("the supervision leg ended %v after the tab closed", gone)
	if ev["reason"] != "1003" || gone > 5*time.Second { // ice_failed would be 7 s
		t.Errorf("supervision ended %v after the tab closed: %v", gone, ev)
	}
	after := phase{name: "after the supervisor's tab closed", from: time.Now(), to: time.Now().Add(4 * time.Second)}
	time.Sleep(4 * time.Second)
	if e := waitEvent(t, watch, "call.ended", ""); e["side"] != "caller" {
		t.Errorf("the call ended by %v, want the caller", e["side"])
	}
	awaitSIPp(t, done, 20*time.Second, "caller")
	caller := capt.payloadsTimed(t, fmt.Sprintf("udp.dstport==%d && rtp.p_type==0", callerRTP))
	expect(t, "caller", after, caller.between(after.inner(time.Second)), map[float64]bool{1000: true, 1500: false})
	if !strings.Contains(h.Output(), `agent=1003 from=not_ready to=not_ready reason=connection_lost`) &&
		!strings.Contains(h.Output(), `agent=1003 from=ready to=not_ready reason=connection_lost`) {
		t.Errorf("the supervisor was not set not_ready(connection_lost)")
	}
	if strings.Contains(h.Output(), "agent=1003 from=not_ready to=ready") {
		t.Errorf("the supervisor whose tab closed was made ready")
	}
	if c := lastCall(t, h.db); c.AgentID != "1002" || c.Disposition != "answered" || c.HangupSide != "caller" {
		t.Errorf("record: agent %q disposition %q side %q", c.AgentID, c.Disposition, c.HangupSide)
	}
}
