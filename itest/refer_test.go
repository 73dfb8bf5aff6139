package itest

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// linphone is linphonec (Linphone's console phone) driven through its
// stdin: baresip 1.0 cannot do an attended transfer, linphonec can
// ("transfer <call> --to-call <call>": REFER with Replaces).
type linphone struct {
	*proc
	in io.WriteCloser
}

func startLinphone(t *testing.T, id, password string, port, rtpPort int) *linphone {
	t.Helper()
	dir := t.TempDir()
	home := filepath.Join(dir, "home")
	if err := os.MkdirAll(filepath.Join(home, ".local", "share", "linphone"), 0o755); err != nil {
		t.Fatal(err)
	}
	rc := filepath.Join(dir, "lpc.rc")
	conf := fmt.Sprintf("[sip]\nsip_port=%d\nsip_tcp_port=0\nsip_tls_port=0\n[rtp]\naudio_rtp_port=%d\n[sound]\nechocancellation=0\n", port, rtpPort)
	if err := os.WriteFile(rc, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	p := &proc{name: "linphonec", done: make(chan struct{})}
	p.cmd = exec.Command("linphonec", "-c", rc)
	p.cmd.Dir, p.cmd.Env = dir, append(os.Environ(), "HOME="+home)
	p.cmd.Stdout, p.cmd.Stderr = p, p
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	in, err := p.cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start linphonec: %v", err)
	}
	go func() { _ = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		in.Close()
		p.stop(syscall.SIGKILL)
		if t.Failed() {
			t.Logf("---- linphonec output ----\n%s", tail(p.Output(), tailBytes()))
		}
	})
	l := &linphone{proc: p, in: in}
	l.send(t, "soundcard use files")
	l.send(t, "autoanswer enable")
	l.send(t, fmt.Sprintf("register sip:%s@127.0.0.1 sip:127.0.0.1:%d %s", id, sipPort, password))
	return l
}

func (l *linphone) send(t *testing.T, cmd string) {
	t.Helper()
	if _, err := fmt.Fprintln(l.in, cmd); err != nil {
		t.Fatalf("linphonec %q: %v", cmd, err)
	}
	time.Sleep(300 * time.Millisecond)
}

// Attended transfer from the agent's phone: linphonec answers a queue call,
// dials a colleague (the phone holds the customer, who hears music), then
// transfers with REFER + Replaces naming the consultation: the customer
// talks to the colleague, the agent goes to wrap-up.
func TestAttendedTransferFromPhoneByREFERReplaces(t *testing.T) {
	requirePeers(t, "sipp", "baresip", "tshark", "linphonec")
	h := startHotline(t, testConfig("60s"))
	phone := startLinphone(t, "1002", "bob1002", 15068, 16300)
	colleague := startAgent(t, "1001", "alice1001", agent2SIP, agent2Ctl, switchAddr(), agentTone(t, 1500))
	waitFor(t, 10*time.Second, "phones ready", func() bool {
		o := h.Output()
		return strings.Contains(o, "agent=1002 from=logged_out to=ready") && strings.Contains(o, "agent=1001 from=logged_out to=ready")
	})
	cti := dialCTI(t, "127.0.0.1:17070", "sup-secret")
	if r := cti.cmd(map[string]any{"cmd": "subscribe", "kinds": []string{"agent.connected", "call.held", "call.transferred"}}); r["ok"] != true {
		t.Fatalf("subscribe: %v", r)
	}
	work := callerMedia(t, []pcapStep{{silenceMS: 1500}, {digit: '2'}, {silenceMS: 200}, {toneHz: 500, toneMS: 25000}})
	capt := startCapture(t, callerRTP, callerRTP)
	done := runSIPpAsync(t, work, "caller.xml", sippArgs("-d", "20000")...)
	waitEvent(t, cti, "agent.connected", "")
	time.Sleep(time.Second)
	phone.send(t, "pause 1")
	waitEvent(t, cti, "call.held", "")
	phone.send(t, fmt.Sprintf("call sip:1001@127.0.0.1:%d", sipPort))
	waitFor(t, 10*time.Second, "consultation answered", func() bool { return strings.Contains(h.Output(), "agent call answered") })
	consult := phase{name: "consultation", from: time.Now()}
	time.Sleep(4 * time.Second)
	consult.to = time.Now()
	phone.send(t, "transfer 1 --to-call 2")
	ev := waitEvent(t, cti, "call.transferred", "")
	if ev["agent_id"] != "1001" || ev["reason"] != "attended" || ev["side"] != "from:1002" {
		t.Errorf("transferred event: %v", ev)
	}
	after := phase{name: "after the transfer", from: time.Now(), to: time.Now().Add(5 * time.Second)}
	awaitSIPp(t, done, 30*time.Second, "caller")

	caller := capt.payloadsTimed(t, fmt.Sprintf("udp.dstport==%d && rtp.p_type==0", callerRTP))
	held := caller.between(consult.inner(time.Second))
	if moh := toneRatio(held, 440) + toneRatio(held, 554) + toneRatio(held, 659); moh < 0.4 {
		t.Errorf("consultation: the caller does not hear music on hold (note share %.2f)", moh)
	}
	expect(t, "caller", consult, held, map[float64]bool{1500: false})
	expect(t, "caller", after, caller.between(after.inner(time.Second)), map[float64]bool{1500: true})
	if r := toneRatio(colleague.heard(t), 500); r < 0.2 {
		t.Errorf("the colleague never heard the caller (500 Hz share %.2f)", r)
	}
	waitFor(t, 5*time.Second, "record closed", func() bool { return strings.Contains(h.Output(), "call ended") })
	if !strings.Contains(h.Output(), "agent=1002 from=talking to=wrap_up") {
		t.Errorf("the transferring agent was not released to wrap-up")
	}
	if c := lastCall(t, h.db); c.AgentID != "1001" || c.Disposition != "answered" {
		t.Errorf("record: agent %q disposition %q", c.AgentID, c.Disposition)
	}
}
