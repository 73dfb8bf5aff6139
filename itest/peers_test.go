// Package itest runs the real hotline binary against real SIP peers on
// loopback: SIPp as the carrier, baresip as agents' softphones, tshark to
// capture what the caller hears. Audio is checked by frequency.
package itest

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// requirePeers fails (never skips) when a peer is missing: CI must prove
// the integration suite ran. Outside CI a developer without the peers gets
// a skip with the install hint.
func requirePeers(t *testing.T, cmds ...string) {
	t.Helper()
	var missing []string
	for _, c := range cmds {
		if _, err := exec.LookPath(c); err != nil {
			missing = append(missing, c)
		}
	}
	if len(missing) == 0 {
		return
	}
	msg := fmt.Sprintf("missing test peers %v: run scripts/install-test-deps.sh", missing)
	if os.Getenv("CI") != "" || os.Getenv("HOTLINE_REQUIRE_PEERS") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// proc is a child process whose output is kept for assertions and logs.
type proc struct {
	name string
	cmd  *exec.Cmd
	mu   sync.Mutex
	out  bytes.Buffer
	done chan struct{}
}

func (p *proc) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.Write(b)
}

func (p *proc) Output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

func start(t *testing.T, name string, dir string, args ...string) *proc {
	t.Helper()
	p := &proc{name: filepath.Base(name), done: make(chan struct{})}
	p.cmd = exec.Command(name, args...)
	p.cmd.Dir = dir
	p.cmd.Stdout, p.cmd.Stderr = p, p
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() { _ = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		p.stop(syscall.SIGKILL)
		if t.Failed() {
			t.Logf("---- %s output (last 4 KiB) ----\n%s", p.name, tail(p.Output(), tailBytes()))
		}
	})
	return p
}

func (p *proc) stop(sig syscall.Signal) {
	select {
	case <-p.done:
		return
	default:
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, sig)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
	}
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// waitFor polls cond until it holds or the timeout passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("timed out after %s waiting for %s", timeout, what)
}

// ---- hotline ----

func hotlineBin(t *testing.T) string {
	t.Helper()
	if b := os.Getenv("HOTLINE_BIN"); b != "" {
		return b
	}
	out := filepath.Join(t.TempDir(), "hotline")
	cmd := exec.Command("go", "build", "-o", out, "../cmd/hotline")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build hotline: %v\n%s", err, b)
	}
	return out
}

type hotline struct {
	*proc
	dir string
	db  string
}

// startHotline serves cfg (a YAML text) from a fresh directory.
func startHotline(t *testing.T, cfg string) *hotline {
	t.Helper()
	return startHotlineIn(t, t.TempDir(), cfg)
}

