package itest

import (
	"encoding/hex"
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Supervision, attended transfer and conference against real phones: a
// SIPp caller sending 500 Hz, the agent's baresip 1000 Hz and a second
// baresip (supervisor or consulted colleague) 1500 Hz. What each party
// heard in each phase is checked by frequency: the caller from a capture
// of the switch's RTP to it, the phones from their own recordings.

// timedAudio is µ-law audio received at known wall-clock times.
type timedAudio struct {
	at  []time.Time // arrival of each packet
	pcm [][]int16
}

// payloadsTimed stops the capture and returns the PCMU payloads matching
// filter with their capture times.
func (c *capture) payloadsTimed(t *testing.T, filter string) timedAudio {
	t.Helper()
	c.stop(syscall.SIGINT)
	out, err := exec.Command("tshark", "-r", c.file, "--enable-heuristic", "rtp_udp", "-Y", filter,
		"-T", "fields", "-e", "frame.time_epoch", "-e", "rtp.payload").Output()
	if err != nil {
		t.Fatalf("tshark read: %v", err)
	}
	var a timedAudio
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) != 2 {
			continue
		}
		sec, err := strconv.ParseFloat(f[0], 64)
		if err != nil {
			continue
		}
		b, err := hex.DecodeString(strings.ReplaceAll(f[1], ":", ""))
		if err != nil {
			continue
		}
		a.at = append(a.at, time.Unix(0, int64(sec*1e9)))
		a.pcm = append(a.pcm, decodeULaw([][]byte{b}))
	}
	return a
}

// between is the audio received from a to b.
func (a timedAudio) between(from, to time.Time) []int16 {
	var s []int16
	for i, at := range a.at {
		if !at.Before(from) && at.Before(to) {
			s = append(s, a.pcm[i]...)
		}
	}
	return s
}

// phase is a stretch of the test with what should and should not be heard.
type phase struct {
	name     string
	from, to time.Time
}

// inner trims a phase by margin at both ends: switching takes a moment
// and each phone's recording is only roughly aligned with the wall clock.
func (p phase) inner(margin time.Duration) (time.Time, time.Time) {
	return p.from.Add(margin), p.to.Add(-margin)
}

// recordingBetween cuts a phone's recording (which starts at start) to a
// phase.
func recordingBetween(s []int16, start time.Time, p phase) []int16 {
	from, to := p.inner(time.Second)
	i, j := int(from.Sub(start).Seconds()*rate), int(to.Sub(start).Seconds()*rate)
	i, j = max(i, 0), min(j, len(s))
	if i >= j {
		return nil
	}
	return s[i:j]
}

// expect checks that audio carries (or not) each tone.
func expect(t *testing.T, who string, p phase, s []int16, hears map[float64]bool) {
	t.Helper()
	if len(s) < rate {
		t.Errorf("%s, %s: only %d samples", p.name, who, len(s))
		return
	}
	for f, want := range hears {
		r := toneRatio(s, f)
		if want && r < 0.2 {
			t.Errorf("%s: %s does not hear %.0f Hz (share %.2f)", p.name, who, f, r)
		}
		if !want && r > 0.05 {
			t.Errorf("%s: %s hears %.0f Hz (share %.2f)", p.name, who, f, r)
		}
	}
}

// waitEvent returns the next CTI event of kind (others are skipped).
func waitEvent(t *testing.T, c *ctiClient, kind, state string) map[string]any {
	t.Helper()
	deadline := time.After(15 * time.Second)
	for {
		select {
		case e, ok := <-c.events:
			if !ok {
				t.Fatalf("cti closed waiting for %s %s", kind, state)
			}
			if e["event"] == kind && (state == "" || e["state"] == state) {
				return e
			}
		case <-deadline:
			t.Fatalf("no %s %s event", kind, state)
		}
	}
}

