package itest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hotline/hotline/store"
)

// ivrFlows is a two-level menu: 1 sales; 2 a support menu where 1 asks the
// CRM (http node) for the caller's priority and 2 queues plainly. The
// support queue sends callers to a survey after the agent hangs up.
func ivrFlows(crmURL string) string {
	return fmt.Sprintf(`flows:
  main:
    language: en
    start: welcome
    nodes:
      welcome: { type: play, prompts: [welcome], barge_in: true, next: menu }
      menu:
        type: menu
        prompt: menu_sales_support
        timeout: 5s
        retries: 2
        invalid_prompt: invalid
        options: { "1": sales, "2": support_menu }
        fallback: support
      support_menu:
        type: menu
        prompt: menu_sales_support
        timeout: 5s
        retries: 2
        invalid_prompt: invalid
        options: { "1": lookup, "2": support }
        fallback: support
      lookup: { type: http, url: %q, method: POST, timeout: 2s, next: priority, on_error: support }
      priority: { type: enqueue, queue: support, priority_from: "${http.priority}" }
      sales: { type: enqueue, queue: sales }
      support: { type: enqueue, queue: support }
  survey:
    language: en
    start: ask
    nodes:
      ask: { type: survey, prompt: survey_prompt, timeout: 10s, next: thanks }
      thanks: { type: play, prompts: [thanks], next: bye }
      bye: { type: hangup }
`, crmURL)
}

// crm is a local CRM webhook that marks every caller priority 7.
func crm(t *testing.T) (*httptest.Server, func() []map[string]any) {
	t.Helper()
	var mu sync.Mutex
	var got []map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		mu.Lock()
		got = append(got, m)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"priority":"7","tier":"gold"}`))
	}))
	t.Cleanup(srv.Close)
	return srv, func() []map[string]any { mu.Lock(); defer mu.Unlock(); return got }
}

func ivrHotline(t *testing.T, maxWait string) (*hotline, func() []map[string]any) {
	srv, requests := crm(t)
	return startHotline(t, testConfigWith(queueOpts{maxWait: maxWait, extra: ", survey: survey", flows: ivrFlows(srv.URL)})), requests
}

// Two-level menu with RFC 4733 digits 2 then 1; the CRM lookup raises the
// caller's priority in the queue.
func TestIVRTwoLevelMenuAndCRMPriority(t *testing.T) {
	requirePeers(t, "sipp")
	h, requests := ivrHotline(t, "60s")
	work := callerMedia(t, []pcapStep{{silenceMS: 1500}, {digit: '2'}, {silenceMS: 1500}, {digit: '1'}, {silenceMS: 2000}})
	if out, err := runSIPp(t, work, "caller.xml", sippArgs("-d", "6000")...); err != nil {
		t.Fatalf("sipp: %v\n%s", err, tail(out, 2000))
	}
	waitFor(t, 5*time.Second, "record closed", func() bool { return strings.Contains(h.Output(), "call ended") })
	if !strings.Contains(h.Output(), "queue=support ani=sipp priority=7") {
		t.Errorf("the CRM's priority 7 did not reach the queue")
	}
	if r := requests(); len(r) != 1 || r[0]["ani"] != "sipp" {
		t.Errorf("CRM requests %v, want one carrying the caller's ANI", r)
	}
	c := lastCall(t, h.db)
	if c.IVRDigits != "21" || c.Queue != "support" || c.Data["http.tier"] != "gold" {
		t.Errorf("record: digits %q queue %q data %v", c.IVRDigits, c.Queue, c.Data)
	}
}

// The same menu driven by SIP INFO (application/dtmf-relay) digits 2, 2.
func TestIVRWithSIPInfoDigits(t *testing.T) {
	requirePeers(t, "sipp")
	h, _ := ivrHotline(t, "60s")
	work := callerMedia(t, []pcapStep{{silenceMS: 4000}})
	if err := os.WriteFile(filepath.Join(work, "digits.csv"), []byte("SEQUENTIAL\n2;2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := runSIPp(t, work, "caller_info.xml", sippArgs("-d", "4000", "-inf", "digits.csv")...); err != nil {
		t.Fatalf("sipp: %v\n%s", err, tail(out, 2000))
	}
	waitFor(t, 5*time.Second, "record closed", func() bool { return strings.Contains(h.Output(), "call ended") })
	if c := lastCall(t, h.db); c.IVRDigits != "22" || c.Queue != "support" {
		t.Errorf("record: digits %q queue %q, want 22 and support", c.IVRDigits, c.Queue)
	}
}

// A trunk without telephone-event: the digit arrives as tones in the audio.
func TestIVRWithInbandTones(t *testing.T) {
	requirePeers(t, "sipp")
	h, _ := ivrHotline(t, "60s")
	work := callerMedia(t, []pcapStep{{silenceMS: 1500}, {inband: '1'}, {silenceMS: 2000}})
	if out, err := runSIPp(t, work, "caller_inband.xml", sippArgs("-d", "4000")...); err != nil {
		t.Fatalf("sipp: %v\n%s", err, tail(out, 2000))
	}
	waitFor(t, 5*time.Second, "record closed", func() bool { return strings.Contains(h.Output(), "call ended") })
	if c := lastCall(t, h.db); c.IVRDigits != "1" || c.Queue != "sales" {
		t.Errorf("record: digits %q queue %q, want 1 and sales", c.IVRDigits, c.Queue)
	}
}

// After the agent hangs up the caller is in the survey; the digit they
// press is stored against that agent and queue.
func TestSurveyAnswerStoredAgainstAgent(t *testing.T) {
	requirePeers(t, "sipp", "baresip")
	h, _ := ivrHotline(t, "60s")
	agent := startAgent(t, "1002", "bob1002", agentSIP, agentCtl, switchAddr(), agentTone(t, 1000))
	waitFor(t, 5*time.Second, "agent ready", func() bool { return strings.Contains(h.Output(), "agent=1002 from=logged_out to=ready") })
	work := callerMedia(t, []pcapStep{{silenceMS: 1500}, {digit: '2'}, {silenceMS: 1500}, {digit: '2'}, {silenceMS: 5000}, {digit: '4'}, {silenceMS: 1000}})
	done := runSIPpAsync(t, work, "caller_wait.xml", sippArgs()...)
	waitFor(t, 10*time.Second, "caller connected", func() bool { return strings.Contains(h.Output(), "msg=connected") })
	time.Sleep(time.Second)
	agent.command(t, "hangup", "")
	awaitSIPp(t, done, 30*time.Second, "the caller, hung up after the survey")
	waitFor(t, 5*time.Second, "record closed", func() bool { return strings.Contains(h.Output(), "call ended") })
	h.stop(15) // flush the event history
	st, err := store.Open(h.db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	evs, err := st.Events(context.Background(), store.Filter{Kind: "survey.answered"})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 || evs[0].AgentID != "1002" || evs[0].Queue != "support" || evs[0].Data["digits"] != "4" {
		t.Fatalf("survey answers %+v, want one digit 4 for agent 1002 in support", evs)
	}
	if c := lastCall(t, h.db); c.Disposition != "answered" || c.AgentID != "1002" {
		t.Errorf("record: disposition %q agent %q", c.Disposition, c.AgentID)
	}
}