// startHotlineIn serves cfg from dir, keeping a database already there
// (restart tests).
func startHotlineIn(t *testing.T, dir, cfg string) *hotline {
	t.Helper()
	path := filepath.Join(dir, "hotline.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	h := &hotline{dir: dir, db: filepath.Join(dir, "hotline.db")}
	h.proc = start(t, hotlineBin(t), dir, "serve", "--config", path)
	waitFor(t, 10*time.Second, "hotline to serve", func() bool {
		return strings.Contains(h.Output(), "hotline serving") || h.exited()
	})
	if h.exited() {
		t.Fatalf("hotline exited:\n%s", h.Output())
	}
	return h
}

// ---- baresip ----

type agentPhone struct {
	*proc
	dir  string
	ctrl int
}

// startAgent runs a baresip softphone registered as agent id, auto-answering
// and sending the WAV (8 kHz mono 16-bit) as its microphone.
func startAgent(t *testing.T, id, password string, sipPort, ctrlPort int, switchAddr, wav string) *agentPhone {
	return startAgentMode(t, id, password, sipPort, ctrlPort, switchAddr, wav, "auto")
}

// startAgentTCP is startAgent with the phone registering over SIP/TCP.
func startAgentTCP(t *testing.T, id, password string, sipPort, ctrlPort int, switchAddr, wav string) *agentPhone {
	return startAgentFull(t, id, password, sipPort, ctrlPort, switchAddr, wav, "auto", "tcp")
}

// startAgentTLS is startAgent with the phone registering over SIP/TLS,
// trusting the certificate in caFile.
func startAgentTLS(t *testing.T, id, password string, sipPort, ctrlPort int, switchAddr, wav, caFile string) *agentPhone {
	return startAgentFull(t, id, password, sipPort, ctrlPort, switchAddr, wav, "auto", "tls", "sip_cafile\t\t"+caFile)
}

// startAgentMode is startAgent with baresip's answermode (auto or manual).
func startAgentMode(t *testing.T, id, password string, sipPort, ctrlPort int, switchAddr, wav, answermode string) *agentPhone {
	return startAgentFull(t, id, password, sipPort, ctrlPort, switchAddr, wav, answermode, "udp")
}

func startAgentFull(t *testing.T, id, password string, sipPort, ctrlPort int, switchAddr, wav, answermode, transport string, extra ...string) *agentPhone {
	t.Helper()
	return startBaresip(t, baresipSpec{id: id, password: password, sipPort: sipPort, ctrlPort: ctrlPort,
		server: switchAddr, wav: wav, answermode: answermode, transport: transport, extra: extra, register: true})
}

// baresipSpec is one baresip instance: an agent phone (register), or a
// device that only places calls (a carrier's gateway in a test).
type baresipSpec struct {
	id, password, server, wav, answermode, transport string
	sipPort, ctrlPort                                int
	extra                                            []string // config lines
	acctParams                                       string   // appended to the account line
	register                                         bool
}

func startBaresip(t *testing.T, sp baresipSpec) *agentPhone {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "rec"), 0o755); err != nil {
		t.Fatal(err)
	}
	conf := fmt.Sprintf(`poll_method		epoll
sip_listen		127.0.0.1:%d
net_interface		127.0.0.1
call_local_timeout	120
call_max_calls		4
audio_player		aubridge,nil
audio_source		aufile,%s
audio_alert		aubridge,nil
ausrc_srate		8000
auplay_srate		8000
ausrc_channels		1
auplay_channels		1
audio_level		no
audio_buffer		20-160
rtp_ports		%d-%d
rtcp_mux		no
jitter_buffer_delay	5-10
rtp_stats		yes
module_path		/usr/lib/baresip/modules
module			g711.so
module			aufile.so
module			aubridge.so
module			sndfile.so
module			cons.so
module_tmp		uuid.so
module_tmp		account.so
module_app		contact.so
module_app		menu.so
module_app		ctrl_tcp.so
cons_listen		127.0.0.1:%d
ctrl_tcp_listen		127.0.0.1:%d
snd_path		%s/rec
`, sp.sipPort, sp.wav, sp.sipPort*4%60000+1024, sp.sipPort*4%60000+1123, sp.ctrlPort+1, sp.ctrlPort, dir) + strings.Join(sp.extra, "\n") + "\n"
	regint := 0
	if sp.register {
		regint = 60
	}
	acct := fmt.Sprintf("<sip:%s@%s;transport=%s>;auth_pass=%s;regint=%d;answermode=%s;audio_codecs=PCMU%s\n",
		sp.id, sp.server, sp.transport, sp.password, regint, sp.answermode, sp.acctParams)
	for name, body := range map[string]string{"config": conf, "accounts": acct, "contacts": ""} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	a := &agentPhone{proc: start(t, "baresip", dir, "-f", dir), dir: dir, ctrl: sp.ctrlPort}
	waitFor(t, 10*time.Second, "baresip "+sp.id+" to start", func() bool {
		if sp.register {
			return strings.Contains(a.Output(), "200 OK") || a.exited()
		}
		return a.ready() || a.exited()
	})
	if a.exited() {
		t.Fatalf("baresip %s exited:\n%s", sp.id, a.Output())
	}
	return a
}

