package sip

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/emiago/sipgo/sip"
)

// tortureFiles returns the RFC 4475 messages (and Hotline's additions) by name.
func tortureFiles(t testing.TB) map[string][]byte {
	t.Helper()
	files, err := filepath.Glob("../testdata/sip/torture/*.txt")
	if err != nil || len(files) < 49 {
		t.Fatalf("torture messages: %d files, %v", len(files), err)
	}
	m := map[string][]byte{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m[strings.TrimSuffix(filepath.Base(f), ".txt")] = b
	}
	return m
}

// What the datagram check answers by itself (0: handed on to the SIP
// stack, which answers or, for responses, absorbs).
var tortureFilter = map[string]int{
	"badaspec": 400, "baddn": 400, "badinv01": 400, "badvers": 505, "clerr": 400, "escruri": 400,
	"insuf": 400, "ltgtruri": 400, "lwsruri": 400, "lwsstart": 400, "mcl01": 400, "mismatch01": 400,
	"mismatch02": 400, "multi01": 400, "ncl": 400, "novelsc": 416, "quotbal": 400, "regbadct": 400,
	"scalar02": 400, "trws": 400, "unkscm": 416, "hl-badmf-invite": 400,
}

// Responses are never answered.
var tortureResponses = map[string]bool{"bcast": true, "bigcode": true, "noreason": true, "scalarlg": true, "unreason": true}

func TestTortureMessagesAtTheDatagramCheck(t *testing.T) {
	for name, data := range tortureFiles(t) {
		// The parser must survive every message, whatever it makes of it.
		_, _ = sip.ParseMessage(data)
		method, f, lines := requestFault(data)
		if tortureResponses[name] {
			if method != "" || f.code != 0 {
				t.Errorf("%s: a response taken for a request %q (%d)", name, method, f.code)
			}
			continue
		}
		if method == "" {
			t.Errorf("%s: not recognised as a request", name)
			continue
		}
		if f.code != tortureFilter[name] {
			t.Errorf("%s: answered %d %q at the datagram check, want %d", name, f.code, f.reason, tortureFilter[name])
		}
		if f.code == 0 {
			continue
		}
		// The answer echoes the request's own (possibly broken) lines, so
		// check it as text: our status line, their Call-ID.
		res := string(faultResponse(f, lines))
		if !strings.HasPrefix(res, fmt.Sprintf("SIP/2.0 %d %s\r\n", f.code, f.reason)) {
			t.Errorf("%s: answer starts %q", name, res[:min(len(res), 60)])
		}
		if cid := lines["Call-ID"]; cid != "" && !strings.Contains(res, "\r\n"+cid+"\r\n") {
			t.Errorf("%s: answer lacks the request's %q", name, cid)
		}
	}
}

func TestRefusalOfWellFormedRequests(t *testing.T) {
	files := tortureFiles(t)
	cases := map[string]int{"bext01": 420, "hl-require-invite": 420, "hl-zeromf-invite": 483, "sdp01": 406,
		"unksm2": 400, "zeromf": 0, "esc01": 0, "invut": 0, "cparam01": 0, "lwsdisp": 0}
	for name, want := range cases {
		msg, err := sip.ParseMessage(files[name])
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		code, reason, hdrs := refusal(msg.(*sip.Request))
		if code != want {
			t.Errorf("%s: refused %d %q, want %d", name, code, reason, want)
		}
		if code == 420 && (len(hdrs) != 1 || hdrs[0].Name() != "Unsupported" || hdrs[0].Value() == "") {
			t.Errorf("%s: 420 without Unsupported: %v", name, hdrs)
		}
	}
	if c, _ := unservedStatus("MESSAGE"); c != 405 {
		t.Errorf("MESSAGE: %d, want 405", c)
	}
	if c, _ := unservedStatus("!interesting-Method"); c != 501 {
		t.Errorf("unknown method: %d, want 501", c)
	}
}

// FuzzRequestFault: any datagram, seeded with the RFC 4475 messages. The
// check never panics; every answer it builds has the status it decided, a
// clean reason phrase and no line a peer could split into extra headers.
func FuzzRequestFault(f *testing.F) {
	for _, b := range tortureFiles(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		method, fl, lines := requestFault(data)
		if fl.code == 0 {
			return
		}
		if method == "" || fl.code < 400 || fl.code > 599 {
			t.Fatalf("fault %d for method %q", fl.code, method)
		}
		res := string(faultResponse(fl, lines))
		head, rest, ok := strings.Cut(res, "\r\n\r\n")
		if !ok || rest != "" {
			t.Fatalf("answer not one header block: %q", res)
		}
		hl := strings.Split(head, "\r\n")
		if want := fmt.Sprintf("SIP/2.0 %d %s", fl.code, printable(fl.reason, 200)); hl[0] != want {
			t.Fatalf("status line %q, want %q", hl[0], want)
		}
		for _, l := range hl {
			if l == "" || strings.ContainsAny(l, "\r\n") {
				t.Fatalf("answer line %q could be split", l)
			}
		}
	})
}
