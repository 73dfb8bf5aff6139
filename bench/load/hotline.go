package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	_ "github.com/mattn/go-sqlite3"
)

// The switch under test: a generated configuration with many agents, the
// process, and what it reports (metrics, pprof, its call records).

const (
	hotlineSIP  = "127.0.0.1:5060"
	hotlineHTTP = "127.0.0.1:8080"
	rtpMin      = 50000 // above the callers' media ports
	rtpMax      = 65500
)

// agentID numbers agents 100000…; passwords are derived from the id.
func agentID(i int) string       { return fmt.Sprintf("%d", 100000+i) }
func agentPassword(i int) string { return fmt.Sprintf("pw%d", 100000+i) }

// HotlineConfig is the benchmark's configuration: one trunk whose number
// 5000 runs a one-digit menu into queue "bench", n agents with the skill,
// no wrap-up, no recording, the per-source rate limit lifted (the carrier
// is one SIPp address), pprof on. A missed ring never sets an agent not
// ready, so one overloaded step cannot shrink the agent pool of the next.
func HotlineConfig(dir string, agents int) string {
	var b strings.Builder
	fmt.Fprintf(&b, `server:
  sip:
    listen: [{ transport: udp, addr: %q }]
    realm: hotline
    public_ip: 127.0.0.1
    rate_per_source: 1000000
  rtp: { ip: 127.0.0.1, port_min: %d, port_max: %d, timeout: 60s }
  http: { addr: %q, pprof: true }
  database: %q
  recordings: %q
  log_level: info
cti:
  listen: "127.0.0.1:7070"
  tokens: [{ token: bench, role: admin }]
trunks:
  - name: carrier
    sources: [127.0.0.1/32]
    routes: [{ number: "5000", flow: main }]
queues:
  - { name: bench, skills: { bench: 1 }, strategy: longest_idle, ring_timeout: 10s, wrap_up: 0s, max_wait: 120s, moh: hold,
      no_answer_limit: 1000000 }
flows:
  main:
    language: en
    start: menu
    nodes:
      menu: { type: menu, prompt: welcome, timeout: 5s, retries: 1, options: { "1": q }, fallback: q }
      q: { type: enqueue, queue: bench }
agents:
`, hotlineSIP, rtpMin, rtpMax, hotlineHTTP, filepath.Join(dir, "hotline.db"), filepath.Join(dir, "recordings"))
	for i := range agents {
		fmt.Fprintf(&b, "  - { id: %q, password: %q, skills: { bench: 5 } }\n", agentID(i), agentPassword(i))
	}
	return b.String()
}

// AgentsCSV is SIPp's injection file for registering the agents numbered
// ids; the third field is the whole [authentication] keyword, the form
// SIPp expands.
func AgentsCSV(ids []int) string {
	var b strings.Builder
	b.WriteString("SEQUENTIAL\n")
	for _, i := range ids {
		fmt.Fprintf(&b, "%s;%s;[authentication username=%s password=%s]\n", agentID(i), agentPassword(i), agentID(i), agentPassword(i))
	}
	return b.String()
}

type hotline struct {
	cmd *exec.Cmd
	dir string
}

func startHotline(bin, dir string, agents int) (*hotline, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	cfg := filepath.Join(dir, "hotline.yaml")
	if err := os.WriteFile(cfg, []byte(HotlineConfig(dir, agents)), 0o644); err != nil {
		return nil, err
	}
	logf, err := os.Create(filepath.Join(dir, "hotline.log"))
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "serve", "--config", cfg)
	cmd.Dir, cmd.Stdout, cmd.Stderr = dir, logf, logf
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	h := &hotline{cmd: cmd, dir: dir}
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if r, err := http.Get("http://" + hotlineHTTP + "/healthz"); err == nil {
			r.Body.Close()
			return h, nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	h.stop()
	return nil, fmt.Errorf("hotline did not come up (see %s)", logf.Name())
}

func (h *hotline) pid() int { return h.cmd.Process.Pid }

