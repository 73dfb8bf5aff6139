package itest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// Ports of the SIPp agent phone (a UAS after registering from the same port).
const sippAgentSIP = 15080

// registerSIPpAgent registers agent id from sippAgentSIP with digest.
func registerSIPpAgent(t *testing.T, h *hotline, work, id, password string) {
	t.Helper()
	out, err := runSIPp(t, work, "agent_register.xml", switchAddr(), "-s", id, "-au", id, "-ap", password,
		"-i", "127.0.0.1", "-p", fmt.Sprint(sippAgentSIP), "-m", "1")
	if err != nil {
		t.Fatalf("agent %s register: %v\n%s", id, err, tail(out, 2000))
	}
	waitFor(t, 5*time.Second, "agent "+id+" ready", func() bool {
		return strings.Contains(h.Output(), "agent="+id+" from=logged_out to=ready")
	})
}

// An agent's phone that rings and then rejects (486 Busy Here, 603
// Decline): the ACD counts the miss, puts that agent in not_ready
// (no_answer) and gives the caller to the next agent; the record names
// the agent who took it.
func TestAgentRejectsCallerGoesToNextAgent(t *testing.T) {
	requirePeers(t, "sipp", "baresip")
	for _, c := range []struct{ code, reason string }{{"486", "Busy Here"}, {"603", "Decline"}} {
		t.Run(c.code, func(t *testing.T) {
			h := startHotline(t, testConfig("60s"))
			work := t.TempDir()
			registerSIPpAgent(t, h, work, "1002", "bob1002") // idle longest: offered first
			startAgent(t, "1003", "carol1003", agent2SIP, agent2Ctl, switchAddr(), agentTone(t, 1000))
			waitFor(t, 5*time.Second, "1003 ready", func() bool {
				return strings.Contains(h.Output(), "agent=1003 from=logged_out to=ready")
			})
			phone := runSIPpVariant(t, work, "agent_reject.xml", "SIP/2.0 486 Busy Here", "SIP/2.0 "+c.code+" "+c.reason,
				"-s", "1002", "-i", "127.0.0.1", "-p", fmt.Sprint(sippAgentSIP), "-m", "1")
			time.Sleep(300 * time.Millisecond)
			ani := "555" + c.code
			caller := startCaller(t, 0, ani, 4000)
			awaitSIPp(t, phone, 20*time.Second, "agent 1002's phone rejecting")
			caller.wait(t)
			waitFor(t, 5*time.Second, "record closed", func() bool { return strings.Contains(h.Output(), "call ended") })
			rec := callsByANI(t, h.db)[ani]
			if rec.AgentID != "1003" || rec.Disposition != "answered" || rec.EndedAt.IsZero() {
				t.Errorf("record: agent %q disposition %q ended %v", rec.AgentID, rec.Disposition, rec.EndedAt)
			}
			// The miss is counted: one rejection puts 1002 in not_ready
			// (no_answer_limit 1); 1003 takes the call and is ready after wrap-up.
			for _, want := range []string{"agent=1002 from=reserved to=not_ready reason=no_answer",
				"agent=1003 from=reserved to=talking", "agent=1003 from=talking to=wrap_up"} {
				if !strings.Contains(h.Output(), want) {
					t.Errorf("no %q in:\n%s", want, grepLines(h.Output(), "agent state"))
				}
			}
			waitFor(t, 5*time.Second, "1003 ready after wrap-up", func() bool {
				return strings.Contains(h.Output(), "agent=1003 from=wrap_up to=ready")
			})
		})
	}
}

