package itest

import (
	"strings"
	"testing"
	"time"
)

// The recording notice with an opt-out key: the caller presses 9, the call
// reaches the agent (support records every call) but is not recorded, and
// the record says the caller declined.
func TestRecordingOptOut(t *testing.T) {
	requirePeers(t, "sipp", "baresip")
	h := startHotline(t, testConfigWith(queueOpts{flows: `flows:
  main:
    language: en
    start: notice
    nodes:
      notice:
        type: menu
        prompt: record_notice
        timeout: 2s
        retries: 1
        options: { "9": optout }
        fallback: support
      optout: { type: set, vars: { record: "no" }, next: support }
      support: { type: enqueue, queue: support }
`}))
	startAgent(t, "1002", "bob1002", agentSIP, agentCtl, switchAddr(), agentTone(t, 1000))
	waitFor(t, 5*time.Second, "agent ready", func() bool { return strings.Contains(h.Output(), "agent=1002 from=logged_out to=ready") })
	work := callerMedia(t, []pcapStep{{silenceMS: 1500}, {digit: '9'}, {silenceMS: 200}, {toneHz: 500, toneMS: 4000}})
	if out, err := runSIPp(t, work, "caller.xml", sippArgs("-d", "6000")...); err != nil {
		t.Fatalf("sipp: %v\n%s", err, tail(out, 2000))
	}
	waitFor(t, 5*time.Second, "record closed", func() bool { return strings.Contains(h.Output(), "call ended") })
	c := lastCall(t, h.db)
	if c.AgentID != "1002" || c.Disposition != "answered" || c.Recording != "" || c.Data["record"] != "no" {
		t.Errorf("record: agent %q disposition %q recording %q data %v, want answered, unrecorded, record=no",
			c.AgentID, c.Disposition, c.Recording, c.Data)
	}
	if !strings.Contains(h.Output(), "recording skipped: the caller opted out") {
		t.Errorf("the switch did not log the opt-out")
	}
}