func twoAgents(t *testing.T, h *hotline) (agent, other *agentPhone) {
	t.Helper()
	agent = startAgent(t, "1002", "bob1002", agentSIP, agentCtl, switchAddr(), agentTone(t, 1000))
	other = startAgent(t, "1001", "alice1001", agent2SIP, agent2Ctl, switchAddr(), agentTone(t, 1500))
	waitFor(t, 5*time.Second, "phones ready", func() bool {
		o := h.Output()
		return strings.Contains(o, "agent=1002 from=logged_out to=ready") && strings.Contains(o, "agent=1001 from=logged_out to=ready")
	})
	return agent, other
}

// A supervisor on baresip listens (hears both, heard by nobody), whispers
// (the agent hears the supervisor, the caller does not), barges (everyone
// hears everyone), then hangs up: the call goes on.
func TestSupervisorListenWhisperBarge(t *testing.T) {
	requirePeers(t, "sipp", "baresip", "tshark")
	h := startHotline(t, testConfig("60s"))
	agent, sup := twoAgents(t, h)
	cti := dialCTI(t, "127.0.0.1:17070", "sup-secret")
	if r := cti.cmd(map[string]any{"cmd": "subscribe", "kinds": []string{"agent.connected", "call.supervised"}}); r["ok"] != true {
		t.Fatalf("subscribe: %v", r)
	}
	crm := dialCTI(t, "127.0.0.1:17070", "crm-secret")
	work := callerMedia(t, []pcapStep{{silenceMS: 1500}, {digit: '2'}, {silenceMS: 200}, {toneHz: 500, toneMS: 30000}})
	capt := startCapture(t, callerRTP, callerRTP)
	done := runSIPpAsync(t, work, "caller.xml", sippArgs("-d", "28000")...)
	connected := waitEvent(t, cti, "agent.connected", "")
	call := connected["call_id"]
	agentStart := time.Now()
	time.Sleep(time.Second)
	if r := crm.cmd(map[string]any{"cmd": "listen", "call": call, "supervisor_agent": "1001"}); r["ok"] != false {
		t.Errorf("a crm token was allowed to listen: %v", r)
	}
	if r := cti.cmd(map[string]any{"cmd": "listen", "call": call, "supervisor_agent": "1001"}); r["ok"] != true {
		t.Fatalf("listen: %v", r)
	}
	waitEvent(t, cti, "call.supervised", "listen")
	supStart := time.Now()
	const stay = 5 * time.Second
	listen := phase{name: "listen", from: supStart}
	time.Sleep(stay)
	if r := cti.cmd(map[string]any{"cmd": "whisper", "call": call, "supervisor_agent": "1001"}); r["ok"] != true {
		t.Fatalf("whisper: %v", r)
	}
	waitEvent(t, cti, "call.supervised", "whisper")
	listen.to = time.Now()
	whisper := phase{name: "whisper", from: listen.to}
	time.Sleep(stay)
	if r := cti.cmd(map[string]any{"cmd": "barge", "call": call, "supervisor_agent": "1001"}); r["ok"] != true {
		t.Fatalf("barge: %v", r)
	}
	waitEvent(t, cti, "call.supervised", "barge")
	whisper.to = time.Now()
	barge := phase{name: "barge", from: whisper.to}
	time.Sleep(stay)
	sup.command(t, "hangup", "")
	waitEvent(t, cti, "call.supervised", "ended")
	barge.to = time.Now()
	after := phase{name: "after the supervisor left", from: barge.to, to: barge.to.Add(4 * time.Second)}
	awaitSIPp(t, done, 30*time.Second, "caller")

	caller := capt.payloadsTimed(t, fmt.Sprintf("udp.dstport==%d && rtp.p_type==0", callerRTP))
	for _, c := range []struct {
		p     phase
		hears map[float64]bool
	}{
		{listen, map[float64]bool{1000: true, 1500: false}},
		{whisper, map[float64]bool{1000: true, 1500: false}},
		{barge, map[float64]bool{1000: true, 1500: true}},
		{after, map[float64]bool{1000: true, 1500: false}},
	} {
		expect(t, "caller", c.p, caller.between(c.p.inner(time.Second)), c.hears)
	}
	a := agent.heard(t)
	expect(t, "agent", listen, recordingBetween(a, agentStart, listen), map[float64]bool{500: true, 1500: false})
	expect(t, "agent", whisper, recordingBetween(a, agentStart, whisper), map[float64]bool{500: true, 1500: true})
	expect(t, "agent", barge, recordingBetween(a, agentStart, barge), map[float64]bool{500: true, 1500: true})
	expect(t, "agent", after, recordingBetween(a, agentStart, after), map[float64]bool{500: true, 1500: false})
	s := sup.heard(t)
	for _, p := range []phase{listen, whisper, barge} {
		expect(t, "supervisor", p, recordingBetween(s, supStart, p), map[float64]bool{500: true, 1000: true, 1500: false})
	}
	if !strings.Contains(h.Output(), "agent=1001 from=ready to=not_ready") {
		t.Errorf("the supervisor was not kept from queue calls while supervising")
	}
	waitFor(t, 5*time.Second, "supervisor ready again", func() bool {
		return strings.Contains(h.Output(), "agent=1001 from=not_ready to=ready")
	})
	if c := lastCall(t, h.db); c.AgentID != "1002" || c.Disposition != "answered" || c.HangupSide != "caller" {
		t.Errorf("record: agent %q disposition %q side %q", c.AgentID, c.Disposition, c.HangupSide)
	}
}

