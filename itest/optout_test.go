package itest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Recording opt-out: the IVR plays the notice as a menu; a caller who
// presses 9 goes through a "set" node (record: "no") and is not recorded,
// one who does not is. The choice stays in the call's data.
func TestRecordingOptOutInIVR(t *testing.T) {
	requirePeers(t, "sipp", "baresip")
	h := startHotline(t, testConfigWith(queueOpts{flows: `flows:
  main:
    language: en
    start: notice
    nodes:
      notice:
        type: menu
        prompt: welcome
        timeout: 2s
        retries: 1
        options: { "9": optout }
        fallback: support
      optout: { type: set, vars: { record: "no" }, next: support }
      support: { type: enqueue, queue: support }
`}))
	startAgent(t, "1002", "bob1002", agentSIP, agentCtl, switchAddr(), agentTone(t, 1000))
	waitFor(t, 5*time.Second, "agent ready", func() bool { return strings.Contains(h.Output(), "agent=1002 from=logged_out to=ready") })

	optout := callerMedia(t, []pcapStep{{silenceMS: 1000}, {digit: '9'}, {silenceMS: 200}, {toneHz: 500, toneMS: 4000}})
	if out, err := runSIPp(t, optout, "caller.xml", sippArgs("-d", "6000")...); err != nil {
		t.Fatalf("caller opting out: %v\n%s", err, tail(out, 2000))
	}
	waitFor(t, 5*time.Second, "first call ended", func() bool { return strings.Count(h.Output(), "msg=\"call ended\"") == 1 })
	first := lastCall(t, h.db)
	if first.AgentID != "1002" || first.Recording != "" || first.Data["record"] != "no" {
		t.Errorf("opted-out call: agent %q recording %q data %v", first.AgentID, first.Recording, first.Data)
	}
	waitFor(t, 5*time.Second, "agent ready again", func() bool {
		return strings.Count(h.Output(), "agent=1002 from=wrap_up to=ready") == 1
	})

	// No key: the menu falls through to the queue and the call is recorded.
	keep := callerMedia(t, []pcapStep{{silenceMS: 5000}, {toneHz: 500, toneMS: 4000}})
	if out, err := runSIPp(t, keep, "caller.xml", sippArgs("-d", "9000")...); err != nil {
		t.Fatalf("caller keeping the recording: %v\n%s", err, tail(out, 2000))
	}
	waitFor(t, 5*time.Second, "second call ended", func() bool { return strings.Count(h.Output(), "msg=\"call ended\"") == 2 })
	second := lastCall(t, h.db)
	if second.ID == first.ID || second.AgentID != "1002" || second.Recording == "" || second.Data["record"] == "no" {
		t.Fatalf("recorded call: agent %q recording %q data %v", second.AgentID, second.Recording, second.Data)
	}
	if _, err := os.Stat(filepath.Join(h.dir, second.Recording)); err != nil {
		t.Errorf("recording file: %v", err)
	}
	if strings.Contains(h.Output(), first.ID+".wav") {
		t.Errorf("a recording was started for the opted-out call")
	}
}