func (h *hotline) stop() {
	_ = h.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = h.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		_ = h.cmd.Process.Kill()
		<-done
	}
}

func httpGet(path string) ([]byte, error) {
	r, err := http.Get("http://" + hotlineHTTP + path)
	if err != nil {
		return nil, err
	}
	defer r.Body.Close()
	return io.ReadAll(r.Body)
}

func (h *hotline) metrics() (map[string]float64, error) {
	r, err := http.Get("http://" + hotlineHTTP + "/metrics")
	if err != nil {
		return nil, err
	}
	defer r.Body.Close()
	return ParsePromText(r.Body)
}

// liveHeap forces a collection and returns the heap in use by live
// objects, from the pprof heap profile's MemStats trailer.
func (h *hotline) liveHeap() (int64, error) {
	b, err := httpGet("/debug/pprof/heap?gc=1&debug=1")
	if err != nil {
		return 0, err
	}
	return ParseMemStat(string(b), "HeapAlloc")
}

// ParseMemStat finds "# Name = value" in a debug=1 pprof heap profile.
func ParseMemStat(profile, name string) (int64, error) {
	prefix := "# " + name + " = "
	for _, line := range strings.Split(profile, "\n") {
		if v, ok := strings.CutPrefix(line, prefix); ok {
			var n int64
			if _, err := fmt.Sscan(v, &n); err != nil {
				return 0, err
			}
			return n, nil
		}
	}
	return 0, fmt.Errorf("no %s in heap profile", name)
}

// waitIdle waits until no call is up and every agent is ready again.
func (h *hotline) waitIdle(agents int, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		m, err := h.metrics()
		if err == nil && m["hotline_calls_in_progress"] == 0 && int(m[`hotline_agents{state="ready"}`]) == agents {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("switch not idle after %s: calls %v, ready agents %v", limit, m["hotline_calls_in_progress"], m[`hotline_agents{state="ready"}`])
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// CallTimes are the per-call records of one step from the switch's
// database (unix ms).
type CallTimes struct {
	Total, Answered, Digit1 int
	QueueToOffer            []float64 // ms
	OfferToAnswer           []float64 // ms
}

func (h *hotline) callTimes(sinceMS int64) (CallTimes, error) {
	var ct CallTimes
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(h.dir, "hotline.db")+"?mode=ro&_busy_timeout=5000")
	if err != nil {
		return ct, err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rows, err := db.QueryContext(ctx, `SELECT ivr_digits, queued_at, offered_at, answered_at FROM calls WHERE arrived_at >= ?`, sinceMS)
	if err != nil {
		return ct, err
	}
	defer rows.Close()
	for rows.Next() {
		var digits string
		var q, o, a sql.NullInt64
		if err := rows.Scan(&digits, &q, &o, &a); err != nil {
			return ct, err
		}
		ct.Total++
		if digits == "1" {
			ct.Digit1++
		}
		if a.Valid {
			ct.Answered++
		}
		if q.Valid && o.Valid {
			ct.QueueToOffer = append(ct.QueueToOffer, float64(o.Int64-q.Int64))
		}
		if o.Valid && a.Valid {
			ct.OfferToAnswer = append(ct.OfferToAnswer, float64(a.Int64-o.Int64))
		}
	}
	return ct, rows.Err()
}

// cpuProfile saves a CPU profile of the switch over the next secs seconds.
func (h *hotline) cpuProfile(path string, secs int) {
	b, err := httpGet(fmt.Sprintf("/debug/pprof/profile?seconds=%d", secs))
	if err != nil || len(b) == 0 {
		return
	}
	_ = os.MkdirAll(filepath.Dir(path), 0o755)
	_ = os.WriteFile(path, b, 0o644)
}

// saveProfiles keeps the allocation profile since start.
func (h *hotline) saveProfiles(dir string) bool {
	b, err := httpGet("/debug/pprof/allocs")
	if err != nil || len(b) == 0 {
		return false
	}
	_ = os.MkdirAll(dir, 0o755)
	return os.WriteFile(filepath.Join(dir, "allocs.pprof"), b, 0o644) == nil
}