// Attended transfer through the CTI: the agent consults a colleague (the
// caller hears music, and neither the agent nor the colleague hears the
// caller), cancels (caller and agent talk again), consults again and
// completes: the caller talks to the colleague, the agent goes to wrap-up.
func TestAttendedTransferByCTI(t *testing.T) {
	requirePeers(t, "sipp", "baresip", "tshark")
	h := startHotline(t, testConfig("60s"))
	agent, colleague := twoAgents(t, h)
	cti := dialCTI(t, "127.0.0.1:17070", "sup-secret")
	if r := cti.cmd(map[string]any{"cmd": "subscribe", "kinds": []string{"agent.connected", "call.consult", "call.transferred"}}); r["ok"] != true {
		t.Fatalf("subscribe: %v", r)
	}
	work := callerMedia(t, []pcapStep{{silenceMS: 1500}, {digit: '2'}, {silenceMS: 200}, {toneHz: 500, toneMS: 30000}})
	capt := startCapture(t, callerRTP, callerRTP)
	done := runSIPpAsync(t, work, "caller.xml", sippArgs("-d", "25000")...)
	call := waitEvent(t, cti, "agent.connected", "")["call_id"]
	agentStart := time.Now()
	time.Sleep(time.Second)
	if r := cti.cmd(map[string]any{"cmd": "transfer_complete", "call": call}); r["ok"] != false {
		t.Errorf("complete without a consultation accepted: %v", r)
	}
	if r := cti.cmd(map[string]any{"cmd": "attended_transfer", "call": call, "target": "1001"}); r["ok"] != true {
		t.Fatalf("attended_transfer: %v", r)
	}
	waitEvent(t, cti, "call.consult", "answered")
	consult := phase{name: "consultation", from: time.Now()}
	time.Sleep(4 * time.Second)
	if r := cti.cmd(map[string]any{"cmd": "transfer_cancel", "call": call}); r["ok"] != true {
		t.Fatalf("transfer_cancel: %v", r)
	}
	waitEvent(t, cti, "call.consult", "cancelled")
	consult.to = time.Now()
	back := phase{name: "after cancel", from: consult.to}
	time.Sleep(4 * time.Second)
	if r := cti.cmd(map[string]any{"cmd": "attended_transfer", "call": call, "target": "1001"}); r["ok"] != true {
		t.Fatalf("second attended_transfer: %v", r)
	}
	waitEvent(t, cti, "call.consult", "answered")
	back.to = time.Now()
	time.Sleep(2 * time.Second)
	if r := cti.cmd(map[string]any{"cmd": "transfer_complete", "call": call}); r["ok"] != true {
		t.Fatalf("transfer_complete: %v", r)
	}
	ev := waitEvent(t, cti, "call.transferred", "")
	if ev["agent_id"] != "1001" || ev["reason"] != "attended" || ev["side"] != "from:1002" || ev["ani"] == nil {
		t.Errorf("transferred event: %v", ev)
	}
	transferred := phase{name: "after complete", from: time.Now(), to: time.Now().Add(5 * time.Second)}
	awaitSIPp(t, done, 30*time.Second, "caller")

	caller := capt.payloadsTimed(t, fmt.Sprintf("udp.dstport==%d && rtp.p_type==0", callerRTP))
	held := caller.between(consult.inner(time.Second))
	if moh := toneRatio(held, 440) + toneRatio(held, 554) + toneRatio(held, 659); moh < 0.4 {
		t.Errorf("consultation: caller does not hear music on hold (note share %.2f)", moh)
	}
	expect(t, "caller", consult, held, map[float64]bool{1000: false, 1500: false})
	expect(t, "caller", back, caller.between(back.inner(time.Second)), map[float64]bool{1000: true, 1500: false})
	expect(t, "caller", transferred, caller.between(transferred.inner(time.Second)), map[float64]bool{1500: true, 1000: false})
	a := agent.heard(t)
	expect(t, "agent", consult, recordingBetween(a, agentStart, consult), map[float64]bool{1500: true, 500: false})
	expect(t, "agent", back, recordingBetween(a, agentStart, back), map[float64]bool{500: true, 1500: false})
	_ = colleague
	waitFor(t, 5*time.Second, "record closed", func() bool { return strings.Contains(h.Output(), "call ended") })
	if !strings.Contains(h.Output(), "agent=1002 from=talking to=wrap_up") {
		t.Errorf("the first agent was not released to wrap-up")
	}
	if c := lastCall(t, h.db); c.AgentID != "1001" || c.Disposition != "answered" {
		t.Errorf("record: agent %q disposition %q", c.AgentID, c.Disposition)
	}
}

