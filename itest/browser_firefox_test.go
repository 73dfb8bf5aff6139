package itest

import (
	"fmt"
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

	popAnswerHear(t, b, "Firefox")
	holdResumeRestart(t, b, "Firefox")
	b.do("hangup")
	awaitSIPp(t, done, 20*time.Second, "caller")
	b.do("wrapup resolved")

	end := callerHeardLast(t, capt)
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
