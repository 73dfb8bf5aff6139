package itest

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hotline/hotline/store"
)

// withTrunkOut gives the test trunk an outbound side towards a SIPp UAS on
// 127.0.0.1:15090 (the outside world of these tests).
func withTrunkOut(cfg string) string {
	return strings.Replace(cfg, "      - { number: \"5000\", flow: main }\n",
		"      - { number: \"5000\", flow: main }\n    outbound: { addr: \"127.0.0.1:15090\", caller_id: \"5000\" }\n", 1)
}

// startCustomer runs the outside party: a SIPp UAS on 127.0.0.1:15090 that
// answers one call and sends a tone of hz for ms.
func startCustomer(t *testing.T, hz float64, ms int) <-chan error {
	t.Helper()
	customer := callerMedia(t, []pcapStep{{toneHz: hz, toneMS: ms}})
	done := runSIPpAsync(t, customer, "customer_uas.xml", "-i", "127.0.0.1", "-p", "15090", "-mi", "127.0.0.1", "-mp", "16200", "-m", "1")
	time.Sleep(300 * time.Millisecond) // let it bind before the switch dials
	return done
}

// awaitCallback starts the customer (1 kHz) and agent 1002's phone (500 Hz),
// waits for the switch to call the customer back and lets agent hang up
// after 2 s of talk; it returns the agent's phone.
func awaitCallback(t *testing.T, h *hotline) *agentPhone {
	t.Helper()
	done := startCustomer(t, 1000, 8000)
	agent := startAgent(t, "1002", "bob1002", agentSIP, agentCtl, switchAddr(), agentTone(t, 500))
	waitFor(t, 15*time.Second, "customer called back", func() bool { return strings.Contains(h.Output(), "customer answered") })
	time.Sleep(2 * time.Second)
	agent.command(t, "hangup", "")
	awaitSIPp(t, done, 15*time.Second, "the called-back customer")
	return agent
}