// A three-way conference: the agent consults a colleague and joins the
// caller in; each party hears the other two. Then the agent leaves: the
// caller and the colleague go on talking.
func TestConferenceByCTI(t *testing.T) {
	requirePeers(t, "sipp", "baresip", "tshark")
	h := startHotline(t, testConfig("60s"))
	agent, colleague := twoAgents(t, h)
	cti := dialCTI(t, "127.0.0.1:17070", "sup-secret")
	if r := cti.cmd(map[string]any{"cmd": "subscribe", "kinds": []string{"agent.connected", "call.consult", "call.conference", "call.transferred"}}); r["ok"] != true {
		t.Fatalf("subscribe: %v", r)
	}
	work := callerMedia(t, []pcapStep{{silenceMS: 1500}, {digit: '2'}, {silenceMS: 200}, {toneHz: 500, toneMS: 30000}})
	capt := startCapture(t, callerRTP, callerRTP)
	done := runSIPpAsync(t, work, "caller.xml", sippArgs("-d", "20000")...)
	call := waitEvent(t, cti, "agent.connected", "")["call_id"]
	agentStart := time.Now()
	time.Sleep(time.Second)
	if r := cti.cmd(map[string]any{"cmd": "attended_transfer", "call": call, "target": "1001"}); r["ok"] != true {
		t.Fatalf("attended_transfer: %v", r)
	}
	waitEvent(t, cti, "call.consult", "answered")
	colleagueStart := time.Now()
	time.Sleep(time.Second)
	if r := cti.cmd(map[string]any{"cmd": "conference", "call": call, "target": "1001"}); r["ok"] != true {
		t.Fatalf("conference: %v", r)
	}
	ev := waitEvent(t, cti, "call.conference", "joined")
	if ev["reason"] != "1001" || ev["agent_id"] != "1002" {
		t.Errorf("conference event: %v", ev)
	}
	conf := phase{name: "conference", from: time.Now()}
	time.Sleep(5 * time.Second)
	agent.command(t, "hangup", "")
	waitEvent(t, cti, "call.transferred", "")
	conf.to = time.Now()
	left := phase{name: "after the agent left", from: conf.to, to: conf.to.Add(5 * time.Second)}
	awaitSIPp(t, done, 30*time.Second, "caller")

	caller := capt.payloadsTimed(t, fmt.Sprintf("udp.dstport==%d && rtp.p_type==0", callerRTP))
	expect(t, "caller", conf, caller.between(conf.inner(time.Second)), map[float64]bool{1000: true, 1500: true})
	expect(t, "caller", left, caller.between(left.inner(time.Second)), map[float64]bool{1500: true, 1000: false})
	a := agent.heard(t)
	expect(t, "agent", conf, recordingBetween(a, agentStart, conf), map[float64]bool{500: true, 1500: true})
	c := colleague.heard(t)
	expect(t, "colleague", conf, recordingBetween(c, colleagueStart, conf), map[float64]bool{500: true, 1000: true})
	expect(t, "colleague", left, recordingBetween(c, colleagueStart, left), map[float64]bool{500: true, 1000: false})
	waitFor(t, 5*time.Second, "record closed", func() bool { return strings.Contains(h.Output(), "call ended") })
	rec := lastCall(t, h.db)
	if rec.AgentID != "1001" || rec.Disposition != "answered" {
		t.Errorf("record: agent %q disposition %q", rec.AgentID, rec.Disposition)
	}
	// The recording keeps every party: the caller left, agent and colleague
	// mixed on the right during the conference, the colleague alone after.
	l, r := readStereo(t, filepath.Join(h.dir, rec.Recording))
	expect(t, "recording left", conf, recordingBetween(l, agentStart, conf), map[float64]bool{500: true, 1000: false})
	expect(t, "recording right", conf, recordingBetween(r, agentStart, conf), map[float64]bool{1000: true, 1500: true, 500: false})
	expect(t, "recording right", left, recordingBetween(r, agentStart, left), map[float64]bool{1500: true, 1000: false})
}

