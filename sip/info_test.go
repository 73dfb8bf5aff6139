package sip

import "testing"

func TestParseInfoDTMF(t *testing.T) {
	cases := []struct {
		ct, body string
		digit    rune
		ok       bool
		err      bool
	}{
		{"application/dtmf-relay", "Signal=5\r\nDuration=160\r\n", '5', true, false},
		{"application/dtmf-relay", "Signal= #\nDuration=100", '#', true, false},
		{"Application/DTMF-Relay; charset=utf-8", "signal=*\r\n", '*', true, false},
		{"application/dtmf-relay", "Signal=11\r\n", '#', true, false},
		{"application/dtmf-relay", "Duration=160\r\n", 0, false, true},
		{"application/dtmf-relay", "Signal=x\r\n", 0, false, true},
		{"application/dtmf", "7", '7', true, false},
		{"application/dtmf", " a \r\n", 'A', true, false},
		{"application/dtmf", "", 0, false, true},
		{"application/media_control+xml", "<media_control/>", 0, false, false},
		{"", "", 0, false, false},
	}
	for _, c := range cases {
		d, ok, err := ParseInfoDTMF(c.ct, []byte(c.body))
		if d != c.digit || ok != c.ok || (err != nil) != c.err {
			t.Errorf("ParseInfoDTMF(%q, %q) = %q, %v, %v; want %q, %v, err=%v", c.ct, c.body, d, ok, err, c.digit, c.ok, c.err)
		}
	}
}

func FuzzParseInfoDTMF(f *testing.F) {
	f.Add("application/dtmf-relay", []byte("Signal=5\r\nDuration=160\r\n"))
	f.Add("application/dtmf", []byte("#"))
	f.Fuzz(func(t *testing.T, ct string, body []byte) {
		d, ok, err := ParseInfoDTMF(ct, body)
		if ok && (err != nil || d == 0) {
			t.Fatalf("ok with err=%v digit=%q", err, d)
		}
	})
}
