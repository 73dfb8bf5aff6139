package sip

import "testing"

func TestResponseCounts(t *testing.T) {
	var r responseCounts
	for _, m := range []string{
		"SIP/2.0 200 OK\r\n", "SIP/2.0 200 OK\r\n", "SIP/2.0 401 Unauthorized\r\n", "SIP/2.0 699 Whatever\r\n",
		"INVITE sip:5000@h SIP/2.0\r\n", "SIP/2.0 7xx bad\r\n", "SIP/2.0 099 low\r\n", "SIP/2.0 20", "",
	} {
		r.note([]byte(m))
	}
	s := &Server{}
	s.sent.byCode[200].Store(r.byCode[200].Load())
	s.sent.byCode[401].Store(r.byCode[401].Load())
	s.sent.byCode[699].Store(r.byCode[699].Load())
	got := s.ResponseCounts()
	if len(got) != 3 || got[200] != 2 || got[401] != 1 || got[699] != 1 {
		t.Errorf("counts %v, want 200:2 401:1 699:1 and nothing for requests or garbage", got)
	}
}