// Attended transfer to an external number: only where a dial rule lets the
// agent dial it; the consultation goes out through the trunk to a SIPp
// UAS (1500 Hz), and on completion the caller talks to it.
func TestAttendedTransferToExternalNumber(t *testing.T) {
	requirePeers(t, "sipp", "baresip", "tshark")
	cfg := strings.Replace(testConfig("60s"), "      - { number: \"5000\", flow: main }\n",
		"      - { number: \"5000\", flow: main }\n    outbound: { addr: \"127.0.0.1:15090\", caller_id: \"5000\" }\n", 1)
	cfg += "dial_rules:\n  - { agents: [\"1002\"], pattern: \"555[0-9]{4}\", trunk: carrier, max_concurrent: 1 }\n"
	h := startHotline(t, cfg)
	startAgent(t, "1002", "bob1002", agentSIP, agentCtl, switchAddr(), agentTone(t, 1000))
	waitFor(t, 5*time.Second, "agent ready", func() bool { return strings.Contains(h.Output(), "agent=1002 from=logged_out to=ready") })
	cti := dialCTI(t, "127.0.0.1:17070", "sup-secret")
	if r := cti.cmd(map[string]any{"cmd": "subscribe", "kinds": []string{"agent.connected", "call.consult", "call.transferred", "security.denied"}}); r["ok"] != true {
		t.Fatalf("subscribe: %v", r)
	}
	external := callerMedia(t, []pcapStep{{toneHz: 1500, toneMS: 15000}})
	extDone := runSIPpAsync(t, external, "customer_uas.xml", "-i", "127.0.0.1", "-p", "15090", "-mi", "127.0.0.1", "-mp", "16200", "-m", "1")
	work := callerMedia(t, []pcapStep{{silenceMS: 1500}, {digit: '2'}, {silenceMS: 200}, {toneHz: 500, toneMS: 20000}})
	capt := startCapture(t, callerRTP, callerRTP)
	done := runSIPpAsync(t, work, "caller.xml", sippArgs("-d", "14000")...)
	call := waitEvent(t, cti, "agent.connected", "")["call_id"]
	time.Sleep(time.Second)
	if r := cti.cmd(map[string]any{"cmd": "attended_transfer", "call": call, "target": "9001234567"}); r["ok"] != false ||
		!strings.Contains(fmt.Sprint(r["error"]), "forbidden") {
		t.Fatalf("a number outside the dial rules was not refused: %v", r)
	}
	waitEvent(t, cti, "security.denied", "")
	if r := cti.cmd(map[string]any{"cmd": "attended_transfer", "call": call, "target": "5551234"}); r["ok"] != true {
		t.Fatalf("attended_transfer: %v", r)
	}
	waitEvent(t, cti, "call.consult", "answered")
	time.Sleep(2 * time.Second)
	if r := cti.cmd(map[string]any{"cmd": "transfer_complete", "call": call}); r["ok"] != true {
		t.Fatalf("transfer_complete: %v", r)
	}
	waitEvent(t, cti, "call.transferred", "")
	after := phase{name: "after complete", from: time.Now(), to: time.Now().Add(5 * time.Second)}
	awaitSIPp(t, done, 30*time.Second, "caller")
	awaitSIPp(t, extDone, 15*time.Second, "the external party, hung up by the switch when the caller left")
	caller := capt.payloadsTimed(t, fmt.Sprintf("udp.dstport==%d && rtp.p_type==0", callerRTP))
	expect(t, "caller", after, caller.between(after.inner(time.Second)), map[float64]bool{1500: true, 1000: false})
	waitFor(t, 5*time.Second, "record closed", func() bool { return strings.Contains(h.Output(), "call ended") })
	if c := lastCall(t, h.db); c.AgentID != "1002" || c.Data["transferred_to"] != "5551234" {
		t.Errorf("record: agent %q data %v", c.AgentID, c.Data)
	}
	if !strings.Contains(h.Output(), "agent=1002 from=talking to=wrap_up") {
		t.Errorf("the agent was not released to wrap-up")
	}
}

