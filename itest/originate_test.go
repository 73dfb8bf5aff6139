package itest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Click-to-call: a CRM asks for a call; the agent's baresip rings and
// answers, the switch dials the customer (a SIPp UAS) through the trunk, and
// the two hear each other. A number no dial rule allows is refused.
func TestOriginateClickToCall(t *testing.T) {
	requirePeers(t, "sipp", "baresip")
	cfg := strings.Replace(testConfig("60s"), "      - { number: \"5000\", flow: main }\n",
		"      - { number: \"5000\", flow: main }\n    outbound: { addr: \"127.0.0.1:15090\", caller_id: \"5000\" }\n", 1)
	cfg += "dial_rules:\n  - { agents: [\"1002\"], pattern: \"555[0-9]{4}\", trunk: carrier, max_concurrent: 1 }\n"
	cfg += "outbound_limits: { agent_per_minute: 1 }\n"
	h := startHotline(t, cfg)
	agent := startAgent(t, "1002", "bob1002", agentSIP, agentCtl, switchAddr(), agentTone(t, 500))
	waitFor(t, 5*time.Second, "agent ready", func() bool { return strings.Contains(h.Output(), "agent=1002 from=logged_out to=ready") })

	// The customer: answers, sends 1 kHz, waits for the switch's BYE.
	done := startCustomer(t, 1000, 8000)

	crm := dialCTI(t, "127.0.0.1:17070", "crm-secret")
	if r := crm.cmd(map[string]any{"cmd": "originate", "agent": "1002", "number": "9001234567"}); r["ok"] != false ||
		!strings.Contains(fmt.Sprint(r["error"]), "forbidden") {
		t.Fatalf("a number outside the dial rules was not refused: %v", r)
	}
	r := crm.cmd(map[string]any{"cmd": "originate", "agent": "1002", "number": "5551234"})
	if r["ok"] != true {
		t.Fatalf("originate: %v", r)
	}
	waitFor(t, 10*time.Second, "customer answered", func() bool { return strings.Contains(h.Output(), "customer answered") })
	time.Sleep(3 * time.Second)
	agent.command(t, "hangup", "")
	awaitSIPp(t, done, 15*time.Second, "the customer, hung up by the switch")
	waitFor(t, 5*time.Second, "record closed", func() bool { return strings.Contains(h.Output(), "call ended") })
	c := lastCall(t, h.db)
	if c.DNIS != "5551234" || c.AgentID != "1002" || c.Disposition != "answered" || c.HangupSide != "agent" || c.Data["direction"] != "outbound" {
		t.Errorf("record: dnis %q agent %q disposition %q side %q data %v", c.DNIS, c.AgentID, c.Disposition, c.HangupSide, c.Data)
	}
	waitFor(t, 5*time.Second, "agent ready again", func() bool { return strings.Contains(h.Output(), "agent=1002 from=not_ready to=ready") })
	if ratio := toneRatio(agent.heard(t), 1000); ratio < 0.4 {
		t.Errorf("agent did not hear the customer's 1 kHz: ratio %.2f", ratio)
	}
	// One call per minute for this agent: a second within the minute is refused.
	if r := crm.cmd(map[string]any{"cmd": "originate", "agent": "1002", "number": "5551235"}); r["ok"] != false ||
		!strings.Contains(fmt.Sprint(r["error"]), "per minute") {
		t.Errorf("a second call within the minute was not refused: %v", r)
	}
}

// A waiting caller presses the callback key and hangs up; when an agent
// logs in, the ticket's turn comes: the switch rings the agent, then calls
// the customer back through the trunk.
func TestCallbackKeepsPlace(t *testing.T) {
	requirePeers(t, "sipp", "baresip")
	cfg := strings.Replace(testConfigWith(queueOpts{extra: `, callback_key: "*", callback_trunk: carrier`}),
		"      - { number: \"5000\", flow: main }\n",
		"      - { number: \"5000\", flow: main }\n    outbound: { addr: \"127.0.0.1:15090\", caller_id: \"5000\" }\n", 1)
	h := startHotline(t, cfg)

	work := callerMedia(t, []pcapStep{{silenceMS: 1500}, {digit: '2'}, {silenceMS: 1500}, {digit: '*'}, {silenceMS: 500}})
	if out, err := runSIPp(t, work, "caller_wait.xml", sippArgs()...); err != nil {
		t.Fatalf("caller (the switch should confirm and hang up): %v\n%s", err, tail(out, 2000))
	}
	waitFor(t, 5*time.Second, "callback requested", func() bool { return strings.Contains(h.Output(), "callback requested") })
	first := lastCall(t, h.db)
	if first.Disposition != "callback" {
		t.Errorf("the caller's record: disposition %q, want callback", first.Disposition)
	}

	awaitCallback(t, h)
	waitFor(t, 5*time.Second, "callback record closed", func() bool { return strings.Count(h.Output(), "call ended") >= 2 })
	cb := lastCall(t, h.db)
	if cb.Flow != "callback" || cb.DNIS != first.ANI || cb.AgentID != "1002" || cb.Disposition != "answered" || cb.Data["callback_for"] != first.ID {
		t.Errorf("callback record: flow %q dnis %q agent %q disposition %q data %v", cb.Flow, cb.DNIS, cb.AgentID, cb.Disposition, cb.Data)
	}
	waitFor(t, 5*time.Second, "agent free again", func() bool { return strings.Contains(h.Output(), "agent=1002 from=talking to=wrap_up") })
}

