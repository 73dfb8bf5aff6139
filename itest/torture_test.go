package itest

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hotline/hotline/store"
)

// tortureWant is what the switch must answer to one message of
// testdata/sip/torture (see the README there).
type tortureWant struct {
	status int    // final status; 0: no answer at all (responses are absorbed)
	sameTx string // the message repeats this one's transaction (same branch, sent-by, method): its answer comes back
}

var tortureWants = map[string]tortureWant{
	// 3.1.1 valid messages
	"wsinv": {status: 481}, "intmeth": {status: 501}, "esc01": {status: 200}, "escnull": {status: 401},
	"esc02": {status: 501}, "lwsdisp": {status: 200}, "longreq": {status: 200}, "dblreq": {status: 401},
	"semiuri": {status: 200}, "transports": {status: 200}, "mpart01": {status: 405}, "unreason": {}, "noreason": {},
	// 3.1.2 invalid messages
	"badinv01": {status: 400}, "clerr": {status: 400}, "ncl": {status: 400}, "scalar02": {status: 400},
	"scalarlg": {}, "quotbal": {status: 400}, "ltgtruri": {status: 400}, "lwsruri": {status: 400},
	"lwsstart": {status: 400}, "trws": {status: 400}, "escruri": {status: 400}, "baddate": {status: 200},
	"regbadct": {status: 400}, "badaspec": {status: 400}, "baddn": {status: 400}, "badvers": {status: 505},
	"mismatch01": {status: 400}, "mismatch02": {status: 400}, "bigcode": {},
	// 3.2 transaction layer
	"badbranch": {status: 200},
	// 3.3 application layer
	"insuf": {status: 400}, "unkscm": {status: 416}, "novelsc": {status: 416}, "unksm2": {status: 400},
	"bext01": {status: 420}, "invut": {status: 415}, "regaut01": {status: 401}, "multi01": {status: 400},
	"mcl01": {status: 400}, "bcast": {}, "zeromf": {status: 200}, "cparam01": {status: 401},
	"cparam02": {status: 401, sameTx: "cparam01"}, "regescrt": {status: 401, sameTx: "escnull"}, "sdp01": {status: 406},
	// 3.4 backward compatibility
	"inv2543": {status: 400},
	// Hotline's own
	"hl-zeromf-invite": {status: 483}, "hl-require-invite": {status: 420}, "hl-badmf-invite": {status: 400},
}

// sipMsg is a received datagram read just enough to match and answer it.
type sipMsg struct {
	raw    string
	status int
	lines  []string
}

func parseSIPMsg(b []byte) sipMsg {
	m := sipMsg{raw: string(b)}
	head, _, _ := strings.Cut(m.raw, "\r\n\r\n")
	m.lines = strings.Split(head, "\r\n")
	if f := strings.Fields(m.lines[0]); len(f) >= 2 && strings.HasPrefix(f[0], "SIP/") {
		m.status, _ = strconv.Atoi(f[1])
	}
	return m
}

var compactNames = map[string]string{"i": "call-id", "f": "from", "t": "to", "v": "via", "m": "contact", "l": "content-length"}

// header returns the first line of a header (full or compact name) and its value.
func (m sipMsg) header(name string) (line, value string) {
	for _, l := range m.lines[1:] {
		n, v, ok := strings.Cut(l, ":")
		if !ok {
			continue
		}
		n = strings.ToLower(strings.TrimSpace(n))
		if full, ok := compactNames[n]; ok {
			n = full
		}
		if n == strings.ToLower(name) {
			return l, strings.TrimSpace(v)
		}
	}
	return "", ""
}

