package itest

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"
)

// The agent desktop in Firefox ESR (puppeteer-core over WebDriver BiDi): the
// same whole call as in Chromium. The agent logs in, a SIPp caller goes
// through the IVR (2, 1 → CRM lookup) into the support queue, the page pops
// the caller's data, the test clicks Answer; the page hears the caller's
// 500 Hz (WebAudio), the caller hears Firefox's fake microphone (1200 Hz,
// not its default 1 kHz, so the tone is known to come from this call's
// settings); Hold, Resume and Reconnect audio (an ICE restart) keep the
// audio; the agent hangs up on the page and the record is right.
func TestBrowserAgentFirefox(t *testing.T) {
	requirePeers(t, "sipp", "tshark")
	srv, _ := crm(t)
	h := startHotline(t, browserConfig(srv.URL))
	b := startBrowserWith(t, "firefox", fmt.Sprintf("http://127.0.0.1:%d/agent/", httpPort), "1002", "bob1002", 1200)
	b.do("login")
	if st := b.do("wait_state ready"); st["state"] != "ready" {
		t.Fatalf("agent state after login: %v", st)
	}
	if !strings.Contains(h.Output(), "transport=ws") {
		t.Errorf("Firefox did not register over the WebSocket")
	}

	work := callerMedia(t, []pcapStep{{silenceMS: 1500}, {digit: '2'}, {silenceMS: 1500}, {digit: '1'}, {silenceMS: 300}, {toneHz: 500, toneMS: 40000}})
	capt := startCapture(t, callerRTP, callerRTP)
	done := runSIPpAsync(t, work, "caller_wait.xml", sippArgs()...)

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
	p := b.do("peak 3000")
	t.Logf("Firefox hears the caller at %v Hz (%v dB)", p["peakHz"], p["maxDb"])
	if math.Abs(peakHz(t, p)-500) > 30 {
		t.Errorf("Firefox heard %v Hz from the caller, want 500", p)
	}
	// Hold and resume (CTI), then the page's Reconnect audio: an ICE restart
	// offered by Firefox in a re-INVITE; the audio goes on both ways.
	if r := b.do("hold"); r["held"] != true {
		t.Errorf("hold: %v", r)
	}
	time.Sleep(500 * time.Millisecond)
	if r := b.do("hold"); r["held"] != false {
		t.Errorf("resume: %v", r)
	}
	b.do("ice_restart")
	time.Sleep(time.Second)
	p = b.do("peak 2000")
	t.Logf("after the ICE restart Firefox hears %v Hz", p["peakHz"])
	if math.Abs(peakHz(t, p)-500) > 30 {
		t.Errorf("after the ICE restart Firefox heard %v Hz, want 500", p)
	}
	b.do("hangup")
	awaitSIPp(t, done, 20*time.Second, "caller")
	b.do("wrapup resolved")

	heard := decodeULaw(capt.payloads(t, fmt.Sprintf("udp.dstport==%d && rtp.p_type==0", callerRTP)))
	if len(heard) < 4*rate {
		t.Fatalf("caller received only %d samples", len(heard))
	}
	end := heard[len(heard)-2*rate:]
	t.Logf("the caller hears 1200 Hz at ratio %.2f, 1 kHz at %.2f", toneRatio(end, 1200), toneRatio(end, 1000))
	if r := toneRatio(end, 1200); r < 0.6 {
		t.Errorf("caller did not hear Firefox's 1200 Hz tone: ratio %.2f (rms %.3f)", r, rms(end))
	}
	waitFor(t, 5*time.Second, "call record closed", func() bool { return strings.Contains(h.Output(), "call ended") })
	c := lastCall(t, h.db)
	if c.AgentID != "1002" || c.Queue != "support" || c.Disposition != "answered" || c.HangupSide != "agent" ||
		c.IVRDigits != "21" || c.Data["http.tier"] != "gold" || c.AnsweredAt.IsZero() {
		t.Errorf("call record: agent=%q queue=%q disposition=%q side=%q digits=%q data=%v answered=%v",
			c.AgentID, c.Queue, c.Disposition, c.HangupSide, c.IVRDigits, c.Data, c.AnsweredAt)
	}
}
