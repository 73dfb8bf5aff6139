package itest

import (
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/hotline/hotline/store"
)

// caller runs one SIPp caller with its own ports in the background.
type caller struct {
	done chan error
}

func startCaller(t *testing.T, n int, ani string, pauseMS int) *caller {
	t.Helper()
	work := callerMedia(t, []pcapStep{{silenceMS: 1500}, {digit: '2'}, {silenceMS: 200}, {toneHz: 500, toneMS: 2000}})
	c := &caller{done: make(chan error, 1)}
	args := []string{fmt.Sprintf("127.0.0.1:%d", sipPort), "-s", "5000", "-i", "127.0.0.1",
		"-p", fmt.Sprint(callerSIP + 2*n), "-mi", "127.0.0.1", "-mp", fmt.Sprint(callerRTP + 10*n), "-m", "1",
		"-key", "ani", ani, "-d", fmt.Sprint(pauseMS)}
	go func() {
		out, err := runSIPp(t, work, "caller_ani.xml", args...)
		if err != nil {
			err = fmt.Errorf("caller %s: %v\n%s", ani, err, tail(out, 1500))
		}
		c.done <- err
	}()
	return c
}

func (c *caller) wait(t *testing.T) {
	t.Helper()
	select {
	case err := <-c.done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(90 * time.Second):
		t.Fatal("caller never finished")
	}
}

