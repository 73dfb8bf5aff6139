package itest

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Browser agents: headless Chromium (playwright-core, a fake microphone
// playing a tone) or Firefox ESR (puppeteer-core over WebDriver BiDi, its
// fake microphone's sine) logs in on the switch's /agent page, registers
// over SIP WebSocket and takes calls with WebRTC audio.

const (
	httpPort = 18080
	icePort  = 21300
)

// browserConfig is the IVR with the CRM lookup (digits 2, 1 → support
// queue with http.tier=gold attached), and browser agents enabled.
func browserConfig(crmURL string) string {
	cfg := testConfigWith(queueOpts{flows: ivrFlows(crmURL)})
	return strings.Replace(cfg, fmt.Sprintf("  http: { addr: \"127.0.0.1:%d\" }\n", httpPort),
		fmt.Sprintf("  http: { addr: \"127.0.0.1:%d\" }\n  webrtc: { enabled: true, ice_addr: \"127.0.0.1:%d\", ice_disconnected: 2s, ice_failed: 5s }\n", httpPort, icePort), 1)
}

// browser is the agent desktop driven by itest/browser/agent_driver.js.
type browser struct {
	t    *testing.T
	proc *proc
	in   io.WriteCloser
	out  *bufio.Scanner
}

func startBrowser(t *testing.T, agent, password string, micHz float64) *browser {
	t.Helper()
	return startBrowserAt(t, fmt.Sprintf("http://127.0.0.1:%d/agent/", httpPort), agent, password, micHz)
}

// startBrowserAt opens the desktop at url (https: the test's self-signed
// certificate is accepted).
func startBrowserAt(t *testing.T, url, agent, password string, micHz float64) *browser {
	t.Helper()
	return startBrowserWith(t, "chromium", url, agent, password, micHz)
}

// startBrowserWith opens the desktop in engine (chromium or firefox).
func startBrowserWith(t *testing.T, engine, url, agent, password string, micHz float64) *browser {
	t.Helper()
	mic := fmt.Sprint(micHz) // Firefox's fake microphone: a sine at a set frequency
	if engine == "firefox" {
		requirePeers(t, "node", "firefox-esr")
	} else {
		requirePeers(t, "node", "chromium")
		mic = filepath.Join(t.TempDir(), "mic.wav")
		if err := writeWAV48k(mic, micHz, 120); err != nil {
			t.Fatal(err)
		}
	}
	if os.Getenv("NODE_PATH") == "" {
		if p, err := filepath.Abs("../.cache/node/node_modules"); err == nil {
			t.Setenv("NODE_PATH", p)
		}
	}
	home := t.TempDir()
	cmd := exec.Command("node", "browser/agent_driver.js", url, agent, password, mic, engine)
	cmd.Env = append(os.Environ(), "HOME="+home)
	p := &proc{name: engine, cmd: cmd, done: make(chan struct{})}
	cmd.Stderr = p
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = cmd.Wait(); close(p.done) }()
	b := &browser{t: t, proc: p, in: in, out: bufio.NewScanner(out)}
	b.out.Buffer(make([]byte, 1<<20), 1<<20)
	t.Cleanup(func() {
		_, _ = io.WriteString(in, "quit\n")
		select {
		case <-p.done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
		}
		if t.Failed() {
			t.Logf("browser log:\n%s", tail(p.Output(), tailBytes()))
		}
	})
	return b
}

// do sends a driver command and returns its reply's data; a failed
// command fails the test.
func (b *browser) do(cmd string) map[string]any {
	b.t.Helper()
	if _, err := io.WriteString(b.in, cmd+"\n"); err != nil {
		b.t.Fatalf("browser %s: %v", cmd, err)
	}
	got := make(chan string, 1)
	go func() {
		if b.out.Scan() {
			got <- b.out.Text()
		}
		close(got)
	}()
	select {
	case line, ok := <-got:
		if !ok {
			b.t.Fatalf("browser %s: driver exited\n%s", cmd, tail(b.proc.Output(), 4000))
		}
		var r struct {
			OK    bool           `json:"ok"`
			Data  map[string]any `json:"data"`
			Error string         `json:"error"`
		}
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			b.t.Fatalf("browser %s: bad reply %q", cmd, line)
		}
		if !r.OK {
			b.t.Fatalf("browser %s: %s\n%s", cmd, r.Error, tail(b.proc.Output(), 4000))
		}
		return r.Data
	case <-time.After(60 * time.Second):
		b.t.Fatalf("browser %s: no reply", cmd)
	}
	return nil
}

