package itest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// kill -9 mid-call, then restart: the call that had been accepted has a
// closed record (cause switch_restart), exactly once.
func TestKill9ThenRestartClosesRecords(t *testing.T) {
	requirePeers(t, "sipp", "baresip")
	cfg := testConfig("60s")
	h := startHotline(t, cfg)
	startAgent(t, "1002", "bob1002", agentSIP, agentCtl, switchAddr(), agentTone(t, 1000))
	waitFor(t, 5*time.Second, "agent ready", func() bool { return strings.Contains(h.Output(), "agent=1002 from=logged_out to=ready") })
	startCaller(t, 0, "5557777", 20000) // its result does not matter: the switch dies under it
	waitFor(t, 10*time.Second, "call connected", func() bool { return strings.Contains(h.Output(), "msg=connected") })
	time.Sleep(2 * time.Second) // two seconds of conversation in the recording

	h.stop(syscall.SIGKILL)
	h2 := startHotlineIn(t, h.dir, cfg)
	if !strings.Contains(h2.Output(), "closed calls left open by the previous run") || !strings.Contains(h2.Output(), "count=1") {
		t.Errorf("restart did not report the open call:\n%s", tail(h2.Output(), 2000))
	}
	h2.stop(syscall.SIGTERM)
	calls := callsByANI(t, h.db)
	if len(calls) != 1 {
		t.Fatalf("%d records, want exactly 1", len(calls))
	}
	c := calls["5557777"]
	// The recording cut by the crash is a readable WAV up to that moment.
	if left, _ := readStereo(t, filepath.Join(h.dir, c.Recording)); len(left) < rate {
		t.Errorf("recording after kill -9 holds %d samples", len(left))
	}
	if c.EndedAt.IsZero() || c.HangupCause != "switch_restart" || c.HangupSide != "switch" || c.Disposition != "answered" || c.AgentID != "1002" {
		t.Errorf("record after restart: ended=%v cause=%q side=%q disposition=%q agent=%q", c.EndedAt, c.HangupCause, c.HangupSide, c.Disposition, c.AgentID)
	}
}

