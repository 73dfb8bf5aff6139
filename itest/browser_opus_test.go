package itest

import (
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hotline/hotline/media"
)

// With server.webrtc.opus the page's audio is Opus both ways (the browser's
// own statistics say so), transcoded by the switch: the caller and the page
// still hear each other by frequency, and a digit the page sends as a
// telephone-event timed on the 48 kHz clock reaches the caller as an
// 8 kHz one; an ICE restart keeps Opus.
func TestBrowserAgentOpus(t *testing.T) {
	requirePeers(t, "sipp", "tshark")
	srv, _ := crm(t)
	cfg := strings.Replace(browserConfig(srv.URL), "ice_failed: 5s }", "ice_failed: 5s, opus: true }", 1)
	if !strings.Contains(cfg, "opus: true") {
		t.Fatal("config has no opus key")
	}
	h := startHotline(t, cfg)
	b := startBrowser(t, "1002", "bob1002", 1000)
	b.do("login")
	b.do("wait_state ready")
	if !strings.Contains(h.Output(), "opus offered to browsers") {
		t.Errorf("the switch did not report offering Opus")
	}

	work := callerMedia(t, []pcapStep{{silenceMS: 1500}, {digit: '2'}, {silenceMS: 1500}, {digit: '2'}, {silenceMS: 300}, {toneHz: 500, toneMS: 40000}})
	capt := startCapture(t, callerRTP, callerRTP)
	done := runSIPpAsync(t, work, "caller_wait.xml", sippArgs()...)
	b.do("wait_pop")
	b.do("answer")
	time.Sleep(1500 * time.Millisecond) // the jitter buffers fill

	c := b.do("codec")
	t.Logf("the page's codecs: %v", c)
	for _, dir := range []string{"inbound", "outbound"} {
		m, _ := c[dir].(map[string]any)
		if !strings.EqualFold(fmt.Sprint(m["mimeType"]), "audio/opus") || m["clockRate"] != 48000.0 {
			t.Errorf("%s audio is %v, want audio/opus at 48 kHz", dir, m)
		}
		if p, _ := m["packets"].(float64); p < 25 {
			t.Errorf("%s: only %v Opus packets", dir, m["packets"])
		}
	}
	p := b.do("peak 2500")
	t.Logf("the page hears the caller at %v Hz (%v dB)", p["peakHz"], p["maxDb"])
	if math.Abs(peakHz(t, p)-500) > 30 {
		t.Errorf("the page heard %v Hz from the caller, want 500", p)
	}
	// A 300 ms tone asked for. Chromium sends it as telephone-event/8000
	// but counts its duration on the 48 kHz audio clock and ends it once
	// that passes 2400 (8 kHz × 300 ms): 2880 by the 48 kHz clock, 480 at
	// 8 kHz. Whatever it does, converted right the length at 8 kHz is at
	// least the 40 ms of a real digit and at most the 2400 asked for;
	// passed through unconverted it would be six times the time it took.
	b.do("dtmf 5 300")
	// An ICE restart (a re-INVITE with the browser's own offer) keeps Opus
	// and the audio.
	b.do("ice_restart")
	time.Sleep(time.Second)
	if m, _ := b.do("codec")["inbound"].(map[string]any); !strings.EqualFold(fmt.Sprint(m["mimeType"]), "audio/opus") {
		t.Errorf("after the ICE restart the page receives %v", m)
	}
	if p := b.do("peak 1500"); math.Abs(peakHz(t, p)-500) > 30 {
		t.Errorf("after the ICE restart the page heard %v Hz, want 500", p)
	}
	b.do("hangup")
	awaitSIPp(t, done, 20*time.Second, "caller")

	end := callerHeardLast(t, capt)
	t.Logf("the caller hears 1 kHz at ratio %.2f", toneRatio(end, 1000))
	if r := toneRatio(end, 1000); r < 0.6 {
		t.Errorf("caller did not hear the browser's 1 kHz tone through Opus: ratio %.2f (rms %.3f)", r, rms(end))
	}
	events := capt.payloads(t, fmt.Sprintf("udp.dstport==%d && rtp.p_type==101", callerRTP))
	var digits string
	var longest uint16
	for _, e := range events {
		d, end, dur, ok := media.DecodeEvent(e)
		if !ok {
			continue
		}
		if !strings.ContainsRune(digits, d) {
			digits += string(d)
		}
		if end {
			longest = max(longest, dur)
		}
	}
	t.Logf("the caller got %d event packets: digits %q, final duration %d samples", len(events), digits, longest)
	if digits != "5" || longest < 320 || longest > 2400 {
		t.Errorf("the page's digit reached the caller as %q lasting %d samples at 8 kHz, want 5 lasting 320 to 2400", digits, longest)
	}
	// The recording (8 kHz G.711 like every other call's) has the
	// browser's decoded Opus on the agent channel.
	waitFor(t, 5*time.Second, "call record closed", func() bool { return strings.Contains(h.Output(), "call ended") })
	rec := lastCall(t, h.db)
	if rec.AgentID != "1002" || rec.Recording == "" {
		t.Fatalf("call record: agent %q recording %q", rec.AgentID, rec.Recording)
	}
	left, right := readStereo(t, filepath.Join(h.dir, rec.Recording))
	if r := toneRatio(right, 1000); r < 0.5 {
		t.Errorf("recording's agent channel: browser's 1 kHz ratio %.2f", r)
	}
	if r := toneRatio(left, 500); r < 0.5 {
		t.Errorf("recording's caller channel: 500 Hz ratio %.2f", r)
	}
}