// writeWAV48k writes a 48 kHz mono tone for Chromium's fake microphone.
func writeWAV48k(path string, hz float64, secs int) error {
	const sr = 48000
	n := sr * secs
	b := make([]byte, 44+2*n)
	copy(b, "RIFF")
	binary.LittleEndian.PutUint32(b[4:], uint32(36+2*n))
	copy(b[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(b[16:], 16)
	binary.LittleEndian.PutUint16(b[20:], 1)
	binary.LittleEndian.PutUint16(b[22:], 1)
	binary.LittleEndian.PutUint32(b[24:], sr)
	binary.LittleEndian.PutUint32(b[28:], sr*2)
	binary.LittleEndian.PutUint16(b[32:], 2)
	binary.LittleEndian.PutUint16(b[34:], 16)
	copy(b[36:], "data")
	binary.LittleEndian.PutUint32(b[40:], uint32(2*n))
	for i := range n {
		v := int16(0.5 * 32767 * math.Sin(2*math.Pi*hz*float64(i)/sr))
		binary.LittleEndian.PutUint16(b[44+2*i:], uint16(v))
	}
	return os.WriteFile(path, b, 0o644)
}

func peakHz(t *testing.T, m map[string]any) float64 {
	t.Helper()
	f, _ := m["peakHz"].(float64)
	return f
}

// The browser agent's whole call: log in on /agent, a SIPp caller goes
// through the IVR (2, 1 → CRM lookup) into the support queue, the page pops
// the caller's data, the test clicks Answer, audio is checked both ways by
// frequency, the agent hangs up from the page, and the record is right.
func TestBrowserAgentTakesCall(t *testing.T) {
	requirePeers(t, "sipp", "tshark")
	srv, _ := crm(t)
	h := startHotline(t, browserConfig(srv.URL))
	b := startBrowser(t, "1002", "bob1002", 1000)
	crmCTI := dialCTI(t, "127.0.0.1:17070", "crm-secret")
	if r := crmCTI.cmd(map[string]any{"cmd": "subscribe", "kinds": []string{"disposition.set"}}); r["ok"] != true {
		t.Fatalf("subscribe: %v", r)
	}
	b.do("login")
	if st := b.do("wait_state ready"); st["state"] != "ready" {
		t.Fatalf("agent state after login: %v", st)
	}

	work := callerMedia(t, []pcapStep{{silenceMS: 1500}, {digit: '2'}, {silenceMS: 1500}, {digit: '1'}, {silenceMS: 300}, {toneHz: 500, toneMS: 40000}})
	capt := startCapture(t, callerRTP, callerRTP)
	done := runSIPpAsync(t, work, "caller_wait.xml", sippArgs()...)

	popAnswerHear(t, b, "the page")
	if shot := os.Getenv("HOTLINE_AGENT_SCREENSHOT"); shot != "" {
		b.do("shot " + shot)
	}
	holdResumeRestart(t, b, "the page")
	b.do("hangup")
	awaitSIPp(t, done, 20*time.Second, "caller")
	// Wrap-up on the page: the disposition reaches the CRM.
	b.do("wrapup resolved")
	select {
	case ev := <-crmCTI.events:
		if ev["reason"] != "resolved" {
			t.Errorf("disposition event %v", ev)
		}
	case <-time.After(5 * time.Second):
		t.Error("no disposition.set event after wrap-up")
	}

	// What the caller heard last (after the resume and the ICE restart):
	// the browser microphone's 1 kHz.
	end := callerHeardLast(t, capt)
	t.Logf("the caller hears 1 kHz at ratio %.2f", toneRatio(end, 1000))
	if r := toneRatio(end, 1000); r < 0.6 {
		t.Errorf("caller did not hear the browser's 1 kHz tone: ratio %.2f (rms %.3f)", r, rms(end))
	}
	waitFor(t, 5*time.Second, "call record closed", func() bool { return strings.Contains(h.Output(), "call ended") })
	c := lastCall(t, h.db)
	if c.AgentID != "1002" || c.Queue != "support" || c.Disposition != "answered" || c.HangupSide != "agent" ||
		c.IVRDigits != "21" || c.Data["http.tier"] != "gold" || c.AnsweredAt.IsZero() {
		t.Errorf("call record: agent=%q queue=%q disposition=%q side=%q digits=%q data=%v answered=%v",
			c.AgentID, c.Queue, c.Disposition, c.HangupSide, c.IVRDigits, c.Data, c.AnsweredAt)
	}
	// The recording has the browser's audio on the agent channel.
	left, right := readStereo(t, filepath.Join(h.dir, c.Recording))
	if r := toneRatio(right, 1000); r < 0.5 {
		t.Errorf("recording's agent channel: browser's 1 kHz ratio %.2f", r)
	}
	if r := toneRatio(left, 500); r < 0.5 {
		t.Errorf("recording's caller channel: 500 Hz ratio %.2f", r)
	}
}

// A tab closed mid-call: the caller is released with a BYE, the record
// says the agent's connection was lost, and the agent is left not-ready.
func TestBrowserTabClosedMidCall(t *testing.T) {
	requirePeers(t, "sipp")
	srv, _ := crm(t)
	h := startHotline(t, browserConfig(srv.URL))
	b := startBrowser(t, "1002", "bob1002", 1000)
	b.do("login")
	b.do("wait_state ready")
	sup := dialCTI(t, "127.0.0.1:17070", "sup-secret")
	if r := sup.cmd(map[string]any{"cmd": "subscribe", "kinds": []string{"agent.state"}}); r["ok"] != true {
		t.Fatalf("subscribe: %v", r)
	}

	work := callerMedia(t, []pcapStep{{silenceMS: 1500}, {digit: '2'}, {silenceMS: 1500}, {digit: '2'}, {silenceMS: 300}, {toneHz: 500, toneMS: 40000}})
	done := runSIPpAsync(t, work, "caller_wait.xml", sippArgs()...)
	b.do("wait_pop")
	b.do("answer")
	time.Sleep(2 * time.Second)
	closed := time.Now()
	b.do("close_tab")
	awaitSIPp(t, done, 15*time.Second, "caller released")
	// ice_disconnected is 2s here: the switch ends the call then, not at ice_failed.
	if d := time.Since(closed); d > 4*time.Second {
		t.Errorf("the caller was released %v after the tab closed", d)
	}
	waitFor(t, 5*time.Second, "call record closed", func() bool { return strings.Contains(h.Output(), "call ended") })
	c := lastCall(t, h.db)
	if c.AgentID != "1002" || c.Disposition != "answered" || c.HangupCause != "agent_connection_lost" {
		t.Errorf("call record: agent=%q disposition=%q cause=%q", c.AgentID, c.Disposition, c.HangupCause)
	}
	// The agent is not-ready (not logged out, not offered calls): the last
	// state the supervisor saw for 1002.
	var last map[string]any
	deadline := time.After(5 * time.Second)
	for done := false; !done; {
		select {
		case ev := <-sup.events:
			if ev["event"] == "agent.state" && ev["agent_id"] == "1002" {
				last = ev
			}
		case <-deadline:
			done = true
		}
	}
	if last == nil || last["state"] != "not_ready" || last["reason"] != "connection_lost" {
		t.Errorf("agent 1002's last state: %v, want not_ready (connection_lost)", last)
	}
}

// Click-to-call from a browser agent: the CRM's originate rings the page,
// the agent answers, the switch dials the customer (SIPp UAS) and they hear
// each other: the page the customer's 1 kHz, the customer the browser's 500 Hz.
func TestBrowserAgentClickToCall(t *testing.T) {
	requirePeers(t, "sipp", "tshark")
	srv, _ := crm(t)
	cfg := strings.Replace(browserConfig(srv.URL), "      - { number: \"5000\", flow: main }\n",
		"      - { number: \"5000\", flow: main }\n    outbound: { addr: \"127.0.0.1:15090\", caller_id: \"5000\" }\n", 1)
	cfg += "dial_rules:\n  - { agents: [\"1002\"], pattern: \"555[0-9]{4}\", trunk: carrier, max_concurrent: 1 }\n"
	h := startHotline(t, cfg)
	b := startBrowser(t, "1002", "bob1002", 500)
	b.do("login")
	b.do("wait_state ready")

	customer := callerMedia(t, []pcapStep{{toneHz: 1000, toneMS: 12000}})
	capt := startCapture(t, 16200, 16200)
	done := runSIPpAsync(t, customer, "customer_uas.xml", "-i", "127.0.0.1", "-p", "15090", "-mi", "127.0.0.1", "-mp", "16200", "-m", "1")
	time.Sleep(300 * time.Millisecond)
	crm := dialCTI(t, "127.0.0.1:17070", "crm-secret")
	if r := crm.cmd(map[string]any{"cmd": "originate", "agent": "1002", "number": "5551234"}); r["ok"] != true {
		t.Fatalf("originate: %v", r)
	}
	if pop := b.do("wait_pop"); fmt.Sprint(pop["shown"].(map[string]any)["pop-ani"]) != "5551234" {
		t.Errorf("the page shows %v for the number dialled", pop["shown"])
	}
	b.do("answer")
	waitFor(t, 10*time.Second, "customer answered", func() bool { return strings.Contains(h.Output(), "customer answered") })
	time.Sleep(1500 * time.Millisecond)
	p := b.do("peak 2500")
	t.Logf("the page hears the customer at %v Hz", p["peakHz"])
	if math.Abs(peakHz(t, p)-1000) > 30 {
		t.Errorf("the page heard %v Hz from the customer, want 1000", p)
	}
	b.do("hangup")
	awaitSIPp(t, done, 15*time.Second, "the customer, hung up by the switch")
	heard := decodeULaw(capt.payloads(t, "udp.dstport==16200 && rtp.p_type==0"))
	if len(heard) < 3*rate {
		t.Fatalf("customer received only %d samples", len(heard))
	}
	end := heard[len(heard)-2*rate:]
	t.Logf("the customer hears 500 Hz at ratio %.2f", toneRatio(end, 500))
	if r := toneRatio(end, 500); r < 0.6 {
		t.Errorf("customer did not hear the browser's 500 Hz: ratio %.2f (rms %.3f)", r, rms(end))
	}
	waitFor(t, 5*time.Second, "record closed", func() bool { return strings.Contains(h.Output(), "call ended") })
	if c := lastCall(t, h.db); c.DNIS != "5551234" || c.AgentID != "1002" || c.Disposition != "answered" || c.HangupSide != "agent" {
		t.Errorf("record: dnis %q agent %q disposition %q side %q", c.DNIS, c.AgentID, c.Disposition, c.HangupSide)
	}
}

// With a certificate on the HTTP listener the page is served over HTTPS and
// its SIP runs over wss: the agent registers and takes a call with audio.
func TestBrowserAgentOverWSS(t *testing.T) {
	requirePeers(t, "sipp")
	srv, _ := crm(t)
	certPEM, keyPEM, _ := selfSigned(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "http.crt"), certPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "http.key"), keyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := strings.Replace(browserConfig(srv.URL), fmt.Sprintf("http: { addr: \"127.0.0.1:%d\" }", httpPort),
		fmt.Sprintf("http: { addr: \"127.0.0.1:%d\", cert_file: http.crt, key_file: http.key }", httpPort), 1)
	h := startHotlineIn(t, dir, cfg)
	b := startBrowserAt(t, fmt.Sprintf("https://127.0.0.1:%d/agent/", httpPort), "1002", "bob1002", 1000)
	b.do("login")
	b.do("wait_state ready")
	if !strings.Contains(h.Output(), `transport=ws`) {
		t.Errorf("the page did not register over the WebSocket")
	}
	work := callerMedia(t, []pcapStep{{silenceMS: 1500}, {digit: '2'}, {silenceMS: 1500}, {digit: '2'}, {silenceMS: 300}, {toneHz: 500, toneMS: 40000}})
	done := runSIPpAsync(t, work, "caller_wait.xml", sippArgs()...)
	b.do("wait_pop")
	b.do("answer")
	time.Sleep(1500 * time.Millisecond)
	if p := b.do("peak 2000"); math.Abs(peakHz(t, p)-500) > 30 {
		t.Errorf("over wss the page heard %v Hz, want 500", p)
	}
	b.do("hangup")
	awaitSIPp(t, done, 15*time.Second, "caller")
}