// SIGHUP applies a new configuration while a call is connected; a broken
// file is rejected with the old configuration kept; the call ends normally.
func TestReloadKeepsCallsAndRejectsBadConfig(t *testing.T) {
	requirePeers(t, "sipp", "baresip")
	h := startHotline(t, testConfig("60s"))
	startAgent(t, "1002", "bob1002", agentSIP, agentCtl, switchAddr(), agentTone(t, 1000))
	waitFor(t, 5*time.Second, "agent ready", func() bool { return strings.Contains(h.Output(), "agent=1002 from=logged_out to=ready") })
	call := startCaller(t, 0, "5558888", 7000)
	waitFor(t, 10*time.Second, "call connected", func() bool { return strings.Contains(h.Output(), "msg=connected") })

	path := filepath.Join(h.dir, "hotline.yaml")
	next := strings.Replace(testConfig("60s"), "name: Carol", "name: Caroline", 1)
	if err := os.WriteFile(path, []byte(next), 0o644); err != nil {
		t.Fatal(err)
	}
	_ = h.cmd.Process.Signal(syscall.SIGHUP)
	waitFor(t, 5*time.Second, "reload applied", func() bool { return strings.Contains(h.Output(), "configuration reloaded") })

	if err := os.WriteFile(path, []byte(next+"\nbogus_key: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_ = h.cmd.Process.Signal(syscall.SIGHUP)
	waitFor(t, 5*time.Second, "bad reload rejected", func() bool { return strings.Contains(h.Output(), "reload rejected") })
	if !strings.Contains(h.Output(), "bogus_key") {
		t.Errorf("the rejection does not name the bad key")
	}
	// The same through `hotline reload` (CTI, admin token): the admin is told
	// what is wrong and where; once fixed, the reload goes through.
	reload := func() (string, error) {
		out, err := exec.Command(hotlineBin(t), "reload", "--addr", "127.0.0.1:17070", "--token", "admin-secret").CombinedOutput()
		return string(out), err
	}
	if out, err := reload(); err == nil || !strings.Contains(out, "bad_config") || !strings.Contains(out, "hotline.yaml:") || !strings.Contains(out, "bogus_key") {
		t.Errorf("hotline reload of a bad file: %v\n%s", err, out)
	}
	if out, err := exec.Command(hotlineBin(t), "reload", "--addr", "127.0.0.1:17070", "--token", "sup-secret").CombinedOutput(); err == nil || !strings.Contains(string(out), "forbidden") {
		t.Errorf("a supervisor token reloaded: %v\n%s", err, out)
	}
	if err := os.WriteFile(path, []byte(next), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := reload(); err != nil || !strings.Contains(out, "reloaded "+path) {
		t.Errorf("hotline reload of the fixed file: %v\n%s", err, out)
	}
	call.wait(t)
	waitFor(t, 5*time.Second, "record closed", func() bool { return strings.Contains(h.Output(), "call ended") })
	if c := callsByANI(t, h.db)["5558888"]; c.Disposition != "answered" || c.HangupSide != "caller" {
		t.Errorf("call across reloads: disposition %q side %q", c.Disposition, c.HangupSide)
	}
	if h.exited() {
		t.Fatal("hotline exited on reload")
	}
	_ = fmt.Sprint()
}

// A caller that goes silent (no BYE, no RTP) is hung up after the RTP
// timeout; the record says why.
func TestRTPTimeoutEndsSilentCaller(t *testing.T) {
	requirePeers(t, "sipp")
	h := startHotline(t, testConfigWith(queueOpts{rtpTimeout: "5s"}))
	work := callerMedia(t, []pcapStep{{silenceMS: 1500}, {digit: '2'}, {silenceMS: 500}})
	start := time.Now()
	if out, err := runSIPp(t, work, "caller_wait.xml", sippArgs()...); err != nil {
		t.Fatalf("caller (the switch should hang up): %v\n%s", err, tail(out, 2000))
	}
	if d := time.Since(start); d < 6*time.Second || d > 15*time.Second {
		t.Errorf("hung up after %v, want about 2 s of audio + 5 s timeout", d)
	}
	waitFor(t, 5*time.Second, "record closed", func() bool { return strings.Contains(h.Output(), "call ended") })
	if c := lastCall(t, h.db); c.HangupCause != "rtp_timeout" || c.Disposition != "abandoned" || c.Queue != "support" {
		t.Errorf("record: cause %q disposition %q queue %q", c.HangupCause, c.Disposition, c.Queue)
	}
}

// An agent whose phone vanishes mid-call (killed: no BYE, no RTP) does not
// leave the caller connected to nothing: the switch ends the call.
func TestVanishedAgentPhoneEndsCall(t *testing.T) {
	requirePeers(t, "sipp", "baresip")
	h := startHotline(t, testConfigWith(queueOpts{rtpTimeout: "5s"}))
	agent := startAgent(t, "1002", "bob1002", agentSIP, agentCtl, switchAddr(), agentTone(t, 1000))
	waitFor(t, 5*time.Second, "agent ready", func() bool { return strings.Contains(h.Output(), "agent=1002 from=logged_out to=ready") })
	work := callerMedia(t, []pcapStep{{silenceMS: 1500}, {digit: '2'}, {silenceMS: 200}, {toneHz: 500, toneMS: 15000}})
	done := runSIPpAsync(t, work, "caller_wait.xml", sippArgs()...)
	waitFor(t, 10*time.Second, "connected", func() bool { return strings.Contains(h.Output(), "msg=connected") })
	time.Sleep(time.Second)
	agent.stop(syscall.SIGKILL)
	awaitSIPp(t, done, 20*time.Second, "the caller, whose agent vanished")
	waitFor(t, 5*time.Second, "record closed", func() bool { return strings.Contains(h.Output(), "call ended") })
	if c := lastCall(t, h.db); c.HangupCause != "agent_rtp_timeout" || c.AgentID != "1002" {
		t.Errorf("record: cause %q agent %q", c.HangupCause, c.AgentID)
	}
	waitFor(t, 5*time.Second, "agent out of the call", func() bool { return strings.Contains(h.Output(), "agent=1002 from=talking to=wrap_up") })
}

// A flood of INVITEs from one admitted address is refused at the door (503)
// while a caller from another address gets through to an agent with clean
// audio.
func TestINVITEFloodDoesNotHurtOtherCallers(t *testing.T) {
	requirePeers(t, "sipp", "baresip", "tshark")
	cfg := strings.Replace(testConfig("60s"), "sources: [127.0.0.1/32]", "sources: [127.0.0.0/8]", 1)
	cfg = strings.Replace(cfg, "    public_ip: 127.0.0.1\n", "    public_ip: 127.0.0.1\n    rate_per_source: 5\n", 1)
	h := startHotline(t, cfg)
	startAgent(t, "1002", "bob1002", agentSIP, agentCtl, switchAddr(), agentTone(t, 1000))
	waitFor(t, 5*time.Second, "agent ready", func() bool { return strings.Contains(h.Output(), "agent=1002 from=logged_out to=ready") })

	// The flood: SIPp's built-in caller from 127.0.0.2, 2,000 INVITEs/s for 3 s.
	flood := runSIPpBuiltin(t, "uac", fmt.Sprintf("127.0.0.1:%d", sipPort), "-s", "5000", "-i", "127.0.0.2", "-p", "15090",
		"-mi", "127.0.0.2", "-mp", "16400", "-r", "2000", "-m", "6000", "-timeout", "15s", "-trace_stat", "-fd", "1")
	time.Sleep(500 * time.Millisecond)
	work := callerMedia(t, []pcapStep{{silenceMS: 1500}, {digit: '2'}, {silenceMS: 200}, {toneHz: 500, toneMS: 6000}})
	capt := startCapture(t, callerRTP, callerRTP)
	if out, err := runSIPp(t, work, "caller.xml", sippArgs("-d", "8000")...); err != nil {
		t.Fatalf("the legitimate caller failed during the flood: %v\n%s", err, tail(out, 2000))
	}
	<-flood
	heard := decodeULaw(capt.payloads(t, fmt.Sprintf("udp.dstport==%d && rtp.p_type==0", callerRTP)))
	if len(heard) < 4*rate {
		t.Fatalf("legitimate caller received only %d samples", len(heard))
	}
	if r := toneRatio(heard[len(heard)-3*rate:], 1000); r < 0.6 {
		t.Errorf("legitimate caller's audio during the flood: 1 kHz ratio %.2f", r)
	}
	// 6,000 INVITEs at 5/s (burst 10) from the flooding address: about 25
	// admitted, the rest refused before any media is allocated.
	if n := strings.Count(h.Output(), "msg=\"call arrived\""); n < 5 || n > 40 {
		t.Errorf("%d calls admitted, want the legitimate one plus about 25 of the flood", n)
	}
}

// runSIPpBuiltin runs one of SIPp's built-in scenarios in the background.
func runSIPpBuiltin(t *testing.T, name string, args ...string) <-chan struct{} {
	t.Helper()
	cmd := exec.Command("sipp", append([]string{"-sn", name, "-nostdin"}, args...)...)
	cmd.Dir = t.TempDir()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	return done
}