// ready reports whether the phone's control socket accepts connections.
func (a *agentPhone) ready() bool {
	c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", a.ctrl), 200*time.Millisecond)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// recordings returns the WAVs baresip wrote of what it received.
func (a *agentPhone) recordings() []string {
	m, _ := filepath.Glob(filepath.Join(a.dir, "rec", "*-dec.wav"))
	return m
}

// heard stops the phone (baresip writes its recording on exit) and returns
// what it received on its last call.
func (a *agentPhone) heard(t *testing.T) []int16 {
	t.Helper()
	a.stop(syscall.SIGTERM)
	recs := a.recordings()
	if len(recs) == 0 {
		t.Fatal("agent recorded nothing")
	}
	got, err := readWAV(recs[len(recs)-1])
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// awaitSIPp waits for a background SIPp run, failing the test on its error
// or when it has not finished within timeout.
func awaitSIPp(t *testing.T, done <-chan error, timeout time.Duration, what string) {
	t.Helper()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	case <-time.After(timeout):
		t.Fatalf("%s: not finished after %s", what, timeout)
	}
}

// command sends one ctrl_tcp command (netstring-framed JSON).
func (a *agentPhone) command(t *testing.T, cmd, params string) {
	t.Helper()
	c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", a.ctrl), 2*time.Second)
	if err != nil {
		t.Fatalf("baresip ctrl: %v", err)
	}
	defer c.Close()
	msg := fmt.Sprintf(`{"command":%q,"params":%q,"token":"t"}`, cmd, params)
	fmt.Fprintf(c, "%d:%s,", len(msg), msg)
	_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
	_, _ = bufio.NewReader(c).ReadString(',')
}

// ---- tshark ----

type capture struct {
	*proc
	file string
}

// startCapture records UDP on loopback between the given ports.
func startCapture(t *testing.T, portLo, portHi int) *capture {
	t.Helper()
	dir := t.TempDir()
	c := &capture{file: filepath.Join(dir, "cap.pcapng")}
	c.proc = start(t, "tshark", dir, "-i", "lo", "-f", fmt.Sprintf("udp portrange %d-%d", portLo, portHi), "-w", c.file, "-q")
	waitFor(t, 10*time.Second, "tshark to start", func() bool {
		st, err := os.Stat(c.file)
		return (err == nil && st.Size() > 0) || c.exited()
	})
	time.Sleep(300 * time.Millisecond)
	return c
}

// payloads stops the capture and returns the RTP payloads matching a
// display filter, in capture order.
func (c *capture) payloads(t *testing.T, filter string) [][]byte {
	t.Helper()
	c.stop(syscall.SIGINT)
	out, err := exec.Command("tshark", "-r", c.file, "--enable-heuristic", "rtp_udp", "-Y", filter,
		"-T", "fields", "-e", "rtp.payload").Output()
	if err != nil {
		t.Fatalf("tshark read: %v", err)
	}
	var res [][]byte
	for _, line := range strings.Split(string(out), "\n") {
		line = strings.ReplaceAll(strings.TrimSpace(line), ":", "")
		if line == "" {
			continue
		}
		b, err := hex.DecodeString(line)
		if err == nil {
			res = append(res, b)
		}
	}
	return res
}

// ---- SIPp ----

var sippStats = regexp.MustCompile(`Successful call\s+\|\s+\d+\s+\|\s+(\d+)`)

// runSIPp runs a scenario (from testdata/sipp) in a work dir holding the
// generated media; it returns the combined output and the exit error.
func runSIPp(t *testing.T, workdir, scenario string, args ...string) (string, error) {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("..", "testdata", "sipp", scenario))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(workdir, scenario), src, 0o644); err != nil {
		t.Fatal(err)
	}
	full := append([]string{"-sf", scenario, "-nostdin", "-trace_err", "-timeout", "60s"}, args...)
	cmd := exec.Command("sipp", full...)
	cmd.Dir = workdir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return "", err
	}
	// A caller still running when its test ends (the switch was killed
	// under it) must not hold its ports into the next test.
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	err = cmd.Wait()
	return out.String(), err
}

// tailBytes is how much of a failed peer's output to show (HOTLINE_LOG_TAIL).
func tailBytes() int {
	if n, err := strconv.Atoi(os.Getenv("HOTLINE_LOG_TAIL")); err == nil && n > 0 {
		return n
	}
	return 4096
}

// runSIPpAsync runs a scenario in the background; the channel carries its
// error (with the tail of its output), nil on success.
func runSIPpAsync(t *testing.T, workdir, scenario string, args ...string) <-chan error {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		out, err := runSIPp(t, workdir, scenario, args...)
		if err != nil {
			err = fmt.Errorf("%s: %v\n%s", scenario, err, tail(out, 2000))
		}
		done <- err
	}()
	return done
}
