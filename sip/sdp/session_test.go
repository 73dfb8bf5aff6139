package sdp

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
)

// linphoneOffer is a desktop softphone's multi-codec offer with media-level
// c=, two telephone-events and a session-level direction the stream overrides.
const linphoneOffer = "v=0\r\no=alice 2890 2891 IN IP4 192.168.1.20\r\ns=Talk\r\nc=IN IP4 192.168.1.20\r\nt=0 0\r\na=inactive\r\n" +
	"m=audio 7078 RTP/AVP 96 9 8 0 101 97\r\nc=IN IP4 192.168.1.21\r\na=rtpmap:96 opus/48000/2\r\na=fmtp:96 useinbandfec=1\r\n" +
	"a=rtpmap:101 telephone-event/48000\r\na=rtpmap:97 telephone-event/8000\r\na=rtcp-fb:* trr-int 1000\r\na=sendrecv\r\n"

func TestParseMore(t *testing.T) {
	m, err := Parse([]byte(linphoneOffer))
	if err != nil {
		t.Fatal(err)
	}
	if m.Addr.String() != "192.168.1.21:7078" || m.Dir != SendRecv || m.DTMF == nil || m.DTMF.PT != 97 ||
		m.SessionID != 2890 || m.SessionVersion != 2891 || m.Proto != "RTP/AVP" || len(m.Codecs) != 4 {
		t.Fatalf("%+v", m)
	}
	for _, c := range []struct {
		name, body string
		dir        Direction
	}{
		{"c=0.0.0.0 recvonly", strings.Replace(strings.Replace(sippOffer, "127.0.0.1\r\nt=", "0.0.0.0\r\nt=", 1), "a=sendrecv", "a=recvonly", 1), Inactive},
		{"c=0.0.0.0 inactive", strings.Replace(strings.Replace(sippOffer, "127.0.0.1\r\nt=", "0.0.0.0\r\nt=", 1), "a=sendrecv", "a=inactive", 1), Inactive},
		{"recvonly", strings.Replace(sippOffer, "a=sendrecv", "a=recvonly", 1), RecvOnly},
		{"session sendonly", strings.Replace(strings.Replace(sippOffer, "a=sendrecv\r\n", "", 1), "t=0 0\r\n", "t=0 0\r\na=sendonly\r\n", 1), SendOnly},
	} {
		m, err := Parse([]byte(c.body))
		if err != nil || m.Dir != c.dir {
			t.Errorf("%s: %v %v", c.name, m, err)
		}
	}
}

func TestAnswerDir(t *testing.T) {
	cases := []struct{ offered, want, got Direction }{
		{SendRecv, SendRecv, SendRecv},
		{SendOnly, SendRecv, RecvOnly}, // they hold us
		{RecvOnly, SendRecv, SendOnly},
		{Inactive, SendRecv, Inactive},
		{SendRecv, SendOnly, SendOnly}, // we hold them
		{SendOnly, SendOnly, Inactive},
		{SendRecv, Inactive, Inactive},
	}
	for _, c := range cases {
		if got := AnswerDir(c.offered, c.want); got != c.got {
			t.Errorf("offer %s, want %s: %s, expected %s", c.offered, c.want, got, c.got)
		}
	}
	// Answer applies it: a hold offer gets a=recvonly even if we ask sendrecv.
	offer, _ := Parse([]byte(strings.Replace(sippOffer, "a=sendrecv", "a=sendonly", 1)))
	ans, _, err := Answer(offer, netip.MustParseAddrPort("127.0.0.1:20000"), []string{"PCMU"}, SendRecv)
	if err != nil || !strings.Contains(string(ans), "a=recvonly\r\n") {
		t.Fatalf("%v\n%s", err, ans)
	}
}

func TestAnswerRejectsSRTP(t *testing.T) {
	for _, body := range []string{chromeLike, strings.Replace(sippOffer, "RTP/AVP", "RTP/SAVP", 1)} {
		offer, err := Parse([]byte(body))
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = Answer(offer, netip.MustParseAddrPort("127.0.0.1:20000"), []string{"PCMU"}, SendRecv)
		var se *Error
		if !errors.Is(err, ErrTransport) || !errors.As(err, &se) || se.Status() != 488 {
			t.Fatalf("%s: %v", offer.Proto, err)
		}
	}
}

// Within a dialog the o= id stays; the version rises only on a change.
func TestSessionVersions(t *testing.T) {
	s := NewSession()
	local := netip.MustParseAddrPort("127.0.0.1:20000")
	offer, _ := Parse([]byte(sippOffer))
	var got []*Media
	for _, dir := range []Direction{SendRecv, SendRecv, SendOnly} {
		b, _, err := s.Answer(offer, local, []string{"PCMU"}, dir)
		if err != nil {
			t.Fatal(err)
		}
		m, err := Parse(b)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, m)
	}
	b := s.Offer(local, []Codec{{0, "PCMU", 8000}}, nil, SendRecv)
	m, _ := Parse(b)
	got = append(got, m)
	for i, m := range got {
		if m.SessionID != got[0].SessionID {
			t.Fatalf("answer %d changed the session id", i)
		}
	}
	v := func(i int) uint64 { return got[i].SessionVersion }
	if v(1) != v(0) || v(2) != v(0)+1 || v(3) != v(0)+2 {
		t.Fatalf("versions %d %d %d %d", v(0), v(1), v(2), v(3))
	}
}
