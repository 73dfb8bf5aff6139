package main

import (
	"embed"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

//go:embed scenarios/*.xml
var scenarios embed.FS

// SIPp peers. Each run gets its own directory holding the scenario and its
// media, because SIPp resolves media paths and writes its statistics
// relative to its working directory.

const (
	agentsSIP   = "127.0.0.1:5070" // the agents' (and the baseline's) UAS
	agentsMedia = 4100
	callerPort  = 5080
	callerMedia = 4000
	regPort     = 5070 // the agents' UAS port, free while they register
)

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

func startUAS(dir string) (*uas, error) {
	if err := prepDir(dir, "agent.xml"); err != nil {
		return nil, err
	}
	cmd := exec.Command("sipp", "-sf", "agent.xml", "-i", "127.0.0.1", "-p", "5070",
		"-mi", "127.0.0.1", "-mp", strconv.Itoa(agentsMedia), "-rtp_echo", "-aa", "-nostdin",
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
	time.Sleep(500 * time.Millisecond)
	if cmd.ProcessState != nil {
		return nil, fmt.Errorf("sipp uas exited (see %s)", out.Name())
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

// registerAgents registers agents 0..n-1 with digest authentication from
// the agents' UAS address, before that UAS starts.
func registerAgents(dir, target string, n int) (SippStats, error) {
	if err := prepDir(dir, "register.xml"); err != nil {
		return SippStats{}, err
	}
	if err := os.WriteFile(filepath.Join(dir, "agents.csv"), []byte(AgentsCSV(n)), 0o644); err != nil {
		return SippStats{}, err
	}
	cmd := exec.Command("sipp", "-sf", "register.xml", target, "-i", "127.0.0.1", "-p", strconv.Itoa(regPort),
		"-inf", "agents.csv", "-key", "contact_port", "5070", "-m", strconv.Itoa(n), "-r", "500", "-l", "100",
		"-nostdin", "-trace_stat", "-fd", "1", "-trace_err", "-timeout", "120s", "-timeout_error")
	cmd.Dir = dir
	out, _ := os.Create(filepath.Join(dir, "sipp.out"))
	cmd.Stdout, cmd.Stderr = out, out
	_ = cmd.Run()
	st, err := statsOf(dir)
	if err == nil && st.Successful != n {
		err = fmt.Errorf("%d of %d agents registered (see %s)", st.Successful, n, dir)
	}
	return st, err
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

func runCaller(dir string, r CallerRun) (CallerResult, error) {
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
		"-p", strconv.Itoa(callerPort), "-mi", "127.0.0.1", "-mp", strconv.Itoa(callerMedia),
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
