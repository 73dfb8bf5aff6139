package itest

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// browserStep is one JSON line of itest/wallboard.js.
type browserStep struct {
	Step     string `json:"step"`
	At       int64  `json:"at"`
	Path     string `json:"path"`
	Waiting  int    `json:"waiting"`
	Longest  string `json:"longest"`
	Text     string `json:"text"`
	State    string `json:"state"`
	Alerting bool   `json:"tile_alerting"`
	Error    string `json:"error"`
}

// startBrowser runs the playwright-core driver against the board.
func startWallboardBrowser(t *testing.T, url, shot, queue, agent string) <-chan browserStep {
	t.Helper()
	nodePath := os.Getenv("NODE_PATH")
	if nodePath == "" {
		abs, _ := filepath.Abs(filepath.Join("..", ".cache", "node", "node_modules"))
		nodePath = abs
	}
	if _, err := os.Stat(filepath.Join(nodePath, "playwright-core")); err != nil {
		requirePeers(t, "playwright-core (npm)")
	}
	cmd := exec.Command("node", "wallboard.js", url, shot, queue, agent)
	cmd.Env = append(os.Environ(), "NODE_PATH="+nodePath, "HOME="+t.TempDir())
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("browser stderr:\n%s", tail(stderr.String(), tailBytes()))
		}
	})
	steps := make(chan browserStep, 16)
	go func() {
		defer close(steps)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			var s browserStep
			if json.Unmarshal(sc.Bytes(), &s) == nil {
				steps <- s
			}
		}
	}()
	return steps
}

func awaitStep(t *testing.T, steps <-chan browserStep, want string, timeout time.Duration) browserStep {
	t.Helper()
	select {
	case s, ok := <-steps:
		if !ok {
			t.Fatalf("browser driver exited before %q", want)
		}
		if s.Step != want {
			t.Fatalf("browser step %+v, want %q", s, want)
		}
		return s
	case <-time.After(timeout):
		t.Fatalf("no %q from the browser within %v", want, timeout)
	}
	return browserStep{}
}

// The wallboard in headless Chromium: a SIPp caller waits in support with
// no agent; the board shows the waiting call within a second of it joining
// the queue, then the wait alert, which CTI clients receive as an event.
// An agent left in not_ready past its limit raises the agent alert.
// WALLBOARD_SCREENSHOT=../docs/wallboard.png refreshes the picture in docs/.
func TestWallboardShowsWaitingCallAndAlert(t *testing.T) {
	requirePeers(t, "sipp", "node", "chromium")
	cfg := testConfigWith(queueOpts{maxWait: "40s", extra: ", alerts: { wait_above: 3s, sl_below: 80 }"})
	cfg = strings.Replace(cfg, "cti:\n", "wallboard:\n  agent_alerts: { not_ready_above: 2s }\ncti:\n", 1)
	cfg = strings.Replace(cfg, "skills: { sales: 8 } }", "skills: { sales: 8 }, team: blue }", 1)
	h := startHotline(t, cfg)
	cti := dialCTI(t, "127.0.0.1:17070", "sup-secret")
	if r := cti.cmd(map[string]any{"cmd": "subscribe", "kinds": []string{"queue.joined", "alert.raised"}}); r["ok"] != true {
		t.Fatalf("subscribe: %v", r)
	}
	// Alice (sales only, so never offered the support call) takes a break.
	for _, c := range []string{"agent_login", "agent_not_ready"} {
		if r := cti.cmd(map[string]any{"cmd": c, "agent": "1001", "reason": "break"}); r["ok"] != true {
			t.Fatalf("%s: %v", c, r)
		}
	}

	shot := os.Getenv("WALLBOARD_SCREENSHOT")
	if shot == "" {
		shot = filepath.Join(t.TempDir(), "wallboard.png")
	}
	shot, _ = filepath.Abs(shot)
	steps := startWallboardBrowser(t, "http://127.0.0.1:18080/wallboard?token=sup-secret", shot, "support", "1001")
	ready := awaitStep(t, steps, "ready", 30*time.Second)
	if ready.Path != "/wallboard" || ready.Waiting != 0 {
		t.Fatalf("board before the call: %+v, want /wallboard (token gone from the address) with nobody waiting", ready)
	}

	work := callerMedia(t, []pcapStep{{silenceMS: 1500}, {digit: '2'}, {silenceMS: 1000}})
	runSIPpAsync(t, work, "caller_wait.xml", sippArgs()...)

	got := map[string]bool{} // alert.raised events: reason/queue/agent
	note := func(ev map[string]any) {
		if ev["event"] == "alert.raised" {
			q, _ := ev["queue"].(string)
			ag, _ := ev["agent_id"].(string)
			got[fmt.Sprintf("%s/%s/%s", ev["reason"], q, ag)] = true
		}
	}
	var joined time.Time
	for joined.IsZero() {
		select {
		case ev, ok := <-cti.events:
			if !ok {
				t.Fatal("cti closed")
			}
			note(ev)
			if ev["event"] == "queue.joined" && ev["queue"] == "support" {
				joined, _ = time.Parse(time.RFC3339Nano, ev["ts"].(string))
			}
		case <-time.After(15 * time.Second):
			t.Fatalf("the caller never joined support:\n%s", tail(h.Output(), tailBytes()))
		}
	}
	w := awaitStep(t, steps, "waiting", 15*time.Second)
	lag := time.UnixMilli(w.At).Sub(joined)
	t.Logf("board showed the waiting caller %v after queue.joined", lag)
	if w.Waiting != 1 || lag > time.Second {
		t.Errorf("board showed %d waiting %v after the join, want 1 within a second", w.Waiting, lag)
	}

	a := awaitStep(t, steps, "alert", 20*time.Second)
	if !strings.Contains(a.Text, "support") || !a.Alerting || a.Longest < "0:03" {
		t.Errorf("alert on the board: %+v, want the support wait alert with the tile flagged and a wait of 3 s or more", a)
	}
	if at := time.UnixMilli(a.At).Sub(joined); at < 3*time.Second {
		t.Errorf("alert shown %v after the join, before the 3 s limit", at)
	}
	aa := awaitStep(t, steps, "agent_alert", 20*time.Second)
	if !strings.HasPrefix(aa.State, "not ready") || !strings.Contains(aa.Text, "1001") {
		t.Errorf("agent alert %+v", aa)
	}
	awaitStep(t, steps, "done", 20*time.Second)

	// The same alerts went out as CTI events (and so to webhooks).
	deadline := time.After(5 * time.Second)
	for !got["wait_above/support/"] || !got["not_ready_above//1001"] {
		select {
		case ev := <-cti.events:
			note(ev)
		case <-deadline:
			t.Fatalf("alert.raised events seen %v, want wait_above for support and not_ready_above for 1001", got)
		}
	}
	if st, err := os.Stat(shot); err != nil || st.Size() < 10000 {
		t.Errorf("screenshot %s: %v", shot, err)
	}
}
