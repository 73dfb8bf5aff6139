package itest

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
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

// A trunk at its max_calls refuses the next INVITE with 503 and admits
// again once a call ends.
func TestTrunkMaxCalls(t *testing.T) {
	requirePeers(t, "sipp")
	cfg := strings.Replace(testConfig("60s"), "    sources: [127.0.0.1/32]\n", "    sources: [127.0.0.1/32]\n    max_calls: 1\n", 1)
	h := startHotline(t, cfg)
	work := callerMedia(t, []pcapStep{{silenceMS: 4000}})
	done := runSIPpAsync(t, work, "caller.xml", sippArgs("-d", "3000")...)
	waitFor(t, 5*time.Second, "first call up", func() bool { return strings.Contains(h.Output(), "call arrived") })
	sdp := "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
	second := newRawSIP(t, "127.0.0.1")
	if res := second.send("INVITE", fmt.Sprintf("sip:5000@127.0.0.1:%d", sipPort), "Content-Type: application/sdp\r\n", sdp); !strings.HasPrefix(res, "SIP/2.0 503") {
		t.Fatalf("INVITE over the trunk's max_calls: %s, want 503", firstLine(res))
	}
	if !strings.Contains(h.Output(), `msg="trunk full" trunk=carrier max_calls=1`) {
		t.Errorf("the refusal is not logged")
	}
	awaitSIPp(t, done, 15*time.Second, "the first caller")
	waitFor(t, 5*time.Second, "first call ended", func() bool { return strings.Contains(h.Output(), "call ended") })
	// A fresh socket: the unacknowledged 503 keeps being retransmitted to the old one.
	third := newRawSIP(t, "127.0.0.1")
	time.Sleep(200 * time.Millisecond)
	if res := third.send("INVITE", fmt.Sprintf("sip:5000@127.0.0.1:%d", sipPort), "Content-Type: application/sdp\r\n", sdp); !strings.HasPrefix(res, "SIP/2.0 200") {
		t.Errorf("INVITE after the first call ended: %s, want 200", firstLine(res))
	}
}