// Blind transfer from the CTI into an IVR flow: the agent is released, the
// caller is back in the main menu, presses 1 and reaches the sales agent.
func TestCTITransferToFlow(t *testing.T) {
	requirePeers(t, "sipp", "baresip", "tshark")
	h := startHotline(t, testConfig("60s"))
	twoAgents(t, h)
	cti := dialCTI(t, "127.0.0.1:17070", "sup-secret")
	if r := cti.cmd(map[string]any{"cmd": "subscribe", "kinds": []string{"agent.connected", "call.transferred"}}); r["ok"] != true {
		t.Fatalf("subscribe: %v", r)
	}
	work := callerMedia(t, []pcapStep{{silenceMS: 1500}, {digit: '2'}, {silenceMS: 5000}, {digit: '1'}, {silenceMS: 200}, {toneHz: 500, toneMS: 8000}})
	capt := startCapture(t, callerRTP, callerRTP)
	done := runSIPpAsync(t, work, "caller.xml", sippArgs("-d", "14000")...)
	ev := waitEvent(t, cti, "agent.connected", "")
	if ev["agent_id"] != "1002" {
		t.Fatalf("first agent %v", ev["agent_id"])
	}
	time.Sleep(500 * time.Millisecond)
	if r := cti.cmd(map[string]any{"cmd": "transfer", "call": ev["call_id"], "target": "main"}); r["ok"] != true {
		t.Fatalf("transfer to the main flow: %v", r)
	}
	if tr := waitEvent(t, cti, "call.transferred", ""); tr["reason"] != "flow:main" || tr["agent_id"] != "1002" {
		t.Errorf("transferred event: %v", tr)
	}
	if ev := waitEvent(t, cti, "agent.connected", ""); ev["agent_id"] != "1001" || ev["queue"] != "sales" {
		t.Errorf("after the menu: %v", ev)
	}
	connected := time.Now()
	awaitSIPp(t, done, 30*time.Second, "caller")
	caller := capt.payloadsTimed(t, fmt.Sprintf("udp.dstport==%d && rtp.p_type==0", callerRTP))
	p := phase{name: "with the sales agent", from: connected, to: connected.Add(4 * time.Second)}
	expect(t, "caller", p, caller.between(p.inner(time.Second)), map[float64]bool{1500: true, 1000: false})
	if !strings.Contains(h.Output(), "agent=1002 from=talking to=wrap_up") {
		t.Errorf("the first agent was not released to wrap-up")
	}
}

