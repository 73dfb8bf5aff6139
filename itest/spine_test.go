package itest

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hotline/hotline/store"
)

// Ports of this suite (loopback only; distinct from `make run`'s 5060).
const (
	sipPort   = 15060
	rtpLo     = 21000
	rtpHi     = 21199
	callerSIP = 15070
	callerRTP = 16100
	agentSIP  = 15062
	agentCtl  = 15444
	agent2SIP = 15064
	agent2Ctl = 15446
)

// testConfig is the example IVR ("1 sales, 2 support") with short timers.
func testConfig(maxWait string) string {
	return testConfigWith(queueOpts{maxWait: maxWait})
}

// queueOpts varies the support queue for the routing tests.
type queueOpts struct {
	maxWait, strategy, ringTimeout, extra string
	flows                                 string // replaces the example flows
	rtpTimeout                            string
}

func testConfigWith(o queueOpts) string {
	if o.maxWait == "" {
		o.maxWait = "60s"
	}
	if o.strategy == "" {
		o.strategy = "longest_idle"
	}
	if o.ringTimeout == "" {
		o.ringTimeout = "8s"
	}
	if o.rtpTimeout == "" {
		o.rtpTimeout = "60s"
	}
	return fmt.Sprintf(`server:
  sip:
    listen:
      - { transport: udp, addr: "127.0.0.1:%d" }
      - { transport: tcp, addr: "127.0.0.1:%d" }
    realm: hotline
    public_ip: 127.0.0.1
  rtp: { ip: 127.0.0.1, port_min: %d, port_max: %d, timeout: %s }
  http: { addr: "127.0.0.1:18080" }
  database: ./hotline.db
  log_level: debug
cti:
  listen: "127.0.0.1:17070"
  tokens:
    - { token: crm-secret, role: crm }
    - { token: sup-secret, role: supervisor }
    - { token: admin-secret, role: admin }
trunks:
  - name: carrier
    sources: [127.0.0.1/32]
    routes:
      - { number: "5000", flow: main }
agents:
  - { id: "1001", name: Alice, password: alice1001, skills: { sales: 8 } }
  - { id: "1002", name: Bob, password: bob1002, skills: { support: 7 } }
  - { id: "1003", name: Carol, password: carol1003, skills: { support: 5 } }
queues:
  - { name: sales, skills: { sales: 1 }, strategy: longest_idle, ring_timeout: 8s, wrap_up: 1s, max_wait: %s, moh: hold, record: true }
  - { name: support, skills: { support: 1 }, strategy: %s, ring_timeout: %s, wrap_up: 1s, max_wait: %s, moh: hold, record: true%s }
%s`, sipPort, sipPort, rtpLo, rtpHi, o.rtpTimeout, o.maxWait, o.strategy, o.ringTimeout, o.maxWait, o.extra, o.flowsOr())
}

func (o queueOpts) flowsOr() string {
	if o.flows != "" {
		return o.flows
	}
	return `flows:
  main:
    language: en
    start: welcome
    nodes:
      welcome: { type: play, prompts: [welcome], barge_in: true, next: menu }
      menu:
        type: menu
        prompt: menu_sales_support
        timeout: 5s
        retries: 2
        invalid_prompt: invalid
        options: { "1": sales, "2": support }
        fallback: support
      sales: { type: enqueue, queue: sales }
      support: { type: enqueue, queue: support }
`
}

// callerMedia prepares SIPp's work dir with media/caller.pcap.
func callerMedia(t *testing.T, steps []pcapStep) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "media"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := writeCallerPcap(filepath.Join(dir, "media", "caller.pcap"), steps); err != nil {
		t.Fatal(err)
	}
	return dir
}

func agentTone(t *testing.T, hz float64) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), fmt.Sprintf("tone%.0f.wav", hz))
	if err := writeWAV(p, tone(hz, 60000, 0.5)); err != nil {
		t.Fatal(err)
	}
	return p
}

