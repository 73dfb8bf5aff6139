package sdp

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
)

const sippOffer = "v=0\r\no=user1 53655765 2353687637 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 6100 RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=ptime:20\r\na=sendrecv\r\n"

const baresipAnswer = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 60248 RTP/AVP 8 101\r\nb=AS:64\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=sendrecv\r\na=label:1\r\na=ssrc:1 cname:x\r\n"

const chromeLike = "v=0\no=- 4611731400430051336 2 IN IP4 127.0.0.1\ns=-\nt=0 0\nm=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126\nc=IN IP4 10.1.2.3\na=rtpmap:111 opus/48000/2\na=rtpmap:9 G722/8000\na=rtpmap:0 PCMU/8000\na=rtpmap:8 PCMA/8000\na=rtpmap:126 telephone-event/8000\na=rtpmap:110 telephone-event/48000\na=sendrecv\n"

func TestParse(t *testing.T) {
	cases := []struct {
		name, body string
		addr       string
		codecs     string
		dtmf       int
		dir        Direction
	}{
		{"sipp", sippOffer, "127.0.0.1:6100", "PCMU", 101, SendRecv},
		{"baresip", baresipAnswer, "127.0.0.1:60248", "PCMA", 101, SendRecv},
		{"chrome media-level c=", chromeLike, "10.1.2.3:9", "OPUS,G722,PCMU,PCMA", 126, SendRecv},
		{"hold sendonly", strings.Replace(sippOffer, "a=sendrecv", "a=sendonly", 1), "127.0.0.1:6100", "PCMU", 101, SendOnly},
		{"hold inactive session-level", strings.Replace(strings.Replace(sippOffer, "a=sendrecv\r\n", "", 1), "t=0 0\r\n", "t=0 0\r\na=inactive\r\n", 1), "127.0.0.1:6100", "PCMU", 101, Inactive},
		{"hold c=0.0.0.0", strings.Replace(sippOffer, "c=IN IP4 127.0.0.1", "c=IN IP4 0.0.0.0", 1), "0.0.0.0:6100", "PCMU", 101, SendOnly},
		{"static without rtpmap", "v=0\r\nc=IN IP4 192.0.2.1\r\nm=audio 4000 RTP/AVP 8 0\r\n", "192.0.2.1:4000", "PCMA,PCMU", -1, SendRecv},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := Parse([]byte(c.body))
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, x := range m.Codecs {
				names = append(names, x.Name)
			}
			dtmf := -1
			if m.DTMF != nil {
				dtmf = int(m.DTMF.PT)
			}
			if m.Addr.String() != c.addr || strings.Join(names, ",") != c.codecs || dtmf != c.dtmf || m.Dir != c.dir {
				t.Fatalf("got %s %v dtmf=%d %s", m.Addr, names, dtmf, m.Dir)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	for name, body := range map[string]string{
		"empty":      "",
		"no v":       "c=IN IP4 1.2.3.4\r\nm=audio 1 RTP/AVP 0\r\n",
		"no audio":   "v=0\r\nc=IN IP4 1.2.3.4\r\nm=video 1 RTP/AVP 96\r\n",
		"port 0":     "v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 0 RTP/AVP 0\r\n",
		"bad c":      "v=0\r\nc=IN IP4\r\nm=audio 1 RTP/AVP 0\r\n",
		"bad addr":   "v=0\r\nc=IN IP4 nothere\r\nm=audio 1 RTP/AVP 0\r\n",
		"bad line":   "v=0\r\nxyz\r\n",
		"bad pt":     "v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 1 RTP/AVP 300\r\n",
		"bad rtpmap": "v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 1 RTP/AVP 0\r\na=rtpmap:x PCMU/8000\r\n",
	} {
		_, err := Parse([]byte(body))
		var se *Error
		if err == nil || !errors.As(err, &se) || se.Status() != 488 {
			t.Errorf("%s: err=%v, want an SDP error with status 488", name, err)
		}
	}
}

func TestAnswerPrefersAndRejects(t *testing.T) {
	local := netip.MustParseAddrPort("127.0.0.1:20000")
	offer, _ := Parse([]byte(strings.Replace(chromeLike, "UDP/TLS/RTP/SAVPF", "RTP/AVP", 1)))
	ans, chosen, err := Answer(offer, local, []string{"PCMU", "PCMA"}, SendRecv)
	if err != nil {
		t.Fatal(err)
	}
	if chosen.Codecs[0].Name != "PCMU" || chosen.DTMF.PT != 126 || chosen.Addr.String() != "10.1.2.3:9" {
		t.Fatalf("chosen %+v", chosen)
	}
	back, err := Parse(ans)
	if err != nil {
		t.Fatal(err)
	}
	if back.Addr != local || len(back.Codecs) != 1 || back.Codecs[0].PT != 0 || back.DTMF == nil || back.DTMF.PT != 126 {
		t.Fatalf("answer round trip %+v\n%s", back, ans)
	}
	g729, _ := Parse([]byte("v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 5 RTP/AVP 18\r\n"))
	if _, _, err := Answer(g729, local, []string{"PCMU", "PCMA"}, SendRecv); !errors.Is(err, ErrNoCodec) {
		t.Fatalf("G.729-only offer: %v", err)
	}
}

func TestOfferNegotiate(t *testing.T) {
	local := netip.MustParseAddrPort("127.0.0.1:20002")
	o := Offer(local, []Codec{{0, "PCMU", 8000}, {8, "PCMA", 8000}}, &Codec{101, "telephone-event", 8000}, SendOnly, 7, 8)
	m, err := Parse(o)
	if err != nil {
		t.Fatal(err)
	}
	if m.Dir != SendOnly || len(m.Codecs) != 2 || m.DTMF.PT != 101 {
		t.Fatalf("offer parsed as %+v", m)
	}
	ans, _ := Parse([]byte(baresipAnswer))
	got, err := Negotiate(m, ans)
	if err != nil || got.Codecs[0].Name != "PCMA" || got.Addr.Port() != 60248 {
		t.Fatalf("negotiate: %+v %v", got, err)
	}
}

func TestDirectionString(t *testing.T) {
	for d, s := range map[Direction]string{SendRecv: "sendrecv", SendOnly: "sendonly", RecvOnly: "recvonly", Inactive: "inactive", 9: "unknown"} {
		if d.String() != s {
			t.Errorf("%d: %s", d, d)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{sippOffer, baresipAnswer, chromeLike, "v=0\r\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Parse(b)
		if err == nil && (m == nil || !m.Addr.IsValid()) {
			t.Fatal("nil media without error")
		}
	})
}
