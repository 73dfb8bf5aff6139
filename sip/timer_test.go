package sip

import (
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"
)

func inviteWith(hdrs ...[2]string) *sip.Request {
	req := sip.NewRequest(sip.INVITE, sip.Uri{User: "5000", Host: "127.0.0.1"})
	for _, h := range hdrs {
		req.AppendHeader(sip.NewHeader(h[0], h[1]))
	}
	return req
}

func TestSessionTimerNegotiation(t *testing.T) {
	cfg := TimerConfig{Expires: 1800 * time.Second, MinSE: 90 * time.Second}
	for _, tc := range []struct {
		name    string
		hdrs    [][2]string
		want    string // interval/refresher/require, or "none"
		reject  time.Duration
		badHdrs bool
	}{
		{name: "no timer headers: none", want: "none"},
		{name: "supported only: Hotline proposes its interval, caller refreshes",
			hdrs: [][2]string{{"Supported", "replaces, timer"}}, want: "30m0s/uac/true"},
		{name: "caller's interval and refresher kept",
			hdrs: [][2]string{{"Supported", "timer"}, {"Session-Expires", "600;refresher=uas"}}, want: "10m0s/uas/true"},
		{name: "no refresher and no timer support: Hotline refreshes",
			hdrs: [][2]string{{"Session-Expires", "300"}}, want: "5m0s/uas/false"},
		{name: "compact forms",
			hdrs: [][2]string{{"k", "timer"}, {"x", "120"}}, want: "2m0s/uac/true"},
		{name: "below Min-SE: 422", hdrs: [][2]string{{"Session-Expires", "60"}}, reject: 90 * time.Second},
		{name: "caller's larger Min-SE raises a proposal",
			hdrs: [][2]string{{"Supported", "timer"}, {"Min-SE", "3600"}}, want: "1h0m0s/uac/true"},
		{name: "unreadable Session-Expires", hdrs: [][2]string{{"Session-Expires", "soon"}}, want: "none", badHdrs: true},
		{name: "unknown refresher", hdrs: [][2]string{{"Session-Expires", "300;refresher=both"}}, want: "5m0s/both/false", badHdrs: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := readTimerOffer(inviteWith(tc.hdrs...))
			if o.bad != tc.badHdrs {
				t.Fatalf("bad = %v, want %v", o.bad, tc.badHdrs)
			}
			st, reject := negotiateTimer(o, cfg)
			if reject != tc.reject {
				t.Fatalf("reject %v, want %v", reject, tc.reject)
			}
			got := "none"
			if st != nil {
				got = st.interval.String() + "/" + st.refresher + "/" + map[bool]string{true: "true", false: "false"}[st.require]
			}
			if tc.reject == 0 && got != tc.want {
				t.Errorf("timer %s, want %s", got, tc.want)
			}
		})
	}
	st := &sessionTimer{interval: 90 * time.Second, refresher: "uac", require: true}
	if d := st.deadline(); d != 60*time.Second {
		t.Errorf("deadline of 90 s: %v, want 60 s", d)
	}
	if d := (&sessionTimer{interval: 1800 * time.Second}).deadline(); d != 1768*time.Second {
		t.Errorf("deadline of 1800 s: %v, want 1768 s", d)
	}
	hs := st.responseHeaders()
	if len(hs) != 2 || hs[0].Value() != "90;refresher=uac" || hs[1].Value() != "timer" {
		t.Errorf("response headers %v", hs)
	}
}
