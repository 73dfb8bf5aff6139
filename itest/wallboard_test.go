package itest

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// browserEnv is the environment for the Node driver of headless Chromium:
// playwright-core from .cache/node (scripts/install-test-deps.sh).
func browserEnv(t *testing.T) []string {
	t.Helper()
	mods, err := filepath.Abs(filepath.Join("..", ".cache", "node", "node_modules"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(mods, "playwright-core")); err != nil {
		requirePeers(t, "playwright-core-in-.cache/node") // fails under CI, skips elsewhere
	}
	return append(os.Environ(), "NODE_PATH="+mods, "HOME="+t.TempDir())
}

// get reads a URL with an optional bearer token.
func get(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// The wallboard in a real browser: a caller waits in support with nobody
// logged in; the board (served by the switch, fed by server-sent events)
// shows the waiting call and, past the queue's alert_wait, the alert, which
// is also published as a CTI event. Then the report API answers with the
// same numbers as `hotline report`, and refuses what it should.
func TestWallboardAndReportAPI(t *testing.T) {
	requirePeers(t, "sipp", "chromium", "node")
	env := browserEnv(t)
	cfg := testConfigWith(queueOpts{extra: ", sl_target: 80, alert_wait: 2s"})
	cfg += "alerts: { not_ready: 15m, wrap_up: 2m }\n"
	h := startHotline(t, cfg)

	work := callerMedia(t, []pcapStep{{silenceMS: 1000}, {digit: '2'}, {silenceMS: 12000}})
	done := runSIPpAsync(t, work, "caller.xml", sippArgs("-d", "12000")...)
	waitFor(t, 10*time.Second, "caller queued", func() bool { return strings.Contains(h.Output(), "msg=queued") })

	shot := filepath.Join(t.TempDir(), "wallboard.png")
	if os.Getenv("HOTLINE_DOCS_SCREENSHOTS") != "" {
		shot, _ = filepath.Abs(filepath.Join("..", "docs", "wallboard.png"))
	}
	cmd := exec.Command("node", filepath.Join("..", "testdata", "browser", "wallboard.js"),
		"http://127.0.0.1:18080/wallboard/?token=sup-secret", "support", shot)
	cmd.Env = env
	out, err := cmd.Output()
	if err != nil {
		stderr := ""
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("browser: %v\n%s\n%s", err, out, tail(stderr, 3000))
	}
	var seen struct {
		Link, Waiting, Longest string
		Alerts, Agents         []string
	}
	if err := json.Unmarshal(out, &seen); err != nil {
		t.Fatalf("browser output %q: %v", out, err)
	}
	if seen.Link != "live" || seen.Waiting != "1" || !strings.HasPrefix(seen.Longest, "0:0") {
		t.Errorf("board: %+v", seen)
	}
	if len(seen.Alerts) != 1 || !strings.Contains(seen.Alerts[0], "support: a caller has waited") {
		t.Errorf("alerts on the board: %q", seen.Alerts)
	}
	if strings.Join(seen.Agents, ",") != "1001:logged out,1002:logged out,1003:logged out" {
		t.Errorf("agents on the board: %q", seen.Agents)
	}
	if st, err := os.Stat(shot); err != nil || st.Size() < 10_000 {
		t.Errorf("screenshot %s: %v", shot, err)
	}
	if !strings.Contains(h.Output(), `msg="alert raised" alert=queue_wait queue=support`) {
		t.Errorf("the alert was not raised by the switch")
	}

	awaitSIPp(t, done, 20*time.Second, "the waiting caller")
	waitFor(t, 5*time.Second, "alert cleared", func() bool { return strings.Contains(h.Output(), `msg="alert cleared" alert=queue_wait`) })

	// The report API: the same numbers as the CLI, from the same code.
	base := "http://127.0.0.1:18080/api/reports/queue?interval=all&queue=support"
	if code, _ := get(t, base, ""); code != 401 {
		t.Errorf("no token: %d, want 401", code)
	}
	if code, _ := get(t, "http://127.0.0.1:18080/api/wallboard", "crm-secret"); code != 403 {
		t.Errorf("crm token on the wallboard: %d, want 403", code)
	}
	if code, body := get(t, "http://127.0.0.1:18080/api/reports/queue?interval=fortnight", "sup-secret"); code != 400 || !strings.Contains(body, `"bad_request"`) {
		t.Errorf("bad interval: %d %s", code, body)
	}
	code, api := get(t, base, "crm-secret")
	if code != 200 {
		t.Fatalf("report API: %d %s", code, api)
	}
	var rows []map[string]any
	if err := json.Unmarshal([]byte(api), &rows); err != nil || len(rows) != 1 || rows[0]["offered"] != 1.0 || rows[0]["abandoned"] != 1.0 {
		t.Errorf("report API rows %s", api)
	}
	h.stop(15)
	cli, err := exec.Command(hotlineBin(t), "report", "queue", "--db", h.db, "--interval", "all", "--queue", "support", "--format", "json").Output()
	if err != nil {
		t.Fatal(err)
	}
	var cliRows []map[string]any
	_ = json.Unmarshal(cli, &cliRows)
	if len(cliRows) != 1 || cliRows[0]["offered"] != rows[0]["offered"] || cliRows[0]["abandoned"] != rows[0]["abandoned"] ||
		cliRows[0]["longest_wait_s"] != rows[0]["longest_wait_s"] {
		t.Errorf("CLI and API differ:\nCLI %s\nAPI %s", cli, api)
	}
}
