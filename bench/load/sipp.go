package main

import (
	"embed"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"
)

//go:embed scenarios/*.xml
var scenarios embed.FS

// SIPp peers. Each run gets its own directory holding the scenario and its
// media, because SIPp resolves media paths and writes its statistics
// relative to its working directory.

// The far end and the carrier are each split over several SIPp processes
// (peers): one SIPp's RTP echo is a single thread draining one socket,
// whose receive buffer (net.core.rmem_max) holds only milliseconds of
// traffic at thousands of packets per second, so one echo would be the
// ceiling of the whole measurement. Far-end peer k listens on SIP port
// 5100+k and echoes RTP on 4100+10k. Caller k uses SIP port 5200+k and
// gives each call its own RTP port ([auto_media_port]: -mp upwards, 10,000
// ports per process) so every call's stream can be told apart in a capture.
func uasSIPPort(k int) int    { return 5100 + k }
func uasMedia(k int) int      { return 4100 + 10*k }
func callerSIPPort(k int) int { return 5200 + k }
func callerMedia(k int) int   { return callerMediaBase + 10000*k }

const (
	callerMediaBase = 10000
	maxPeers        = 4 // callers' media ports end below the switch's RTP range
)

// isUASMedia and isCallerMedia tell the peers' RTP ports (and RTCP, +2).
func isUASMedia(p int) bool    { return p >= 4100 && p < 5000 && (p-4100)%10 <= 2 }
func isCallerMedia(p int) bool { return p >= callerMediaBase && p < callerMediaBase+10000*maxPeers }

func prepDir(dir, scenario string) error {
	if err := os.MkdirAll(filepath.Join(dir, "media"), 0o755); err != nil {
		return err
	}
	b, err := scenarios.ReadFile("scenarios/" + scenario)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, scenario), b, 0o644)
}

func findOne(dir, pattern string) (string, error) {
	m, _ := filepath.Glob(filepath.Join(dir, pattern))
	if len(m) == 0 {
		return "", fmt.Errorf("no %s in %s", pattern, dir)
	}
	return m[len(m)-1], nil
}

func statsOf(dir string) (SippStats, error) {
	p, err := findOne(dir, "*_.csv")
	if err != nil {
		return SippStats{}, err
	}
	f, err := os.Open(p)
	if err != nil {
		return SippStats{}, err
	}
	defer f.Close()
	return ParseStatCSV(f)
}

// uas is a long-running SIPp answering every call and echoing RTP.
type uas struct {
	cmd *exec.Cmd
	dir string
}

func startUAS(dir string, k int) (*uas, error) {
	if err := prepDir(dir, "agent.xml"); err != nil {
		return nil, err
	}
	cmd := exec.Command("sipp", "-sf", "agent.xml", "-i", "127.0.0.1", "-p", strconv.Itoa(uasSIPPort(k)),
		"-mi", "127.0.0.1", "-mp", strconv.Itoa(uasMedia(k)), "-rtp_echo", "-aa", "-nostdin",
		"-trace_stat", "-fd", "1", "-trace_err", "-max_recv_loops", "10000", "-max_sched_loops", "10000")
	cmd.Dir = dir
	out, err := os.Create(filepath.Join(dir, "sipp.out"))
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return &uas{cmd: cmd, dir: dir}, nil
}

func (u *uas) stop() {
	_ = u.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = u.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = u.cmd.Process.Kill()
		<-done
	}
}

// uasGroup is the far end: peers SIPp UAS processes.
type uasGroup []*uas

func startUASGroup(dir string, peers int) (uasGroup, error) {
	var g uasGroup
	for k := range peers {
		u, err := startUAS(filepath.Join(dir, strconv.Itoa(k)), k)
		if err != nil {
			g.stop()
			return nil, err
		}
		g = append(g, u)
	}
	time.Sleep(500 * time.Millisecond)
	for _, u := range g {
		if u.cmd.ProcessState != nil {
			g.stop()
			return nil, fmt.Errorf("sipp uas exited (see %s)", u.dir)
		}
	}
	return g, nil
}

func (g uasGroup) stop() {
	for _, u := range g {
		u.stop()
	}
}

func (g uasGroup) targets() []string {
	t := make([]string, len(g))
	for k := range g {
		t[k] = fmt.Sprintf("127.0.0.1:%d", uasSIPPort(k))
	}
	return t
}

