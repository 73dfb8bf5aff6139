package itest

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hotline/hotline/store"
)

// CANCEL crossing the 200 OK: the caller sends CANCEL right behind its
// INVITE, at varying gaps, so sometimes the switch has not answered yet
// (487) and sometimes the answer and the CANCEL cross (the CANCEL gets 200
// and changes nothing; the caller then ACKs and hangs up with BYE). Either
// way every call record is closed and no call or media is left.
func TestCancelCrossingAnswer(t *testing.T) {
	h := startHotline(t, testConfig("60s"))
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	to := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: sipPort}
	la := conn.LocalAddr().(*net.UDPAddr)
	sdp := "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
	toTag := regexp.MustCompile(`(?mi)^To:.*;tag=([^;\r\n]+)`)
	send := func(m string) {
		if _, err := conn.WriteToUDP([]byte(m), to); err != nil {
			t.Fatal(err)
		}
	}
	outcomes := map[string]int{}
	for i := range 12 {
		callID := fmt.Sprintf("race-%d-%d@127.0.0.1", i, time.Now().UnixNano())
		branch := fmt.Sprintf("z9hG4bK-race-%d-%d", i, time.Now().UnixNano())
		head := func(method string, cseq int, br string) string {
			return fmt.Sprintf("%s sip:5000@127.0.0.1:%d SIP/2.0\r\nVia: SIP/2.0/UDP %s;branch=%s\r\nFrom: <sip:race@127.0.0.1>;tag=r%d\r\n"+
				"To: <sip:5000@127.0.0.1>%%s\r\nCall-ID: %s\r\nCSeq: %d %s\r\nContact: <sip:race@%s>\r\nMax-Forwards: 70\r\n",
				method, sipPort, la, br, i, callID, cseq, method, la)
		}
		send(fmt.Sprintf(head("INVITE", 1, branch), "") + "Content-Type: application/sdp\r\n" + fmt.Sprintf("Content-Length: %d\r\n\r\n%s", len(sdp), sdp))
		time.Sleep(time.Duration(i%4) * time.Millisecond) // 0-3 ms: both orders happen
		send(fmt.Sprintf(head("CANCEL", 1, branch), "") + "Content-Length: 0\r\n\r\n")
		// Read until the INVITE's final answer.
		buf := make([]byte, 65535)
		final := ""
		for final == "" {
			_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
			n, _, err := conn.ReadFromUDP(buf)
			if err != nil {
				t.Fatalf("call %d: no final answer to the INVITE: %v", i, err)
			}
			m := string(buf[:n])
			if strings.Contains(m, " INVITE\r\n") && !strings.HasPrefix(m, "SIP/2.0 1") {
				final = m
			}
		}
		tag := ""
		if mm := toTag.FindStringSubmatch(final); mm != nil {
			tag = ";tag=" + mm[1]
		}
		switch {
		case strings.HasPrefix(final, "SIP/2.0 200"):
			outcomes["answered"]++
			send(fmt.Sprintf(head("ACK", 1, branch+"-ack"), tag) + "Content-Length: 0\r\n\r\n")
			send(fmt.Sprintf(head("BYE", 2, branch+"-bye"), tag) + "Content-Length: 0\r\n\r\n")
		case strings.HasPrefix(final, "SIP/2.0 487"):
			outcomes["cancelled"]++
			send(fmt.Sprintf(head("ACK", 1, branch), tag) + "Content-Length: 0\r\n\r\n")
		default:
			t.Fatalf("call %d: INVITE answered %q", i, firstLine(final))
		}
	}
	t.Logf("outcomes: %v", outcomes)
	waitFor(t, 10*time.Second, "every call closed, nothing left", func() bool {
		res, err := http.Get("http://127.0.0.1:18080/metrics")
		if err != nil {
			return false
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return strings.Contains(string(b), "hotline_calls_in_progress 0") && strings.Contains(string(b), "hotline_rtp_ports_in_use 0")
	})
	calls, err := openStore(t, h.db).ListCalls(context.Background(), store.Filter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(calls) < outcomes["answered"] || len(calls) > 12 {
		t.Errorf("%d call records for %v", len(calls), outcomes)
	}
	for _, c := range calls {
		if c.EndedAt.IsZero() || c.Disposition == "" || c.HangupSide != "caller" {
			t.Errorf("call %s: ended %v disposition %q side %q", c.ID, c.EndedAt, c.Disposition, c.HangupSide)
		}
	}
}
