package itest

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"github.com/hotline/hotline/store"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

// rawSIP is a bare UDP SIP client bound to a chosen loopback address, for
// requests no real phone would send (wrong passwords, unknown sources).
type rawSIP struct {
	t    *testing.T
	conn *net.UDPConn
	to   *net.UDPAddr
	seq  int
}

func newRawSIP(t *testing.T, localIP string) *rawSIP {
	t.Helper()
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.ParseIP(localIP)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &rawSIP{t: t, conn: conn, to: &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: sipPort}}
}

// send writes one request and returns the first final response's status
// line and headers.
func (r *rawSIP) send(method, uri, extra, body string) string {
	r.t.Helper()
	r.seq++
	la := r.conn.LocalAddr().(*net.UDPAddr)
	msg := fmt.Sprintf("%s %s SIP/2.0\r\nVia: SIP/2.0/UDP %s;branch=z9hG4bK-sec-%d-%d\r\n"+
		"From: <sip:1002@%s>;tag=sec%d\r\nTo: <sip:1002@%s>\r\nCall-ID: sec-%d@%s\r\nCSeq: %d %s\r\n"+
		"Contact: <sip:1002@%s>\r\nMax-Forwards: 70\r\n%sContent-Length: %d\r\n\r\n%s",
		method, uri, la, r.seq, time.Now().UnixNano(), la.IP, r.seq, la.IP, r.seq, la.IP, r.seq, method, la, extra, len(body), body)
	if _, err := r.conn.WriteToUDP([]byte(msg), r.to); err != nil {
		r.t.Fatal(err)
	}
	buf := make([]byte, 65535)
	for {
		_ = r.conn.SetReadDeadline(time.Now().Add(3 * time.Second))
		n, _, err := r.conn.ReadFromUDP(buf)
		if err != nil {
			r.t.Fatalf("%s: no response: %v", method, err)
		}
		res := string(buf[:n])
		if !strings.HasPrefix(res, "SIP/2.0 1") {
			return res
		}
	}
}

var nonceRE = regexp.MustCompile(`nonce="([^"]+)"`)

// register sends REGISTER answered with a digest for password.
func (r *rawSIP) register(password string) string {
	r.t.Helper()
	uri := fmt.Sprintf("sip:127.0.0.1:%d", sipPort)
	res := r.send("REGISTER", uri, "Expires: 60\r\n", "")
	m := nonceRE.FindStringSubmatch(res)
	if !strings.HasPrefix(res, "SIP/2.0 401") || m == nil {
		return res // banned already, or no challenge
	}
	h := func(s string) string { x := md5.Sum([]byte(s)); return hex.EncodeToString(x[:]) }
	resp := h(h("1002:hotline:"+password) + ":" + m[1] + ":" + h("REGISTER:"+uri))
	auth := fmt.Sprintf("Authorization: Digest username=\"1002\", realm=\"hotline\", nonce=\"%s\", uri=\"%s\", response=\"%s\", algorithm=MD5\r\n", m[1], uri, resp)
	return r.send("REGISTER", uri, "Expires: 60\r\n"+auth, "")
}

// Wrong passwords lock the source out: after ban_after failures even the
// right password is refused (403), while other addresses are unaffected.
func TestWrongPasswordsLockOut(t *testing.T) {
	cfg := strings.Replace(testConfig("60s"), "    public_ip: 127.0.0.1\n", "    public_ip: 127.0.0.1\n    ban_after: 3\n    ban_for: 1m\n", 1)
	h := startHotline(t, cfg)
	other := newRawSIP(t, "127.0.0.6")
	if res := other.register("bob1002"); !strings.HasPrefix(res, "SIP/2.0 200") {
		t.Fatalf("the right password from a clean address: %s", firstLine(res))
	}
	attacker := newRawSIP(t, "127.0.0.5")
	for i, want := range []string{"401", "401", "403"} { // the third failure starts the ban
		if res := attacker.register("guess" + fmt.Sprint(i)); !strings.HasPrefix(res, "SIP/2.0 "+want) {
			t.Fatalf("wrong password %d: %s, want %s", i+1, firstLine(res), want)
		}
	}
	if res := attacker.register("bob1002"); !strings.HasPrefix(res, "SIP/2.0 403") {
		t.Errorf("the right password from the banned address: %s, want 403", firstLine(res))
	}
	if res := other.register("bob1002"); !strings.HasPrefix(res, "SIP/2.0 200") {
		t.Errorf("another address after the ban: %s, want 200", firstLine(res))
	}
	// fail2ban can match the failures by source.
	if n := strings.Count(h.Output(), `msg="auth failed"`); n < 3 || !strings.Contains(h.Output(), "source=127.0.0.5:") {
		t.Errorf("%d auth-failure log lines naming the source, want 3", n)
	}
}