func openStore(t *testing.T, db string) *store.Store {
	t.Helper()
	st, err := store.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// A caller leaves a message after the beep and ends it with #: the message
// is a WAV of their voice (800 Hz here), indexed under its box.
func TestIVRVoicemailLeftAndIndexed(t *testing.T) {
	requirePeers(t, "sipp")
	h := startHotline(t, testConfigWith(queueOpts{flows: `flows:
  main:
    language: en
    start: vm
    nodes:
      vm: { type: voicemail, box: support, max_length: 30s }
`}))
	// voicemail_prompt and the beep last about 2.1 s; the caller talks over
	// them (not recorded), then for about 6 s more, then presses #.
	work := callerMedia(t, []pcapStep{{toneHz: 800, toneMS: 8000}, {digit: '#'}, {silenceMS: 3000}})
	if out, err := runSIPp(t, work, "caller_wait.xml", sippArgs()...); err != nil {
		t.Fatalf("caller (the switch hangs up after #): %v\n%s", err, tail(out, 2000))
	}
	waitFor(t, 5*time.Second, "record closed", func() bool { return strings.Contains(h.Output(), "call ended") })
	c := lastCall(t, h.db)
	if c.Disposition != "self_served" || c.HangupSide != "switch" {
		t.Errorf("record: disposition %q side %q, want self_served by the switch", c.Disposition, c.HangupSide)
	}
	vms, err := openStore(t, h.db).ListVoicemails(context.Background(), "support", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(vms) != 1 || vms[0].CallID != c.ID || vms[0].ANI != "sipp" {
		t.Fatalf("voicemails %+v, want one from call %s", vms, c.ID)
	}
	if d := time.Duration(vms[0].Duration) * time.Millisecond; d < 4*time.Second || d > 8*time.Second {
		t.Errorf("message lasts %v, want about 6 s", d)
	}
	path := vms[0].Path
	if !filepath.IsAbs(path) {
		path = filepath.Join(h.dir, path)
	}
	msg, err := readWAV(path)
	if err != nil {
		t.Fatal(err)
	}
	if r := toneRatio(msg, 800); r < 0.6 {
		t.Errorf("message is not the caller's 800 Hz: ratio %.2f (rms %.3f, %d samples)", r, rms(msg), len(msg))
	}
	if !strings.Contains(path, filepath.Join("voicemail", "support")) {
		t.Errorf("message filed at %s, want under recordings/voicemail/support", path)
	}
}

// Menu key 1 reaches the reception extension (a desk phone outside the
// ACD), key 2 an outside number a dial rule allows this flow to call; both
// bridge audio both ways.
func TestIVRTransferToExtensionAndOutsideNumber(t *testing.T) {
	requirePeers(t, "sipp", "baresip", "tshark")
	cfg := withTrunkOut(testConfigWith(queueOpts{flows: `flows:
  main:
    language: en
    start: menu
    nodes:
      menu:
        type: menu
        prompt: menu_sales_support
        timeout: 5s
        options: { "1": reception, "2": outside }
        fallback: reception
      reception: { type: transfer, target: "ext:201" }
      outside: { type: transfer, target: "external:5551234" }
extensions:
  - { number: "201", name: Reception, password: ext201 }
dial_rules:
  - { flows: [main], pattern: "555[0-9]{4}", trunk: carrier, max_concurrent: 1 }
`}))
	h := startHotline(t, cfg)
	ext := startAgent(t, "201", "ext201", agentSIP, agentCtl, switchAddr(), agentTone(t, 1000))
	waitFor(t, 5*time.Second, "extension registered", func() bool { return strings.Contains(h.Output(), "msg=register agent=201") })

	call := func(digit rune, what string) []int16 {
		work := callerMedia(t, []pcapStep{{silenceMS: 1000}, {digit: digit}, {silenceMS: 200}, {toneHz: 500, toneMS: 9000}})
		capt := startCapture(t, callerRTP, callerRTP)
		if out, err := runSIPp(t, work, "caller.xml", sippArgs("-d", "11000")...); err != nil {
			t.Fatalf("caller to %s: %v\n%s", what, err, tail(out, 2000))
		}
		heard := decodeULaw(capt.payloads(t, fmt.Sprintf("udp.dstport==%d && rtp.p_type==0", callerRTP)))
		if len(heard) < 8*rate {
			t.Fatalf("caller to %s received only %d samples", what, len(heard))
		}
		return heard[len(heard)-4*rate:]
	}

	heard := call('1', "the extension")
	if r := toneRatio(heard, 1000); r < 0.6 {
		t.Errorf("caller did not hear the extension's 1 kHz: ratio %.2f", r)
	}
	if r := toneRatio(ext.heard(t), 500); r < 0.5 {
		t.Errorf("extension did not hear the caller's 500 Hz: ratio %.2f", r)
	}
	waitFor(t, 5*time.Second, "first record closed", func() bool { return strings.Contains(h.Output(), "call ended") })
	c := lastCall(t, h.db)
	if c.Disposition != "answered" || c.Data["transferred_to"] != "ext:201" || c.AgentID != "" || c.AnsweredAt.IsZero() {
		t.Errorf("record: disposition %q data %v agent %q", c.Disposition, c.Data, c.AgentID)
	}

	// The outside number: a SIPp UAS answering with 1 kHz.
	done := startCustomer(t, 1000, 12000)
	heard = call('2', "the outside number")
	if r := toneRatio(heard, 1000); r < 0.6 {
		t.Errorf("caller did not hear the outside party's 1 kHz: ratio %.2f", r)
	}
	awaitSIPp(t, done, 15*time.Second, "the outside party, hung up by the switch")
	waitFor(t, 5*time.Second, "second record closed", func() bool { return strings.Count(h.Output(), "call ended") >= 2 })
	if c := lastCall(t, h.db); c.Disposition != "answered" || c.Data["transferred_to"] != "external:5551234" {
		t.Errorf("record: disposition %q data %v", c.Disposition, c.Data)
	}
}

// A caller types the number to call back and hangs up. The promise is kept
// across a kill -9: after the restart, when an agent logs in, the switch
// rings the agent and then the customer, and marks the callback done.
func TestIVRCallbackSurvivesRestart(t *testing.T) {
	requirePeers(t, "sipp", "baresip")
	cfg := withTrunkOut(testConfigWith(queueOpts{extra: ", callback_trunk: carrier", flows: `flows:
  main:
    language: en
    start: number
    nodes:
      number: { type: collect, prompt: enter_digits, min_digits: 7, max_digits: 7, var: number, next: file }
      file: { type: callback, queue: support, number: "${number}", next: ok }
      ok: { type: play, prompts: [callback_prompt, goodbye], next: bye }
      bye: { type: hangup }
dial_rules:
  - { flows: [main], pattern: "555[0-9]{4}", trunk: carrier }
`}))
	h := startHotline(t, cfg)
	steps := []pcapStep{{silenceMS: 1500}}
	for _, d := range "5551234" {
		steps = append(steps, pcapStep{digit: d}, pcapStep{silenceMS: 200})
	}
	steps = append(steps, pcapStep{silenceMS: 8000})
	if out, err := runSIPp(t, callerMedia(t, steps), "caller_wait.xml", sippArgs()...); err != nil {
		t.Fatalf("caller (the switch confirms and hangs up): %v\n%s", err, tail(out, 2000))
	}
	waitFor(t, 5*time.Second, "callback filed", func() bool { return strings.Contains(h.Output(), "callback filed") })
	first := lastCall(t, h.db)
	if first.Disposition != "self_served" || first.IVRDigits != "5551234" {
		t.Errorf("caller's record: disposition %q digits %q", first.Disposition, first.IVRDigits)
	}

	h.stop(syscall.SIGKILL)
	h = startHotlineIn(t, h.dir, cfg)
	waitFor(t, 5*time.Second, "callback carried over", func() bool { return strings.Contains(h.Output(), "callbacks carried over") })

	agent := awaitCallback(t, h)
	waitFor(t, 5*time.Second, "callback record closed", func() bool { return strings.Contains(h.Output(), "call ended") })
	cb := lastCall(t, h.db)
	if cb.Flow != "callback" || cb.DNIS != "5551234" || cb.AgentID != "1002" || cb.Disposition != "answered" {
		t.Errorf("callback record: flow %q dnis %q agent %q disposition %q", cb.Flow, cb.DNIS, cb.AgentID, cb.Disposition)
	}
	if r := toneRatio(agent.heard(t), 1000); r < 0.4 {
		t.Errorf("agent did not hear the customer's 1 kHz: ratio %.2f", r)
	}
	waitFor(t, 5*time.Second, "callback marked done", func() bool {
		cbs, err := openStore(t, h.db).ListCallbacks(context.Background(), 0)
		return err == nil && len(cbs) == 1 && cbs[0].Status == "done" && cbs[0].CallID == first.ID && cbs[0].Number == "5551234"
	})
}

// A message being left when the switch is killed is not lost: it was
// indexed when recording began, the WAV is playable up to the kill, and
// the restart fills in its length.
func TestVoicemailSurvivesKill9(t *testing.T) {
	requirePeers(t, "sipp")
	cfg := testConfigWith(queueOpts{flows: `flows:
  main:
    language: en
    start: vm
    nodes:
      vm: { type: voicemail, box: support, max_length: 30s }
`})
	h := startHotline(t, cfg)
	work := callerMedia(t, []pcapStep{{toneHz: 800, toneMS: 10000}})
	// The caller's call dies with the switch; its SIPp is left to time out.
	runSIPpAsync(t, work, "caller_wait.xml", sippArgs()...)
	waitFor(t, 10*time.Second, "recording", func() bool { return strings.Contains(h.Output(), "recording voicemail") })
	time.Sleep(3 * time.Second)
	h.stop(syscall.SIGKILL)
	h = startHotlineIn(t, h.dir, cfg)
	waitFor(t, 5*time.Second, "recovery", func() bool { return strings.Contains(h.Output(), "voicemail cut by the previous run recovered") })
	vms, err := openStore(t, h.db).ListVoicemails(context.Background(), "support", 0)
	if err != nil || len(vms) != 1 {
		t.Fatalf("voicemails after the kill: %+v %v", vms, err)
	}
	if d := time.Duration(vms[0].Duration) * time.Millisecond; d < 2*time.Second || d > 5*time.Second {
		t.Errorf("recovered message lasts %v, want about 3 s", d)
	}
	path := vms[0].Path
	if !filepath.IsAbs(path) {
		path = filepath.Join(h.dir, path)
	}
	msg, err := readWAV(path)
	if err != nil {
		t.Fatalf("the cut message is not a readable WAV: %v", err)
	}
	if r := toneRatio(msg, 800); r < 0.6 {
		t.Errorf("cut message is not the caller's 800 Hz: ratio %.2f", r)
	}
}