// An agent dials from their own phone: the INVITE is challenged and
// authenticated as that agent, a number the dial rules allow goes out
// through the trunk with audio both ways, a forbidden one gets 403.
func TestAgentDialsFromPhone(t *testing.T) {
	requirePeers(t, "sipp", "baresip")
	// The trunk is elsewhere (127.0.0.3), so INVITEs from 127.0.0.1 are the phone's.
	cfg := withTrunkOut(strings.Replace(testConfig("60s"), "sources: [127.0.0.1/32]", "sources: [127.0.0.3/32]", 1))
	cfg += "dial_rules:\n  - { agents: [\"1002\"], pattern: \"555[0-9]{4}\", trunk: carrier }\n"
	h := startHotline(t, cfg)
	agent := startAgent(t, "1002", "bob1002", agentSIP, agentCtl, switchAddr(), agentTone(t, 500))
	waitFor(t, 5*time.Second, "agent ready", func() bool { return strings.Contains(h.Output(), "agent=1002 from=logged_out to=ready") })

	agent.command(t, "dial", "9001234567")
	waitFor(t, 5*time.Second, "forbidden number refused", func() bool {
		return strings.Contains(h.Output(), `msg="outbound call refused" agent=1002 number=9001234567`)
	})

	done := startCustomer(t, 1000, 8000)
	agent.command(t, "dial", "5551234")
	waitFor(t, 10*time.Second, "far end answered", func() bool { return strings.Contains(h.Output(), "far end answered") })
	time.Sleep(3 * time.Second)
	agent.command(t, "hangup", "")
	awaitSIPp(t, done, 15*time.Second, "the customer, hung up by the switch")
	waitFor(t, 5*time.Second, "record closed", func() bool { return strings.Contains(h.Output(), "call ended") })
	c := lastCall(t, h.db)
	if c.Flow != "phone" || c.AgentID != "1002" || c.DNIS != "5551234" || c.Disposition != "answered" || c.HangupSide != "agent" {
		t.Errorf("record: flow %q agent %q dnis %q disposition %q side %q", c.Flow, c.AgentID, c.DNIS, c.Disposition, c.HangupSide)
	}
	if r := toneRatio(agent.heard(t), 1000); r < 0.4 {
		t.Errorf("agent did not hear the customer's 1 kHz: ratio %.2f", r)
	}
	waitFor(t, 5*time.Second, "agent ready again", func() bool { return strings.Contains(h.Output(), "agent=1002 from=not_ready to=ready") })
	if calls := callsByANI(t, h.db); len(calls) != 1 {
		t.Errorf("%d call records, want only the allowed call's", len(calls))
	}
}

// Click-to-call to a carrier reached over SIP/TLS: the switch offers SRTP
// (SDES) with its own key, verifies the carrier's certificate (ca_file), and
// the customer (baresip, SRTP mandatory) and the agent hear each other; the
// packets to the customer are not readable audio.
func TestSRTPToCarrierOverTLS(t *testing.T) {
	requirePeers(t, "baresip", "tshark")
	dir := t.TempDir()
	writeCert(t, dir, "sip")
	crt, _ := os.ReadFile(filepath.Join(dir, "sip.crt"))
	key, _ := os.ReadFile(filepath.Join(dir, "sip.key"))
	if err := os.WriteFile(filepath.Join(dir, "carrier.pem"), append(crt, key...), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := withTLSListener(testConfig("60s"))
	cfg = strings.Replace(cfg, "    public_ip: 127.0.0.1\n", "    public_ip: 127.0.0.1\n    ca_file: sip.crt\n", 1)
	cfg = strings.Replace(cfg, "      - { number: \"5000\", flow: main }\n",
		fmt.Sprintf("      - { number: \"5000\", flow: main }\n    outbound: { addr: \"127.0.0.1:%d\", transport: tls, caller_id: \"5000\" }\n", agent2SIP+1), 1)
	cfg += "dial_rules:\n  - { agents: [\"1002\"], pattern: \"555[0-9]{4}\", trunk: carrier }\n"
	h := startHotlineIn(t, dir, cfg)
	agent := startAgent(t, "1002", "bob1002", agentSIP, agentCtl, switchAddr(), agentTone(t, 500))
	waitFor(t, 5*time.Second, "agent ready", func() bool { return strings.Contains(h.Output(), "agent=1002 from=logged_out to=ready") })
	// The customer's side: baresip answering for 5551234 over TLS on agent2SIP+1, SRTP mandatory.
	customer := startBaresip(t, baresipSpec{id: "5551234", password: "none", server: "127.0.0.1", wav: agentTone(t, 1000),
		answermode: "auto", transport: "tls", sipPort: agent2SIP, ctrlPort: agent2Ctl,
		extra: []string{"sip_certificate\t\t" + filepath.Join(dir, "carrier.pem"), "module\t\t\tsrtp.so"}, acctParams: ";mediaenc=srtp-mand"})
	rtpLo := agent2SIP*4%60000 + 1024
	capt := startCapture(t, rtpLo, rtpLo+99)

	crm := dialCTI(t, "127.0.0.1:17070", "crm-secret")
	if r := crm.cmd(map[string]any{"cmd": "originate", "agent": "1002", "number": "5551234"}); r["ok"] != true {
		t.Fatalf("originate: %v", r)
	}
	waitFor(t, 15*time.Second, "customer answered", func() bool { return strings.Contains(h.Output(), "customer answered") })
	time.Sleep(4 * time.Second)
	agent.command(t, "hangup", "")
	waitFor(t, 5*time.Second, "record closed", func() bool { return strings.Contains(h.Output(), "call ended") })
	if c := lastCall(t, h.db); c.DNIS != "5551234" || c.Disposition != "answered" {
		t.Errorf("record: dnis %q disposition %q", c.DNIS, c.Disposition)
	}
	checkSRTPCall(t, agent, 1000, customer, 500, "customer", capt, rtpLo)
}