// An INVITE from an address no trunk lists gets 403 and costs nothing: no
// call record, no RTP port.
func TestUnknownSourceRefusedWithoutMedia(t *testing.T) {
	h := startHotline(t, testConfig("60s"))
	stranger := newRawSIP(t, "127.0.0.9")
	sdp := "v=0\r\no=- 1 1 IN IP4 127.0.0.9\r\ns=-\r\nc=IN IP4 127.0.0.9\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
	for i := 0; i < 5; i++ {
		res := stranger.send("INVITE", fmt.Sprintf("sip:5000@127.0.0.1:%d", sipPort), "Content-Type: application/sdp\r\n", sdp)
		if !strings.HasPrefix(res, "SIP/2.0 403") {
			t.Fatalf("INVITE from an unknown source: %s, want 403", firstLine(res))
		}
	}
	if !strings.Contains(h.Output(), `msg="invite refused" source=127.0.0.9:`) {
		t.Errorf("the refusal is not logged with its source")
	}
	res, err := http.Get("http://127.0.0.1:18080/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if !regexp.MustCompile(`(?m)^hotline_rtp_ports_in_use 0$`).Match(b) {
		t.Errorf("RTP ports were allocated for refused INVITEs:\n%s", grepLines(string(b), "hotline_rtp_ports_in_use"))
	}
	if calls := callsByANI(t, h.db); len(calls) != 0 {
		t.Errorf("refused INVITEs left call records: %v", calls)
	}
}

func firstLine(s string) string { l, _, _ := strings.Cut(s, "\r\n"); return l }

// A cap on the calls up at once — a trunk's max_calls (the channels the
// carrier sold) or server.max_calls (what the switch is sized for): the
// next caller gets 503 (with Retry-After for the switch's), logged, and
// is admitted again once a call ends.
func TestMaxCalls(t *testing.T) {
	requirePeers(t, "sipp")
	for _, c := range []struct {
		name, from, to, logged, retry string
	}{
		{"trunk", "    sources: [127.0.0.1/32]\n", "    sources: [127.0.0.1/32]\n    max_calls: 1\n", `msg="trunk full" trunk=carrier max_calls=1`, ""},
		{"switch", "server:\n", "server:\n  max_calls: 1\n", `msg="switch full" max_calls=1 trunk=carrier`, "\r\nRetry-After: 5\r\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := startHotline(t, strings.Replace(testConfig("60s"), c.from, c.to, 1))
			work := callerMedia(t, []pcapStep{{silenceMS: 4000}})
			done := runSIPpAsync(t, work, "caller.xml", sippArgs("-d", "3000")...)
			waitFor(t, 5*time.Second, "first call up", func() bool { return strings.Contains(h.Output(), "call arrived") })
			sdp := "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
			second := newRawSIP(t, "127.0.0.1")
			res := second.send("INVITE", fmt.Sprintf("sip:5000@127.0.0.1:%d", sipPort), "Content-Type: application/sdp\r\n", sdp)
			if !strings.HasPrefix(res, "SIP/2.0 503") || !strings.Contains(res, c.retry) {
				t.Fatalf("INVITE over max_calls:\n%s\nwant 503 %q", res, c.retry)
			}
			waitFor(t, 2*time.Second, "the refusal logged as "+c.logged, func() bool { return strings.Contains(h.Output(), c.logged) })
			awaitSIPp(t, done, 15*time.Second, "the first caller")
			waitFor(t, 5*time.Second, "first call ended", func() bool { return strings.Contains(h.Output(), "call ended") })
			// A fresh socket: the unacknowledged 503 keeps being retransmitted to the old one.
			third := newRawSIP(t, "127.0.0.1")
			time.Sleep(200 * time.Millisecond)
			if res := third.send("INVITE", fmt.Sprintf("sip:5000@127.0.0.1:%d", sipPort), "Content-Type: application/sdp\r\n", sdp); !strings.HasPrefix(res, "SIP/2.0 200") {
				t.Errorf("INVITE after the first call ended: %s, want 200", firstLine(res))
			}
		})
	}
}