// A consulted colleague who does not answer: after the queue's ring
// timeout the consultation fails, the caller is back with the agent, and
// the colleague is ready again.
func TestConsultationNotAnswered(t *testing.T) {
	requirePeers(t, "sipp", "baresip", "tshark")
	h := startHotline(t, testConfig("60s"))
	startAgent(t, "1002", "bob1002", agentSIP, agentCtl, switchAddr(), agentTone(t, 1000))
	startAgentMode(t, "1001", "alice1001", agent2SIP, agent2Ctl, switchAddr(), agentTone(t, 1500), "manual")
	waitFor(t, 5*time.Second, "phones ready", func() bool {
		o := h.Output()
		return strings.Contains(o, "agent=1002 from=logged_out to=ready") && strings.Contains(o, "agent=1001 from=logged_out to=ready")
	})
	cti := dialCTI(t, "127.0.0.1:17070", "sup-secret")
	if r := cti.cmd(map[string]any{"cmd": "subscribe", "kinds": []string{"agent.connected", "call.consult"}}); r["ok"] != true {
		t.Fatalf("subscribe: %v", r)
	}
	work := callerMedia(t, []pcapStep{{silenceMS: 1500}, {digit: '2'}, {silenceMS: 200}, {toneHz: 500, toneMS: 20000}})
	capt := startCapture(t, callerRTP, callerRTP)
	done := runSIPpAsync(t, work, "caller.xml", sippArgs("-d", "17000")...)
	call := waitEvent(t, cti, "agent.connected", "")["call_id"]
	if r := cti.cmd(map[string]any{"cmd": "attended_transfer", "call": call, "target": "1001"}); r["ok"] != true {
		t.Fatalf("attended_transfer: %v", r)
	}
	waitEvent(t, cti, "call.consult", "ringing")
	if r := cti.cmd(map[string]any{"cmd": "transfer_complete", "call": call}); r["ok"] != false {
		t.Errorf("complete before the colleague answered was accepted: %v", r)
	}
	start := time.Now()
	waitEvent(t, cti, "call.consult", "failed:no_answer")
	if d := time.Since(start); d < 6*time.Second {
		t.Errorf("the consultation gave up after %v, before the 8 s ring timeout", d)
	}
	back := phase{name: "after the unanswered consultation", from: time.Now(), to: time.Now().Add(4 * time.Second)}
	awaitSIPp(t, done, 30*time.Second, "caller")
	caller := capt.payloadsTimed(t, fmt.Sprintf("udp.dstport==%d && rtp.p_type==0", callerRTP))
	expect(t, "caller", back, caller.between(back.inner(time.Second)), map[float64]bool{1000: true, 440: false})
	if !strings.Contains(h.Output(), "agent=1001 from=not_ready to=ready") {
		t.Errorf("the colleague was not made ready again")
	}
}
