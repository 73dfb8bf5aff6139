package main

import (
	"bufio"
	"bytes"
	"fmt"
	"math"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Report is everything one run measured.
type Report struct {
	o                      options
	Started                time.Time
	Machine                Machine
	Load                   LoadAvg
	DirectCPS, SwitchCPS   *Step
	DirectConc, SwitchConc *Step
	Steps                  []Step
	IdleHeap               int64 // the switch's live heap once the agents registered
	Micro                  []MicroResult
	MicroErr               error
	Profiles               string
}

// Machine identifies where the figures come from.
type Machine struct {
	CPU     string
	Cores   int
	Kernel  string
	Go      string
	SIPp    string
	MemoryG float64
}

func newReport(o options) *Report {
	m := Machine{Cores: runtime.NumCPU(), Go: runtime.Version()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "model name"); ok {
				m.CPU = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb float64
		fmt.Sscanf(strings.TrimPrefix(strings.SplitN(string(b), "\n", 2)[0], "MemTotal:"), "%f", &kb)
		m.MemoryG = kb / (1 << 20)
	}
	if out, _ := exec.Command("sipp", "-v").CombinedOutput(); len(out) > 0 { // exits non-zero
		for _, l := range strings.Split(string(out), "\n") {
			if strings.Contains(l, "SIPp v") {
				m.SIPp = strings.TrimSuffix(strings.TrimSpace(l), ".")
			}
		}
	}
	return &Report{o: o, Started: time.Now(), Machine: m}
}

// LoadAvg is the machine's 1-minute load average around and during a run.
type LoadAvg struct{ Start, Max, End float64 }

type loadSampler struct {
	mu   sync.Mutex
	l    LoadAvg
	quit chan struct{}
	done chan struct{}
}

func loadNow() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return math.NaN()
	}
	v, _ := strconv.ParseFloat(strings.Fields(string(b))[0], 64)
	return v
}

func startLoadSampler() *loadSampler {
	s := &loadSampler{quit: make(chan struct{}), done: make(chan struct{})}
	s.l.Start, s.l.Max = loadNow(), loadNow()
	go func() {
		defer close(s.done)
		t := time.NewTicker(5 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-s.quit:
				return
			case <-t.C:
				s.mu.Lock()
				s.l.Max = math.Max(s.l.Max, loadNow())
				s.mu.Unlock()
			}
		}
	}()
	return s
}

func (s *loadSampler) stop() LoadAvg {
	close(s.quit)
	<-s.done
	s.l.End = loadNow()
	s.l.Max = math.Max(s.l.Max, s.l.End)
	return s.l
}

// MicroResult is one Go benchmark line.
type MicroResult struct {
	Pkg, Name string
	Metrics   []string // "3.4 µs/op"-style pairs as printed
}

// ParseBenchOutput reads `go test -bench` output: "pkg:" lines name the
// package, "Benchmark…" lines carry value/unit pairs after the count.
func ParseBenchOutput(out []byte) []MicroResult {
	var res []MicroResult
	pkg := ""
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 2 && f[0] == "pkg:" {
			pkg = f[1]
			continue
		}
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		if _, err := strconv.Atoi(f[1]); err != nil {
			continue
		}
		r := MicroResult{Pkg: pkg, Name: f[0]}
		for i := 2; i+1 < len(f); i += 2 {
			r.Metrics = append(r.Metrics, f[i]+" "+f[i+1])
		}
		res = append(res, r)
	}
	return res
}

func runMicro(repo string) ([]MicroResult, error) {
	cmd := exec.Command("go", "test", "-run", "^$", "-bench", ".", "-benchmem", "./acd", "./media", "./cti", "./store", "./sip/...")
	cmd.Dir = repo
	cmd.Env = append(os.Environ(), "GOPROXY=off")
	out, err := cmd.CombinedOutput()
	res := ParseBenchOutput(out)
	if err != nil {
		return res, fmt.Errorf("go test -bench: %v: %s", err, lastLines(out, 5))
	}
	return res, nil
}

func lastLines(b []byte, n int) string {
	l := strings.Split(strings.TrimSpace(string(b)), "\n")
	return strings.Join(l[max(0, len(l)-n):], " | ")
}