// The RFC 4475 torture messages, each sent over UDP from a trunk address:
// the switch answers each with the right status (or absorbs a response),
// never crashes, tears down the calls the valid INVITEs started, and a
// normal call completes afterwards.
func TestTortureMessages(t *testing.T) {
	requirePeers(t, "sipp")
	cfg := strings.Replace(testConfig("60s"), `      - { number: "5000", flow: main }`,
		"      - { number: \"5000\", flow: main }\n      - { number: \"*\", flow: main }", 1)
	h := startHotline(t, cfg)
	// Answers go where the top Via says (RFC 3261 §18.2.2): the messages'
	// Vias name hosts without a port, so the default port 5060.
	pc, err := net.ListenPacket("udp", "127.0.0.1:5060")
	if err != nil {
		t.Fatalf("the torture client needs 127.0.0.1:5060 (run in a private network namespace): %v", err)
	}
	defer pc.Close()
	dst := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: sipPort}

	files, _ := filepath.Glob(filepath.Join("..", "testdata", "sip", "torture", "*.txt"))
	if len(files) != len(tortureWants) {
		t.Fatalf("%d torture files, %d expectations", len(files), len(tortureWants))
	}
	callIDs := map[string]string{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		name := strings.TrimSuffix(filepath.Base(f), ".txt")
		_, callIDs[name] = parseSIPMsg(data).header("Call-ID")
	}
	answered := 0
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".txt")
		want, ok := tortureWants[name]
		if !ok {
			t.Fatalf("%s: no expectation", name)
		}
		data, _ := os.ReadFile(f)
		req := parseSIPMsg(data)
		if _, err := pc.WriteTo(data, dst); err != nil {
			t.Fatal(err)
		}
		cid := callIDs[name]
		if want.sameTx != "" {
			cid = callIDs[want.sameTx]
		}
		got := awaitFinal(t, pc, dst, req, cid, want.status == 0)
		if got != want.status {
			t.Errorf("%s: answered %d, want %d", name, got, want.status)
		}
		if got == 200 && strings.HasPrefix(req.lines[0], "INVITE ") {
			answered++
		}
		if h.exited() {
			t.Fatalf("the switch died on %s", name)
		}
	}
	if answered != 3 {
		t.Errorf("%d torture INVITEs became calls, want 3 (esc01, longreq, baddate)", answered)
	}
	waitFor(t, 5*time.Second, "the torture calls to end", func() bool {
		return strings.Count(h.Output(), "call ended") >= answered
	})

	// A normal call still goes through.
	work := callerMedia(t, []pcapStep{{silenceMS: 1500}})
	if out, err := runSIPp(t, work, "caller.xml", sippArgs("-d", "2000")...); err != nil {
		t.Fatalf("a normal call after the torture messages: %v\n%s", err, tail(out, 2000))
	}
	waitFor(t, 5*time.Second, "every call record closed", func() bool {
		return strings.Count(h.Output(), "call ended") >= answered+1
	})
	st, err := store.Open(h.db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	calls, err := st.ListCalls(context.Background(), store.Filter{Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	if len(calls) != answered+1 {
		t.Errorf("%d call records, want %d", len(calls), answered+1)
	}
	for _, c := range calls {
		if c.EndedAt.IsZero() {
			t.Errorf("call %s (dnis %q) left open", c.ID, c.DNIS)
		}
	}
	if strings.Contains(h.Output(), "panic") {
		t.Error("the switch log shows a panic")
	}
}

// awaitFinal reads answers with the given Call-ID until a final one
// (returning its status) or, when none is expected, a quiet moment (0).
// A final answer to an INVITE is acknowledged; a 2xx one also ends the
// call with BYE, which must be answered 200.
func awaitFinal(t *testing.T, pc net.PacketConn, dst net.Addr, req sipMsg, callID string, none bool) int {
	t.Helper()
	wait := 2 * time.Second
	if none {
		wait = 400 * time.Millisecond
	}
	deadline := time.Now().Add(wait)
	buf := make([]byte, 65535)
	for {
		_ = pc.SetReadDeadline(deadline)
		n, _, err := pc.ReadFrom(buf)
		if err != nil {
			return 0
		}
		m := parseSIPMsg(buf[:n])
		if _, c := m.header("Call-ID"); c != callID || m.status < 200 {
			continue // a provisional answer, or a late retransmission for an earlier message
		}
		if _, cseq := m.header("CSeq"); strings.HasSuffix(cseq, "INVITE") {
			ackAndBye(t, pc, dst, req, m)
		}
		return m.status
	}
}

func ackAndBye(t *testing.T, pc net.PacketConn, dst net.Addr, req, res sipMsg) {
	t.Helper()
	via, _ := res.header("Via")
	from, _ := res.header("From")
	to, _ := res.header("To")
	cidLine, _ := res.header("Call-ID")
	_, cseq := res.header("CSeq")
	num, _ := strconv.Atoi(strings.Fields(cseq)[0])
	send := func(start, via, method string, seq int) {
		msg := fmt.Sprintf("%s\r\n%s\r\n%s\r\n%s\r\n%s\r\nCSeq: %d %s\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
			start, via, from, to, cidLine, seq, method)
		if _, err := pc.WriteTo([]byte(msg), dst); err != nil {
			t.Fatal(err)
		}
	}
	if res.status >= 300 {
		// The ACK of a failure is part of the INVITE transaction: same branch, same Request-URI.
		send("ACK "+strings.Fields(req.lines[0])[1]+" SIP/2.0", via, "ACK", num)
		return
	}
	_, contact := res.header("Contact")
	target := strings.Trim(strings.Split(contact, ">")[0], "< ")
	ours := "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK-torture-"
	send("ACK "+target+" SIP/2.0", ours+"ack"+strconv.Itoa(num), "ACK", num)
	send("BYE "+target+" SIP/2.0", ours+"bye"+strconv.Itoa(num), "BYE", num+1)
	buf := make([]byte, 65535)
	_ = pc.SetReadDeadline(time.Now().Add(2 * time.Second))
	for {
		n, _, err := pc.ReadFrom(buf)
		if err != nil {
			t.Errorf("no answer to the BYE of %s", cidLine)
			return
		}
		m := parseSIPMsg(buf[:n])
		if _, c := m.header("CSeq"); strings.HasSuffix(c, "BYE") {
			if m.status != 200 {
				t.Errorf("BYE of %s answered %d", cidLine, m.status)
			}
			return
		}
	}
}