func callsByANI(t *testing.T, db string) map[string]store.Call {
	t.Helper()
	st, err := store.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	calls, err := st.ListCalls(context.Background(), store.Filter{Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]store.Call{}
	for _, c := range calls {
		m[c.ANI] = c
	}
	return m
}

func switchAddr() string { return fmt.Sprintf("127.0.0.1:%d", sipPort) }

// best_skill: of two ready agents with the support skill, the one with the
// higher level takes the call, even though the other has waited longer.
func TestBestSkillPicksHigherLevel(t *testing.T) {
	requirePeers(t, "sipp", "baresip")
	h := startHotline(t, testConfigWith(queueOpts{strategy: "best_skill"}))
	startAgent(t, "1003", "carol1003", agent2SIP, agent2Ctl, switchAddr(), agentTone(t, 1000)) // support 5, idle longest
	waitFor(t, 5*time.Second, "1003 ready", func() bool { return strings.Contains(h.Output(), "agent=1003 from=logged_out to=ready") })
	startAgent(t, "1002", "bob1002", agentSIP, agentCtl, switchAddr(), agentTone(t, 1000)) // support 7
	waitFor(t, 5*time.Second, "1002 ready", func() bool { return strings.Contains(h.Output(), "agent=1002 from=logged_out to=ready") })

	startCaller(t, 0, "5551000", 4000).wait(t)
	waitFor(t, 5*time.Second, "record closed", func() bool { return strings.Contains(h.Output(), "call ended") })
	if c := callsByANI(t, h.db)["5551000"]; c.AgentID != "1002" || c.Disposition != "answered" {
		t.Fatalf("best_skill sent the call to %q (%s), want 1002 (level 7 over 5)", c.AgentID, c.Disposition)
	}
}

// A VIP caller (number prefix 99) who joins after an ordinary caller is
// answered first when the only agent frees up.
func TestVIPCallerAnsweredFirst(t *testing.T) {
	requirePeers(t, "sipp", "baresip")
	h := startHotline(t, testConfigWith(queueOpts{extra: `, vip: [{ prefix: "99", priority: 10 }]`}))
	startAgent(t, "1002", "bob1002", agentSIP, agentCtl, switchAddr(), agentTone(t, 1000))
	waitFor(t, 5*time.Second, "agent ready", func() bool { return strings.Contains(h.Output(), "agent=1002 from=logged_out to=ready") })

	first := startCaller(t, 0, "5551111", 9000) // takes the agent
	waitFor(t, 10*time.Second, "first call connected", func() bool { return strings.Contains(h.Output(), "msg=connected") })
	plain := startCaller(t, 1, "5552222", 18000) // waits, gives up at the end
	waitFor(t, 10*time.Second, "plain caller queued", func() bool { return strings.Contains(h.Output(), "queue=support ani=5552222") })
	vip := startCaller(t, 2, "9993333", 16000)
	first.wait(t)
	vip.wait(t)
	plain.wait(t)
	waitFor(t, 5*time.Second, "records closed", func() bool { return strings.Count(h.Output(), "call ended") >= 3 })
	calls := callsByANI(t, h.db)
	v, p := calls["9993333"], calls["5552222"]
	if v.AgentID != "1002" || v.AnsweredAt.IsZero() {
		t.Errorf("VIP caller: agent %q answered %v", v.AgentID, v.AnsweredAt)
	}
	if !p.AnsweredAt.IsZero() && !p.AnsweredAt.After(v.AnsweredAt) {
		t.Errorf("ordinary caller answered at %v, before the VIP at %v", p.AnsweredAt, v.AnsweredAt)
	}
	if !v.QueuedAt.After(p.QueuedAt) {
		t.Errorf("the VIP must have joined later: vip %v, plain %v", v.QueuedAt, p.QueuedAt)
	}
	// The queue report counts what happened: three offered, two answered,
	// one abandoned (the ordinary caller gave up).
	out, err := exec.Command(hotlineBin(t), "report", "queue", "--db", h.db, "--interval", "all", "--format", "json", "--queue", "support").Output()
	if err != nil {
		t.Fatalf("report: %v\n%s", err, out)
	}
	var rows []map[string]any
	if err := json.Unmarshal(out, &rows); err != nil || len(rows) != 1 {
		t.Fatalf("report rows %s (%v)", out, err)
	}
	if r := rows[0]; r["offered"] != 3.0 || r["answered"] != 2.0 || r["abandoned"] != 1.0 {
		t.Errorf("report: offered %v answered %v abandoned %v, want 3, 2, 1", r["offered"], r["answered"], r["abandoned"])
	}
}

// Ring-no-answer: the agent whose phone is not answered is set not ready
// (no_answer) and the caller goes to the next agent.
func TestRingNoAnswerMovesToNextAgent(t *testing.T) {
	requirePeers(t, "sipp", "baresip")
	h := startHotline(t, testConfigWith(queueOpts{ringTimeout: "3s"}))
	startAgentMode(t, "1002", "bob1002", agentSIP, agentCtl, switchAddr(), agentTone(t, 1000), "manual")
	waitFor(t, 5*time.Second, "1002 ready", func() bool { return strings.Contains(h.Output(), "agent=1002 from=logged_out to=ready") })
	time.Sleep(500 * time.Millisecond) // 1002 has now been idle longest
	startAgent(t, "1003", "carol1003", agent2SIP, agent2Ctl, switchAddr(), agentTone(t, 1000))
	waitFor(t, 5*time.Second, "1003 ready", func() bool { return strings.Contains(h.Output(), "agent=1003 from=logged_out to=ready") })

	startCaller(t, 0, "5554444", 9000).wait(t)
	waitFor(t, 5*time.Second, "record closed", func() bool { return strings.Contains(h.Output(), "call ended") })
	out := h.Output()
	if !strings.Contains(out, "agent=1002 from=reserved to=not_ready reason=no_answer") {
		t.Errorf("1002 was not set not_ready(no_answer) after ringing out")
	}
	if c := callsByANI(t, h.db)["5554444"]; c.AgentID != "1003" || c.Disposition != "answered" {
		t.Fatalf("call went to %q (%s), want 1003 after 1002 rang out", c.AgentID, c.Disposition)
	}
}

// A waiting caller hears position announcements at the queue's interval,
// between stretches of music.
func TestQueueAnnouncesPosition(t *testing.T) {
	requirePeers(t, "sipp")
	h := startHotline(t, testConfigWith(queueOpts{maxWait: "14s", extra: ", announce_every: 5s"}))
	work := callerMedia(t, []pcapStep{{silenceMS: 1500}, {digit: '2'}, {silenceMS: 1000}})
	if out, err := runSIPp(t, work, "caller_wait.xml", sippArgs()...); err != nil {
		t.Fatalf("caller: %v\n%s", err, tail(out, 2000))
	}
	if n := strings.Count(h.Output(), "position=1 ewt="); n < 2 {
		t.Errorf("%d position announcements in 14 s of waiting, want at least 2", n)
	}
	waitFor(t, 5*time.Second, "record closed", func() bool { return strings.Contains(h.Output(), "call ended") })
	if c := lastCall(t, h.db); c.Disposition != "timeout" {
		t.Errorf("disposition %q, want timeout", c.Disposition)
	}
}
