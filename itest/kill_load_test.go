package itest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hotline/hotline/store"
)

// kill -9 under load: SIPp callers arriving at 15 a second, some talking to
// agents, some in the IVR or waiting in the queue, when the switch dies.
// After the restart every call the switch had answered has exactly one
// record, every record is closed (the ones cut by the crash with
// switch_restart, answered or abandoned by whether an agent had taken
// them), and no agent is left in an open state.
func TestKill9MidLoad(t *testing.T) {
	requirePeers(t, "sipp", "baresip")
	cfg := testConfig("60s")
	h := startHotline(t, cfg)
	startAgent(t, "1002", "bob1002", agentSIP, agentCtl, switchAddr(), agentTone(t, 1000))
	startAgent(t, "1003", "carol1003", agent2SIP, agent2Ctl, switchAddr(), agentTone(t, 1500))
	waitFor(t, 5*time.Second, "agents ready", func() bool {
		o := h.Output()
		return strings.Contains(o, "agent=1002 from=logged_out to=ready") && strings.Contains(o, "agent=1003 from=logged_out to=ready")
	})

	work := callerMedia(t, []pcapStep{{silenceMS: 1500}, {digit: '2'}, {silenceMS: 200}, {toneHz: 500, toneMS: 4000}})
	src, err := os.ReadFile(filepath.Join("..", "testdata", "sipp", "caller.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(work, "caller.xml"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	// Short calls (3 s after the answer) so some end normally before the crash.
	sipp := exec.Command("sipp", append([]string{"-sf", "caller.xml", "-nostdin", "-timeout", "30s",
		"-trace_msg", "-message_file", "messages.log"},
		sippArgs("-r", "15", "-m", "60", "-l", "80", "-d", "3000")...)...)
	sipp.Dir = work
	var out bytes.Buffer
	sipp.Stdout, sipp.Stderr = &out, &out
	if err := sipp.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sipp.Process.Kill() })

	waitFor(t, 15*time.Second, "both agents talking and callers waiting", func() bool {
		o := h.Output()
		return strings.Count(o, "msg=connected") >= 3 && strings.Count(o, "msg=\"call arrived\"") >= 40
	})
	h.stop(syscall.SIGKILL)
	// SIPp stops too (its calls would otherwise retry into the restarted
	// switch); SIGINT makes it flush its message log.
	_ = sipp.Process.Signal(syscall.SIGINT)
	waitDone := make(chan struct{})
	go func() { _ = sipp.Wait(); close(waitDone) }()
	select {
	case <-waitDone:
	case <-time.After(5 * time.Second):
		_ = sipp.Process.Kill()
		<-waitDone
	}

	// What the switch left in its database at the moment it died.
	before := allCalls(t, h.db)
	open := 0
	for _, c := range before {
		if c.EndedAt.IsZero() {
			open++
		}
	}
	if open < 10 {
		t.Fatalf("only %d calls were open at the crash (of %d): the load did not build up", open, len(before))
	}

	h2 := startHotlineIn(t, h.dir, cfg)
	if want := fmt.Sprintf("count=%d", open); !strings.Contains(h2.Output(), "closed calls left open by the previous run") || !strings.Contains(h2.Output(), want) {
		t.Errorf("restart did not report the %d open calls:\n%s", open, tail(h2.Output(), 2000))
	}
	h2.stop(syscall.SIGTERM)

	// SIPp's own trace: which calls it sent, and which the switch answered.
	answered, invited := sippAnsweredCalls(t, filepath.Join(work, "messages.log"))
	after := allCalls(t, h.db)
	bySIP := map[string]store.Call{}
	restartClosed := 0
	for _, c := range after {
		if _, dup := bySIP[c.SIPCallID]; dup {
			t.Errorf("two records for SIP call %s", c.SIPCallID)
		}
		bySIP[c.SIPCallID] = c
		if !invited[c.SIPCallID] {
			t.Errorf("record %s for a call SIPp never sent (%s)", c.ID, c.SIPCallID)
		}
		switch {
		case c.EndedAt.IsZero():
			t.Errorf("record %s still open after the restart", c.ID)
		case c.HangupCause == "switch_restart":
			restartClosed++
			want := "abandoned"
			if !c.AnsweredAt.IsZero() {
				want = "answered"
			}
			if c.Disposition != want || c.HangupSide != "switch" {
				t.Errorf("record %s cut by the crash: disposition %q side %q, want %q by the switch", c.ID, c.Disposition, c.HangupSide, want)
			}
		}
	}
	if restartClosed != open {
		t.Errorf("%d records closed by the restart, %d were open", restartClosed, open)
	}
	for id := range answered {
		if _, ok := bySIP[id]; !ok {
			t.Errorf("SIPp got a 200 OK for %s but the switch has no record of it", id)
		}
	}
	if len(answered) < open {
		t.Errorf("SIPp's trace shows %d answered calls, fewer than the %d open records", len(answered), open)
	}
	t.Logf("%d calls answered by the switch: %d ended before the crash, %d closed by the restart", len(answered), len(after)-restartClosed, restartClosed)

	// No agent is left in a call state: after the restart each agent is
	// logged out until its phone registers again.
	st, err := store.Open(h.db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	states, err := st.AgentStates(context.Background(), store.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	talking := 0
	for _, s := range states {
		if s.To.IsZero() && s.State != "logged_out" {
			t.Errorf("agent %s left open in %s since %v", s.AgentID, s.State, s.From)
		}
		if s.State == "talking" {
			talking++
		}
	}
	if talking < 2 {
		t.Errorf("only %d talking intervals recorded", talking)
	}

	// The event history agrees with the records: events published in the
	// last instant before the kill (not yet in a committed batch) came back
	// from the crash journal; the calls the crash cut have their call.ended
	// and the agents their logged_out, from the restart; no event number
	// is used twice across the two runs.
	evs, err := st.Events(context.Background(), store.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	seqs := map[uint64]bool{}
	arrived, ended := map[string]int{}, map[string]int{}
	loggedOut := map[string]bool{}
	for _, e := range evs {
		if seqs[e.Seq] {
			t.Errorf("event seq %d used twice", e.Seq)
		}
		seqs[e.Seq] = true
		switch e.Kind {
		case "call.arrived":
			arrived[e.CallID]++
		case "call.ended":
			ended[e.CallID]++
			if e.Data["cause"] == "switch_restart" && bySIP[callSIPID(after, e.CallID)].HangupCause != "switch_restart" {
				t.Errorf("call %s ended by the restart in the history but not in its record", e.CallID)
			}
		case "agent.state":
			if e.Data["state"] == "logged_out" && e.Data["reason"] == "switch_restart" {
				loggedOut[e.AgentID] = true
			}
		}
	}
	for _, c := range after {
		if arrived[c.ID] != 1 || ended[c.ID] != 1 {
			t.Errorf("call %s (%s): %d call.arrived and %d call.ended events, want 1 each", c.ID, c.HangupCause, arrived[c.ID], ended[c.ID])
		}
	}
	for _, id := range []string{"1002", "1003"} {
		if !loggedOut[id] {
			t.Errorf("no agent.state logged_out (switch_restart) for %s after the restart", id)
		}
	}
	t.Logf("%d events; restart: %s", len(evs), grepLines(h2.Output(), "crash journal"))
}

func callSIPID(calls []store.Call, id string) string {
	for _, c := range calls {
		if c.ID == id {
			return c.SIPCallID
		}
	}
	return ""
}

func allCalls(t *testing.T, db string) []store.Call {
	t.Helper()
	st, err := store.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	calls, err := st.ListCalls(context.Background(), store.Filter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return calls
}

var (
	sippMsgSplit = regexp.MustCompile(`(?m)^-{5,}.*$`)
	sippCallID   = regexp.MustCompile(`(?mi)^Call-ID:\s*(\S+)`)
	sippCSeq     = regexp.MustCompile(`(?mi)^CSeq:\s*\d+\s+(\w+)`)
)

// sippAnsweredCalls reads SIPp's -trace_msg log: the Call-IDs of the
// INVITEs it sent, and of those that got a 200 OK.
func sippAnsweredCalls(t *testing.T, path string) (answered, invited map[string]bool) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("SIPp's message log: %v", err)
	}
	answered, invited = map[string]bool{}, map[string]bool{}
	for _, m := range sippMsgSplit.Split(string(b), -1) {
		// Each entry opens with SIPp's own line (" UDP message sent (…)"),
		// then the SIP message.
		if i := strings.Index(m, "\n\n"); i >= 0 {
			m = m[i+2:]
		}
		m = strings.TrimSpace(m)
		id, cseq := sippCallID.FindStringSubmatch(m), sippCSeq.FindStringSubmatch(m)
		if id == nil || cseq == nil || !strings.EqualFold(cseq[1], "INVITE") {
			continue
		}
		switch {
		case strings.HasPrefix(m, "INVITE "):
			invited[id[1]] = true
		case strings.HasPrefix(m, "SIP/2.0 200"):
			answered[id[1]] = true
		}
	}
	if len(invited) == 0 {
		t.Fatalf("no INVITE in SIPp's message log:\n%s", tail(string(b), 2000))
	}
	return answered, invited
}
