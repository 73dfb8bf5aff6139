package sip

import (
	"bytes"
	"os"
	"testing"

	"github.com/emiago/sipgo/sip"
)

func TestRelaxValue(t *testing.T) {
	for in, want := range map[string]string{
		"SIP  /   2.0 /UDP    192.0.2.2;branch=390skdjuw":                    "SIP/2.0/UDP 192.0.2.2;branch=390skdjuw",
		"sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n":         "sip:vivekg@chair-dnrc.example.com;tag=1918181833n",
		`"J Rosenberg \\\""       <sip:jdrosen@example.com> ; tag = 98asjd8`: `"J Rosenberg \\\"" <sip:jdrosen@example.com>;tag=98asjd8`,
		`"a ; b = c" <sip:x@y ;lr>`:                                          `"a ; b = c" <sip:x@y ;lr>`, // quoted strings and URIs keep theirs
		"SIP/2.0/TCP h ; branch = z9hG4bK1 , SIP / 2.0 / UDP h2":             "SIP/2.0/TCP h;branch=z9hG4bK1, SIP/2.0/UDP h2",
		"0009 INVITE":                   "0009 INVITE",
		"Alice Smith <sip:a@b>;q = 0.5": "Alice Smith <sip:a@b>;q=0.5",
	} {
		if got := relaxValue(in); got != want {
			t.Errorf("relaxValue(%q) = %q, want %q", in, got, want)
		}
	}
}

// A well-formed request is handed on as it is (the same bytes, no copy);
// of the torture messages only those with LWS the parser cannot take
// (wsinv), space before a header's colon (longreq) or folded lines
// (scalar02, semiuri, esc01) are rewritten — the last four the parser
// reads either way.
func TestRelaxLWSLeavesWellFormedAlone(t *testing.T) {
	rewritten := map[string]bool{"wsinv": true, "longreq": true, "scalar02": true, "semiuri": true, "esc01": true}
	for name, data := range tortureFiles(t) {
		out := relaxLWS(data)
		if got := &out[0] != &data[0]; got != rewritten[name] {
			t.Errorf("%s: rewritten %v, want %v:\n%s", name, got, rewritten[name], out)
		}
	}
	inv := []byte("INVITE sip:5000@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK1\r\n" +
		"From: \"A  B\" <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:5000@127.0.0.1>\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\n" +
		"Allow: INVITE, ACK, BYE\r\nSubject: two  spaces / kept\r\nContent-Length: 0\r\n\r\n")
	if out := relaxLWS(inv); &out[0] != &inv[0] {
		t.Errorf("well-formed INVITE rewritten:\n%s", out)
	}
}

// RFC 4475 wsinv is valid: once relaxed the parser reads its dialog
// identifiers, so the switch can answer it as the RFC expects.
func TestRelaxLWSMakesWsinvReadable(t *testing.T) {
	data, err := os.ReadFile("../testdata/sip/torture/wsinv.txt")
	if err != nil {
		t.Fatal(err)
	}
	msg, err := sip.ParseMessage(relaxLWS(data))
	if err != nil {
		t.Fatalf("relaxed wsinv unreadable: %v\n%s", err, relaxLWS(data))
	}
	req := msg.(*sip.Request)
	if tag, _ := req.To().Params.Get("tag"); tag != "1918181833n" {
		t.Errorf("To tag %q", tag)
	}
	if tag, _ := req.From().Params.Get("tag"); tag != "98asjd8" {
		t.Errorf("From tag %q", tag)
	}
	if v := req.Via(); v == nil || v.Host != "192.0.2.2" || v.Transport != "UDP" {
		t.Errorf("top Via %v", v)
	}
	if c := req.CSeq(); c == nil || c.SeqNo != 9 || c.MethodName != sip.INVITE {
		t.Errorf("CSeq %v", c)
	}
	if len(req.GetHeaders("Via")) < 2 || req.ContentLength() == nil || int(*req.ContentLength()) != len(req.Body()) {
		t.Errorf("Vias %d, body %d bytes, Content-Length %v", len(req.GetHeaders("Via")), len(req.Body()), req.ContentLength())
	}
}

func BenchmarkRelaxLWS(b *testing.B) {
	inv := []byte("INVITE sip:5000@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK1\r\n" +
		"From: sipp <sip:sipp@127.0.0.1:5070>;tag=1\r\nTo: <sip:5000@127.0.0.1>\r\nCall-ID: x@127.0.0.1\r\nCSeq: 1 INVITE\r\n" +
		"Contact: <sip:sipp@127.0.0.1:5070>\r\nMax-Forwards: 70\r\nContent-Type: application/sdp\r\nContent-Length: 0\r\n\r\n")
	b.Run("baseline-parse", func(b *testing.B) {
		for range b.N {
			_, _ = sip.ParseMessage(inv)
		}
	})
	b.Run("relax-then-parse", func(b *testing.B) {
		for range b.N {
			_, _ = sip.ParseMessage(relaxLWS(inv))
		}
	})
}

// FuzzRelaxLWS: the cheap check agrees with the rewrite on any value, and
// relaxing any datagram never panics and keeps its body.
func FuzzRelaxLWS(f *testing.F) {
	for _, b := range tortureFiles(f) {
		f.Add(b)
	}
	f.Add([]byte(`"a\" ; b" <sip:x ; y> ;  tag = 1 ,  , x`))
	f.Fuzz(func(t *testing.T, data []byte) {
		tv := bytes.Trim(data, " \t") // header values reach both trimmed
		v := string(tv)
		if looseLWS(tv) != (relaxValue(v) != v) {
			t.Fatalf("looseLWS %v but relaxValue %q -> %q", looseLWS(tv), v, relaxValue(v))
		}
		out := relaxLWS(data)
		if i := bytes.Index(data, []byte("\r\n\r\n")); i >= 0 && !bytes.HasSuffix(out, data[i:]) {
			t.Fatalf("body changed: %q -> %q", data, out)
		}
	})
}