// registerAgents registers agents 0..n-1 with digest authentication, agent
// i from far-end peer i%peers's SIP port, before that peer's UAS starts:
// the switch calls a phone where its REGISTER came from.
func registerAgents(dir, target string, n, peers int) error {
	for k := range peers {
		var ids []int
		for i := k; i < n; i += peers {
			ids = append(ids, i)
		}
		if len(ids) == 0 {
			continue
		}
		d := filepath.Join(dir, strconv.Itoa(k))
		if err := prepDir(d, "register.xml"); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(d, "agents.csv"), []byte(AgentsCSV(ids)), 0o644); err != nil {
			return err
		}
		port := strconv.Itoa(uasSIPPort(k))
		cmd := exec.Command("sipp", "-sf", "register.xml", target, "-i", "127.0.0.1", "-p", port,
			"-inf", "agents.csv", "-key", "contact_port", port, "-m", strconv.Itoa(len(ids)), "-r", "500", "-l", "100",
			"-nostdin", "-trace_stat", "-fd", "1", "-trace_err", "-timeout", "120s", "-timeout_error")
		cmd.Dir = d
		out, _ := os.Create(filepath.Join(d, "sipp.out"))
		cmd.Stdout, cmd.Stderr = out, out
		_ = cmd.Run()
		st, err := statsOf(d)
		if err == nil && st.Successful != len(ids) {
			err = fmt.Errorf("%d of %d agents registered (see %s)", st.Successful, len(ids), d)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// CallerRun is one SIPp caller run: calls at rate, each playing a pcap of
// talkMS after a short IVR lead, then BYE.
type CallerRun struct {
	Target  string
	Rate    float64
	Calls   int
	Limit   int // max simultaneous calls
	TalkMS  int
	Timeout time.Duration
}

// CallerResult is what the caller's SIPp measured.
type CallerResult struct {
	Stats      SippStats
	Setup      []RTT // INVITE -> 200 OK
	LaunchSecs float64
}

const (
	leadMS  = 400 // silence before the digit: the caller hears the prompt start
	digitMS = 100
)

func runCaller(dir string, k int, r CallerRun) (CallerResult, error) {
	var res CallerResult
	if err := prepDir(dir, "caller.xml"); err != nil {
		return res, err
	}
	f, err := os.Create(filepath.Join(dir, "media", "caller.pcap"))
	if err != nil {
		return res, err
	}
	err = CallerPcap(f, leadMS, 1, r.TalkMS)
	f.Close()
	if err != nil {
		return res, err
	}
	cmd := exec.Command("sipp", "-sf", "caller.xml", r.Target, "-s", "5000", "-i", "127.0.0.1",
		"-p", strconv.Itoa(callerSIPPort(k)), "-mi", "127.0.0.1", "-mp", strconv.Itoa(callerMedia(k)),
		"-r", strconv.FormatFloat(r.Rate, 'f', -1, 64), "-m", strconv.Itoa(r.Calls), "-l", strconv.Itoa(r.Limit),
		"-d", strconv.Itoa(leadMS+digitMS+r.TalkMS+100), "-aa", "-nostdin",
		"-trace_stat", "-fd", "1", "-trace_rtt", "-rtt_freq", "1", "-trace_err",
		"-max_recv_loops", "10000", "-max_sched_loops", "10000",
		"-timeout", fmt.Sprintf("%ds", int(r.Timeout.Seconds())), "-timeout_error")
	cmd.Dir = dir
	out, _ := os.Create(filepath.Join(dir, "sipp.out"))
	cmd.Stdout, cmd.Stderr = out, out
	runErr := cmd.Run()
	if res.Stats, err = statsOf(dir); err != nil {
		return res, fmt.Errorf("%v (sipp: %v)", err, runErr)
	}
	if p, err := findOne(dir, "*_rtt.csv"); err == nil {
		if f, err := os.Open(p); err == nil {
			res.Setup, _ = ParseRTTCSV(f, 1)
			f.Close()
		}
	}
	for _, s := range res.Setup {
		res.LaunchSecs = max(res.LaunchSecs, (s.AtMS-s.MS)/1000)
	}
	return res, nil
}

// runCallers splits a run over one caller SIPp per target (the far-end
// peers, or the switch once per peer), each at its share of the rate, and
// merges what they measured.
func runCallers(dir string, targets []string, r CallerRun) (CallerResult, error) {
	n := len(targets)
	results := make([]CallerResult, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for k, t := range targets {
		part := r
		part.Target = t
		part.Rate = r.Rate / float64(n)
		part.Calls = r.Calls / n
		if k < r.Calls%n {
			part.Calls++
		}
		part.Limit = r.Limit/n + 10
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[k], errs[k] = runCaller(filepath.Join(dir, strconv.Itoa(k)), k, part)
		}()
	}
	wg.Wait()
	return MergeCallerResults(results), errors.Join(errs...)
}

// MergeCallerResults adds up parallel caller runs. Peaks are summed: the
// runs start together at the same share of the rate, so their peaks
// coincide to within a second.
func MergeCallerResults(rs []CallerResult) CallerResult {
	var m CallerResult
	for _, r := range rs {
		m.Stats.Created += r.Stats.Created
		m.Stats.Successful += r.Stats.Successful
		m.Stats.Failed += r.Stats.Failed
		m.Stats.Retransmissions += r.Stats.Retransmissions
		m.Stats.PeakConcurrent += r.Stats.PeakConcurrent
		m.Stats.Rows = max(m.Stats.Rows, r.Stats.Rows)
		m.Setup = append(m.Setup, r.Setup...)
		m.LaunchSecs = max(m.LaunchSecs, r.LaunchSecs)
	}
	return m
}