// A flood spread over four addresses, each under rate_per_source (40/s
// against 50), so only the global calls_per_second guard (20/s) can stop
// it: most INVITEs get 503, and a call set up before the flood keeps
// clean audio through it.
func TestDistributedFloodMeetsCallsPerSecond(t *testing.T) {
	requirePeers(t, "sipp", "baresip", "tshark")
	cfg := strings.Replace(testConfig("60s"), "sources: [127.0.0.1/32]", "sources: [127.0.0.0/8]", 1)
	cfg = strings.Replace(cfg, "    public_ip: 127.0.0.1\n", "    public_ip: 127.0.0.1\n    rate_per_source: 50\n    calls_per_second: 20\n", 1)
	h := startHotline(t, cfg)
	startAgent(t, "1002", "bob1002", agentSIP, agentCtl, switchAddr(), agentTone(t, 1000))
	waitFor(t, 5*time.Second, "agent ready", func() bool { return strings.Contains(h.Output(), "agent=1002 from=logged_out to=ready") })

	work := callerMedia(t, []pcapStep{{silenceMS: 1500}, {digit: '2'}, {silenceMS: 200}, {toneHz: 500, toneMS: 9000}})
	capt := startCapture(t, callerRTP, callerRTP)
	caller := runSIPpAsync(t, work, "caller.xml", sippArgs("-d", "9000")...)
	waitFor(t, 10*time.Second, "the caller talking to the agent", func() bool { return strings.Contains(h.Output(), "msg=connected") })

	var floods []<-chan struct{}
	for i := 2; i <= 5; i++ {
		ip := fmt.Sprintf("127.0.0.%d", i)
		floods = append(floods, runSIPpBuiltin(t, "uac", fmt.Sprintf("127.0.0.1:%d", sipPort), "-s", "5000", "-i", ip, "-p", "15090",
			"-mi", ip, "-mp", "16500", "-r", "40", "-m", "120", "-timeout", "12s"))
	}
	for _, f := range floods {
		<-f
	}
	awaitSIPp(t, caller, 20*time.Second, "the caller set up before the flood")

	heard := decodeULaw(capt.payloads(t, fmt.Sprintf("udp.dstport==%d && rtp.p_type==0", callerRTP)))
	if len(heard) < 6*rate {
		t.Fatalf("the caller received only %d samples", len(heard))
	}
	if r := toneRatio(heard[len(heard)-4*rate:], 1000); r < 0.6 {
		t.Errorf("the caller's audio during the flood: 1 kHz ratio %.2f", r)
	}
	// 480 INVITEs in 3 s: about 20/s (plus a burst of 20) admitted, the
	// rest refused before any media or record.
	admitted := strings.Count(h.Output(), `msg="call arrived"`) - 1
	t.Logf("%d of the flood's 480 INVITEs admitted", admitted)
	if admitted < 20 || admitted > 130 {
		t.Errorf("%d flood calls admitted, want about 80 (20/s for 3 s, burst 20)", admitted)
	}
	var talked []store.Call
	for _, c := range allCalls(t, h.db) {
		if c.AgentID == "1002" {
			talked = append(talked, c)
		}
	}
	if len(talked) != 1 || talked[0].HangupSide != "caller" || talked[0].Disposition != "answered" {
		t.Errorf("the established call's record: %+v", talked)
	}
}