func sippArgs(extra ...string) []string {
	return append([]string{fmt.Sprintf("127.0.0.1:%d", sipPort), "-s", "5000",
		"-i", "127.0.0.1", "-p", fmt.Sprint(callerSIP), "-mi", "127.0.0.1", "-mp", fmt.Sprint(callerRTP), "-m", "1"}, extra...)
}

func lastCall(t *testing.T, db string) store.Call {
	t.Helper()
	st, err := store.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	calls, err := st.ListCalls(context.Background(), store.Filter{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(calls) == 0 {
		t.Fatal("no call record")
	}
	return calls[0]
}

// The spine: a carrier call through the IVR (RFC 4733 digit 2) into the
// support queue, answered by a baresip agent; audio checked both ways.
func TestCallThroughIVRAndQueueToAgent(t *testing.T) {
	requirePeers(t, "sipp", "baresip", "tshark")
	h := startHotline(t, testConfig("60s"))
	agent := startAgent(t, "1002", "bob1002", agentSIP, agentCtl, fmt.Sprintf("127.0.0.1:%d", sipPort), agentTone(t, 1000))
	waitFor(t, 5*time.Second, "agent ready", func() bool { return strings.Contains(h.Output(), "agent=1002") })

	work := callerMedia(t, []pcapStep{{silenceMS: 1500}, {digit: '2'}, {silenceMS: 200}, {toneHz: 500, toneMS: 9000}})
	capt := startCapture(t, callerRTP, callerRTP)
	out, err := runSIPp(t, work, "caller.xml", sippArgs("-d", "11000")...)
	if err != nil {
		t.Fatalf("sipp caller failed: %v\n%s", err, tail(out, 2000))
	}
	// What the caller heard: the last 4 s before BYE must be the agent's 1 kHz.
	heard := decodeULaw(capt.payloads(t, fmt.Sprintf("udp.dstport==%d && rtp.p_type==0", callerRTP)))
	if len(heard) < 8*rate {
		t.Fatalf("caller received only %d samples", len(heard))
	}
	end := heard[len(heard)-4*rate:]
	if r := toneRatio(end, 1000); r < 0.6 {
		t.Errorf("caller did not hear the agent's 1 kHz tone: ratio %.2f (rms %.3f)", r, rms(end))
	}
	// What the agent heard: the caller's 500 Hz tone.
	got := agent.heard(t)
	if r := toneRatio(got, 500); r < 0.5 {
		t.Errorf("agent did not hear the caller's 500 Hz tone: ratio %.2f (rms %.3f, %d samples)", r, rms(got), len(got))
	}
	waitFor(t, 5*time.Second, "call record closed", func() bool {
		return strings.Contains(h.Output(), "call ended")
	})
	c := lastCall(t, h.db)
	if c.AgentID != "1002" || c.Queue != "support" || c.Disposition != "answered" || c.HangupSide != "caller" {
		t.Errorf("call record: agent=%q queue=%q disposition=%q side=%q", c.AgentID, c.Queue, c.Disposition, c.HangupSide)
	}
	if !strings.Contains(c.IVRDigits, "2") {
		t.Errorf("call record digits %q, want 2", c.IVRDigits)
	}
	ts := []time.Time{c.ArrivedAt, c.QueuedAt, c.AnsweredAt, c.EndedAt}
	for i := 1; i < len(ts); i++ {
		if ts[i].IsZero() || ts[i].Before(ts[i-1]) {
			t.Errorf("timestamps out of order: arrived %v queued %v answered %v ended %v", ts[0], ts[1], ts[2], ts[3])
			break
		}
	}
	if d := c.EndedAt.Sub(c.ArrivedAt); d < 8*time.Second || d > 20*time.Second {
		t.Errorf("call lasted %v, want about 11 s", d)
	}
	// The recording: caller on the left, agent on the right.
	left, right := readStereo(t, filepath.Join(h.dir, c.Recording))
	if r := toneRatio(left, 500); r < 0.5 {
		t.Errorf("recording's left channel: caller's 500 Hz ratio %.2f", r)
	}
	if r := toneRatio(right, 1000); r < 0.5 {
		t.Errorf("recording's right channel: agent's 1 kHz ratio %.2f", r)
	}
	// The QA sample of the day lists it for the agent.
	sample, err := exec.Command(hotlineBin(t), "recordings", "sample", "--db", h.db, "--per-agent", "1",
		"--day", c.ArrivedAt.Local().Format("2006-01-02")).CombinedOutput()
	if err != nil || !strings.Contains(string(sample), c.Recording) || !strings.Contains(string(sample), "1002") {
		t.Errorf("recordings sample: %v\n%s", err, sample)
	}
	// The history exports as Asterisk queue_log for existing report tools.
	h.stop(syscall.SIGTERM)
	ql, err := exec.Command(hotlineBin(t), "queuelog", "--db", h.db).CombinedOutput()
	if err != nil {
		t.Fatalf("queuelog: %v\n%s", err, ql)
	}
	for _, want := range []string{"|" + c.ID + "|support|NONE|ENTERQUEUE|", "|" + c.ID + "|support|1002|CONNECT|", "|" + c.ID + "|support|1002|COMPLETECALLER|"} {
		if !strings.Contains(string(ql), want) {
			t.Errorf("queue_log lacks %q:\n%s", want, ql)
		}
	}
}

// No agent logged in: the caller hears music on hold and is released at
// the queue's max wait; the record says timeout.
func TestNoAgentMusicOnHoldThenTimeout(t *testing.T) {
	requirePeers(t, "sipp", "tshark")
	h := startHotline(t, testConfig("8s"))
	work := callerMedia(t, []pcapStep{{silenceMS: 1500}, {digit: '1'}, {silenceMS: 1000}})
	capt := startCapture(t, callerRTP, callerRTP)
	out, err := runSIPp(t, work, "caller_wait.xml", sippArgs()...)
	if err != nil {
		t.Fatalf("sipp caller failed (the switch should hang up at max wait): %v\n%s", err, tail(out, 2000))
	}
	heard := decodeULaw(capt.payloads(t, fmt.Sprintf("udp.dstport==%d && rtp.p_type==0", callerRTP)))
	if len(heard) < 6*rate {
		t.Fatalf("caller received only %d samples", len(heard))
	}
	hold := heard[len(heard)-4*rate:]
	moh := toneRatio(hold, 440) + toneRatio(hold, 554) + toneRatio(hold, 659)
	if moh < 0.4 || rms(hold) < 0.02 {
		t.Errorf("caller did not hear music on hold: note energy %.2f, rms %.3f", moh, rms(hold))
	}
	waitFor(t, 5*time.Second, "call record closed", func() bool { return strings.Contains(h.Output(), "call ended") })
	c := lastCall(t, h.db)
	if c.Disposition != "timeout" || c.Queue != "sales" || c.AgentID != "" {
		t.Errorf("call record: disposition=%q queue=%q agent=%q", c.Disposition, c.Queue, c.AgentID)
	}
	if w := c.EndedAt.Sub(c.QueuedAt); w < 7*time.Second || w > 12*time.Second {
		t.Errorf("waited %v in queue, want the 8 s max wait", w)
	}
}

// The caller hangs up while the agent's phone rings: the phone gets CANCEL,
// the agent is available again and takes the next call.
func TestCallerHangsUpWhileAgentRings(t *testing.T) {
	requirePeers(t, "sipp", "baresip")
	h := startHotline(t, testConfig("60s"))
	agent := startAgentMode(t, "1002", "bob1002", agentSIP, agentCtl, fmt.Sprintf("127.0.0.1:%d", sipPort), agentTone(t, 1000), "manual")
	waitFor(t, 5*time.Second, "agent ready", func() bool { return strings.Contains(h.Output(), "agent=1002") })

	work := callerMedia(t, []pcapStep{{silenceMS: 1500}, {digit: '2'}, {silenceMS: 3000}})
	out, err := runSIPp(t, work, "caller.xml", sippArgs("-d", "5000")...)
	if err != nil {
		t.Fatalf("first caller: %v\n%s", err, tail(out, 2000))
	}
	waitFor(t, 5*time.Second, "the ringing phone to be cancelled", func() bool {
		o := agent.Output()
		return strings.Count(o, "Incoming call") >= 1 && strings.Contains(o, "session closed")
	})
	first := lastCall(t, h.db)
	if first.Disposition != "abandoned" || first.AgentID != "" || first.OfferedAt.IsZero() {
		t.Errorf("first call: disposition=%q agent=%q offered=%v", first.Disposition, first.AgentID, first.OfferedAt)
	}
	waitFor(t, 5*time.Second, "agent ready again after the cancelled ring", func() bool {
		return strings.Contains(h.Output(), "agent=1002 from=reserved to=ready")
	})

	// The same agent takes the next call.
	done := runSIPpAsync(t, work, "caller.xml", sippArgs("-d", "6000")...)
	waitFor(t, 10*time.Second, "the second call to ring the agent", func() bool {
		return strings.Count(agent.Output(), "Incoming call") >= 2
	})
	agent.command(t, "accept", "")
	if err := <-done; err != nil {
		t.Fatalf("second caller: %v", err)
	}
	waitFor(t, 5*time.Second, "second record closed", func() bool {
		return strings.Count(h.Output(), "call ended") >= 2
	})
	second := lastCall(t, h.db)
	if second.ID == first.ID || second.AgentID != "1002" || second.Disposition != "answered" || second.HangupSide != "caller" {
		t.Errorf("second call: id=%s agent=%q disposition=%q side=%q", second.ID, second.AgentID, second.Disposition, second.HangupSide)
	}
	waitFor(t, 5*time.Second, "agent through wrap-up to ready", func() bool {
		o := h.Output()
		return strings.Contains(o, "agent=1002 from=talking to=wrap_up") && strings.Contains(o, "agent=1002 from=wrap_up to=ready")
	})
}

// Callers hanging up before any agent is involved: during the welcome
// prompt, and while waiting in a queue with nobody logged in. Each record
// is closed as abandoned at the right stage; nothing is left behind.
func TestCallerHangsUpInIVRAndQueue(t *testing.T) {
	requirePeers(t, "sipp")
	h := startHotline(t, testConfig("60s"))
	work := callerMedia(t, []pcapStep{{silenceMS: 3000}})
	if out, err := runSIPp(t, work, "caller.xml", sippArgs("-d", "800")...); err != nil {
		t.Fatalf("caller in the IVR: %v\n%s", err, tail(out, 2000))
	}
	waitFor(t, 5*time.Second, "first record closed", func() bool { return strings.Contains(h.Output(), "call ended") })
	if c := lastCall(t, h.db); c.Disposition != "abandoned" || c.HangupSide != "caller" || c.Queue != "" || !c.QueuedAt.IsZero() {
		t.Errorf("hang-up in the IVR: disposition %q side %q queue %q queued %v", c.Disposition, c.HangupSide, c.Queue, c.QueuedAt)
	}
	work = callerMedia(t, []pcapStep{{silenceMS: 1000}, {digit: '2'}, {silenceMS: 3000}})
	if out, err := runSIPp(t, work, "caller.xml", sippArgs("-d", "3500")...); err != nil {
		t.Fatalf("caller in the queue: %v\n%s", err, tail(out, 2000))
	}
	waitFor(t, 5*time.Second, "second record closed", func() bool { return strings.Count(h.Output(), "call ended") >= 2 })
	c := lastCall(t, h.db)
	if c.Disposition != "abandoned" || c.HangupSide != "caller" || c.Queue != "support" || c.QueuedAt.IsZero() || !c.OfferedAt.IsZero() {
		t.Errorf("hang-up in the queue: disposition %q side %q queue %q queued %v offered %v", c.Disposition, c.HangupSide, c.Queue, c.QueuedAt, c.OfferedAt)
	}
	// Nothing left: no call in progress, no RTP port held.
	waitFor(t, 5*time.Second, "no call or media left", func() bool {
		res, err := http.Get("http://127.0.0.1:18080/metrics")
		if err != nil {
			return false
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return strings.Contains(string(b), "hotline_calls_in_progress 0") && strings.Contains(string(b), "hotline_rtp_ports_in_use 0") &&
			strings.Contains(string(b), `hotline_queue_waiting{queue="support"} 0`)
	})
}

// The same path over SIP/TCP: a SIPp carrier on TCP, an agent phone
// registered over TCP; audio checked at the agent.
func TestCallOverTCP(t *testing.T) {
	requirePeers(t, "sipp", "baresip")
	h := startHotline(t, testConfig("60s"))
	agent := startAgentTCP(t, "1002", "bob1002", agentSIP, agentCtl, switchAddr(), agentTone(t, 1000))
	waitFor(t, 5*time.Second, "agent ready", func() bool { return strings.Contains(h.Output(), "agent=1002 from=logged_out to=ready") })
	if !strings.Contains(h.Output(), "transport=tcp") {
		t.Errorf("the phone did not register over TCP")
	}
	work := callerMedia(t, []pcapStep{{silenceMS: 1500}, {digit: '2'}, {silenceMS: 200}, {toneHz: 500, toneMS: 5000}})
	if out, err := runSIPp(t, work, "caller.xml", sippArgs("-t", "t1", "-d", "6000")...); err != nil {
		t.Fatalf("sipp over TCP: %v\n%s", err, tail(out, 2000))
	}
	waitFor(t, 5*time.Second, "record closed", func() bool { return strings.Contains(h.Output(), "call ended") })
	if c := lastCall(t, h.db); c.AgentID != "1002" || c.Disposition != "answered" {
		t.Errorf("record: agent %q disposition %q", c.AgentID, c.Disposition)
	}
	got := agent.heard(t)
	if r := toneRatio(got, 500); r < 0.4 {
		t.Errorf("agent did not hear the caller's 500 Hz over the TCP-signalled call: ratio %.2f", r)
	}
}

// SIP over TLS: the agent's phone registers on the TLS listener (trusting
// the switch's certificate) and takes a caller's call; the audio flows.
func TestAgentOverTLS(t *testing.T) {
	requirePeers(t, "sipp", "baresip")
	dir := t.TempDir()
	writeCert(t, dir, "sip")
	cfg := withTLSListener(testConfig("60s"))
	h := startHotlineIn(t, dir, cfg)
	agent := startAgentTLS(t, "1002", "bob1002", agentSIP, agentCtl, fmt.Sprintf("127.0.0.1:%d", sipPort+1), agentTone(t, 1000), filepath.Join(dir, "sip.crt"))
	waitFor(t, 5*time.Second, "agent ready", func() bool { return strings.Contains(h.Output(), "agent=1002 from=logged_out to=ready") })
	if !strings.Contains(h.Output(), "transport=tls") {
		t.Errorf("the phone did not register over TLS")
	}
	work := callerMedia(t, []pcapStep{{silenceMS: 1500}, {digit: '2'}, {silenceMS: 200}, {toneHz: 500, toneMS: 5000}})
	if out, err := runSIPp(t, work, "caller.xml", sippArgs("-d", "6000")...); err != nil {
		t.Fatalf("sipp: %v\n%s", err, tail(out, 2000))
	}
	waitFor(t, 5*time.Second, "record closed", func() bool { return strings.Contains(h.Output(), "call ended") })
	if c := lastCall(t, h.db); c.AgentID != "1002" || c.Disposition != "answered" {
		t.Errorf("record: agent %q disposition %q", c.AgentID, c.Disposition)
	}
	if r := toneRatio(agent.heard(t), 500); r < 0.4 {
		t.Errorf("agent did not hear the caller's 500 Hz over the TLS-signalled call: ratio %.2f", r)
	}
}

// A carrier on SIP over TLS offering SRTP (SDES): baresip stands in for the
// carrier's gateway and calls a number routed to support; the switch
// answers RTP/SAVP with its own key, decrypts the carrier's audio for the
// (plain RTP) agent and encrypts the agent's back. Both hear each other,
// and what crosses the wire to the carrier is not readable audio.
func TestSRTPFromCarrierOverTLS(t *testing.T) {
	requirePeers(t, "baresip", "tshark")
	dir := t.TempDir()
	writeCert(t, dir, "sip")
	cfg := withTLSListener(testConfig("60s"))
	cfg = strings.Replace(cfg, "      - { number: \"5000\", flow: main }\n", "      - { number: \"5000\", flow: main }\n      - { number: \"5001\", queue: support }\n", 1)
	h := startHotlineIn(t, dir, cfg)
	agent := startAgent(t, "1002", "bob1002", agentSIP, agentCtl, switchAddr(), agentTone(t, 1000))
	waitFor(t, 5*time.Second, "agent ready", func() bool { return strings.Contains(h.Output(), "agent=1002 from=logged_out to=ready") })

	carrier := startBaresip(t, baresipSpec{id: "carrier", password: "none", server: fmt.Sprintf("127.0.0.1:%d", sipPort+1),
		wav: agentTone(t, 500), answermode: "auto", transport: "tls", sipPort: agent2SIP, ctrlPort: agent2Ctl,
		extra: []string{"sip_cafile\t\t" + filepath.Join(dir, "sip.crt"), "module\t\t\tsrtp.so"}, acctParams: ";mediaenc=srtp-mand"})
	rtpLo := agent2SIP*4%60000 + 1024
	capt := startCapture(t, rtpLo, rtpLo+99)
	carrier.command(t, "dial", "5001")
	waitFor(t, 10*time.Second, "connected", func() bool { return strings.Contains(h.Output(), "msg=connected") })
	time.Sleep(5 * time.Second)
	carrier.command(t, "hangup", "")
	waitFor(t, 5*time.Second, "record closed", func() bool { return strings.Contains(h.Output(), "call ended") })
	if c := lastCall(t, h.db); c.AgentID != "1002" || c.Disposition != "answered" || c.Queue != "support" {
		t.Errorf("record: agent %q queue %q disposition %q", c.AgentID, c.Queue, c.Disposition)
	}
	checkSRTPCall(t, agent, 500, carrier, 1000, "carrier", capt, rtpLo)
}

// checkSRTPCall checks both directions of an SRTP call by frequency (the
// agent hears peerHz, the peer hears agentHz) and that what crossed the
// wire to the peer's RTP ports [rtpLo, rtpLo+99] is not readable audio.
func checkSRTPCall(t *testing.T, agent *agentPhone, peerHz float64, peer *agentPhone, agentHz float64, who string, capt *capture, rtpLo int) {
	t.Helper()
	if r := toneRatio(agent.heard(t), peerHz); r < 0.4 {
		t.Errorf("agent did not hear the %s's %.0f Hz through SRTP: ratio %.2f", who, peerHz, r)
	}
	if r := toneRatio(peer.heard(t), agentHz); r < 0.4 {
		t.Errorf("%s did not hear the agent's %.0f Hz through SRTP: ratio %.2f", who, agentHz, r)
	}
	wire := decodeULaw(capt.payloads(t, fmt.Sprintf("udp.dstport>=%d && udp.dstport<=%d", rtpLo, rtpLo+99)))
	if len(wire) < 2*rate {
		t.Fatalf("only %d samples crossed the wire to the %s", len(wire), who)
	}
	if r := toneRatio(wire, agentHz); r > 0.2 {
		t.Errorf("the agent's tone is readable on the wire to the %s (ratio %.2f): not encrypted", who, r)
	}
}

// withTLSListener adds a SIP/TLS listener on sipPort+1 presenting
// sip.crt/sip.key (see writeCert).
func withTLSListener(cfg string) string {
	return strings.Replace(cfg, "      - { transport: tcp,",
		fmt.Sprintf("      - { transport: tls, addr: \"127.0.0.1:%d\", cert_file: sip.crt, key_file: sip.key }\n      - { transport: tcp,", sipPort+1), 1)
}