// runSIPpVariant runs a scenario from testdata/sipp with one text swapped
// (SIPp checks status codes when it loads a scenario, so a status cannot be
// a -key), in the background like runSIPpAsync.
func runSIPpVariant(t *testing.T, work, scenario, old, new string, args ...string) <-chan error {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("..", "testdata", "sipp", scenario))
	if err != nil || !bytes.Contains(src, []byte(old)) {
		t.Fatalf("%s: %v (or no %q in it)", scenario, err, old)
	}
	name := "variant_" + scenario
	if err := os.WriteFile(filepath.Join(work, name), bytes.Replace(src, []byte(old), []byte(new), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("sipp", append([]string{"-sf", name, "-nostdin", "-trace_err", "-timeout", "60s"}, args...)...)
	cmd.Dir = work
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	done := make(chan error, 1)
	go func() {
		err := cmd.Wait()
		if err != nil {
			err = fmt.Errorf("%s: %v\n%s", name, err, tail(out.String(), 2000))
		}
		done <- err
	}()
	return done
}

// grepLines returns the lines of s containing sub.
func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

var sippRetrans = regexp.MustCompile(`200 <-+\s+\d+\s+(\d+)`)

// withT1 shortens the SIP timer T1 so that 64*T1 timeouts take seconds.
func withT1(cfg, t1 string) string {
	return strings.Replace(cfg, "    public_ip: 127.0.0.1\n", "    public_ip: 127.0.0.1\n    t1: "+t1+"\n", 1)
}

// A caller whose ACK never arrives: the switch retransmits its 200, gives
// up after 64*T1, hangs up both sides with BYE and frees the agent who had
// taken the call; the record says no_ack.
func TestLostACKEndsCallAndFreesAgent(t *testing.T) {
	requirePeers(t, "sipp", "baresip")
	h := startHotline(t, withT1(testConfig("60s"), "100ms")) // 64*T1 = 6.4 s
	agent := startAgent(t, "1002", "bob1002", agentSIP, agentCtl, switchAddr(), agentTone(t, 1000))
	waitFor(t, 5*time.Second, "agent ready", func() bool { return strings.Contains(h.Output(), "agent=1002 from=logged_out to=ready") })
	work := callerMedia(t, []pcapStep{{silenceMS: 1500}, {digit: '2'}, {silenceMS: 200}, {toneHz: 500, toneMS: 8000}})
	done := make(chan string, 1)
	go func() {
		out, err := runSIPp(t, work, "caller_noack.xml", sippArgs("-key", "ani", "5550404")...)
		if err != nil {
			out = "FAILED: " + err.Error() + "\n" + out
		}
		done <- out
	}()
	waitFor(t, 10*time.Second, "the agent connected", func() bool { return strings.Contains(h.Output(), "msg=connected") })
	var out string
	select {
	case out = <-done:
	case <-time.After(15 * time.Second):
		t.Fatal("the caller that never ACKs is still waiting for the switch's BYE")
	}
	if strings.HasPrefix(out, "FAILED") {
		t.Fatalf("the caller that never ACKs (it must get a BYE): %s", tail(out, 2000))
	}
	// SIPp's screen: "200 <---------- messages retrans ...": the switch retransmitted its answer.
	if m := sippRetrans.FindStringSubmatch(out); m == nil || m[1] == "0" {
		t.Errorf("no retransmission of the unacknowledged 200 seen by the caller:\n%s", tail(out, 1500))
	}
	waitFor(t, 5*time.Second, "record closed", func() bool { return strings.Contains(h.Output(), "call ended") })
	c := callsByANI(t, h.db)["5550404"]
	if c.HangupCause != "no_ack" || c.HangupSide != "switch" || c.Disposition != "answered" || c.AgentID != "1002" {
		t.Errorf("record: cause %q side %q disposition %q agent %q", c.HangupCause, c.HangupSide, c.Disposition, c.AgentID)
	}
	if d := c.EndedAt.Sub(c.ArrivedAt); d < 6*time.Second || d > 10*time.Second {
		t.Errorf("gave up after %v, want 64*T1 = 6.4 s", d)
	}
	waitFor(t, 5*time.Second, "the agent freed", func() bool {
		return strings.Contains(h.Output(), "agent=1002 from=talking to=wrap_up") &&
			strings.Contains(h.Output(), "agent=1002 from=wrap_up to=ready")
	})
	waitFor(t, 5*time.Second, "the agent's phone hung up", func() bool { return strings.Contains(agent.Output(), "session closed") })
}
