package itest

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"
)

// The checks every agent-page call test makes, whichever browser runs it.

// popAnswerHear waits for the screen pop of a caller_wait.xml call (ANI
// sipp, queue support, digits 2 then 1, the CRM's tier), answers on the
// page and checks the page hears the caller's 500 Hz.
func popAnswerHear(t *testing.T, b *browser, who string) {
	t.Helper()
	pop := b.do("wait_pop")
	shown, _ := pop["shown"].(map[string]any)
	if shown["pop-ani"] != "sipp" || shown["pop-queue"] != "support" || shown["pop-digits"] != "21" {
		t.Errorf("screen pop shows %v", shown)
	}
	if data := fmt.Sprint(shown["data"]); !strings.Contains(data, "http.tier=gold") {
		t.Errorf("screen pop lacks the CRM data: %s", data)
	}
	b.do("answer")
	time.Sleep(1500 * time.Millisecond) // the jitter buffers fill
	hears(t, b, who, 3000)
}

// hears checks the page hears the caller's 500 Hz over ms.
func hears(t *testing.T, b *browser, who string, ms int) {
	t.Helper()
	p := b.do(fmt.Sprintf("peak %d", ms))
	t.Logf("%s hears the caller at %v Hz (%v dB)", who, p["peakHz"], p["maxDb"])
	if math.Abs(peakHz(t, p)-500) > 30 {
		t.Errorf("%s heard %v Hz from the caller, want 500", who, p)
	}
}

// holdResumeRestart holds and resumes from the page (CTI commands the
// switch confirms with call.held / call.unheld), then restarts ICE (the
// page's Reconnect audio: a re-INVITE), and checks the audio goes on.
func holdResumeRestart(t *testing.T, b *browser, who string) {
	t.Helper()
	if r := b.do("hold"); r["held"] != true {
		t.Errorf("hold: %v", r)
	}
	time.Sleep(500 * time.Millisecond)
	if r := b.do("hold"); r["held"] != false {
		t.Errorf("resume: %v", r)
	}
	b.do("ice_restart")
	time.Sleep(time.Second)
	hears(t, b, who+" after the ICE restart", 2000)
}

// callerHeardLast returns the last two seconds the caller received
// (PCMU on its RTP port), failing the test below four seconds in all.
func callerHeardLast(t *testing.T, capt *capture) []int16 {
	t.Helper()
	heard := decodeULaw(capt.payloads(t, fmt.Sprintf("udp.dstport==%d && rtp.p_type==0", callerRTP)))
	if len(heard) < 4*rate {
		t.Fatalf("caller received only %d samples", len(heard))
	}
	return heard[len(heard)-2*rate:]
}
