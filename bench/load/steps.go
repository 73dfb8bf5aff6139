package main

import (
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

type bench struct {
	o       options
	rep     *Report
	h       *hotline // nil while measuring the direct baseline
	targets []string // one per caller SIPp
}

// Step is one load level tried on one path.
type Step struct {
	Path        string // "direct" or "hotline"
	Kind        string // "cps" or "conc"
	Level       float64
	Pass        bool
	Why         string // why it failed
	Calls       int    // launched
	Failed      int    // SIPp failures plus calls no agent answered
	AchievedCPS float64
	Peak        int
	Packets     int64 // UDP datagrams delivered in the namespace
	Lost        int64 // kernel drops (send buffers, long-lived receivers) plus the switch's sequence gaps not already counted
	KernelDrops int64
	SwitchGaps  int64
	CPUPerCall  float64 // switch CPU seconds per call
	Setup       Summary // INVITE -> 200 OK (ms)
	QueueOffer  Summary // queued -> offered to an agent (ms, switch records)
	OfferAnswer Summary
	Digit1      int     // calls whose IVR digit reached the switch
	RSSPerCall  float64 // bytes, at the concurrency plateau
	HeapPerCall float64
	GoPerCall   float64 // goroutines per call
	JitterIn    Summary // |D| ms of streams entering the far end / switch
	JitterOut   Summary // |D| ms of streams the switch sends to agents
	Dir         string

	baseHeap, baseRSS int64 // the idle switch before a concurrency step
}

func (s Step) LossRatio() float64 {
	if s.Packets == 0 {
		return 0
	}
	return float64(s.Lost) / float64(s.Packets+s.Lost)
}

func (s Step) FailRatio() float64 {
	if s.Calls == 0 {
		return 1
	}
	return float64(s.Failed) / float64(s.Calls)
}

func (b *bench) path() string {
	if b.h == nil {
		return "direct"
	}
	return "hotline"
}

// searchCPS steps the call rate; it returns the best passing step.
func (b *bench) searchCPS() *Step {
	s := &Search{Start: b.o.cpsStart, Factor: 2, Max: 2000, Refine: b.o.refine, Precision: 0.05}
	var best *Step
	for i := 0; i < b.o.maxSteps; i++ {
		r, ok := s.Next()
		if !ok {
			break
		}
		st := b.cpsStep(r)
		b.rep.Steps = append(b.rep.Steps, st)
		log.Printf("%s cps %.0f: pass=%v %s (failed %d/%d, lost %d/%d, achieved %.1f cps, peak %d)",
			st.Path, r, st.Pass, st.Why, st.Failed, st.Calls, st.Lost, st.Packets, st.AchievedCPS, st.Peak)
		s.Record(r, st.Pass)
		if st.Pass && (best == nil || st.Level > best.Level) {
			best = &b.rep.Steps[len(b.rep.Steps)-1]
		}
	}
	return best
}

func (b *bench) searchConc() *Step {
	max := 20000.0
	if b.h != nil {
		max = float64(b.o.agents)
	}
	s := &Search{Start: b.o.concStart, Factor: 2, Max: max, Refine: b.o.refine, Precision: 0.1}
	var best *Step
	for i := 0; i < b.o.maxSteps; i++ {
		n, ok := s.Next()
		if !ok {
			break
		}
		st := b.concStep(int(n))
		b.rep.Steps = append(b.rep.Steps, st)
		log.Printf("%s conc %.0f: pass=%v %s (failed %d/%d, lost %d/%d, peak %d)",
			st.Path, n, st.Pass, st.Why, st.Failed, st.Calls, st.Lost, st.Packets, st.Peak)
		s.Record(n, st.Pass)
		if st.Pass && (best == nil || st.Level > best.Level) {
			best = &b.rep.Steps[len(b.rep.Steps)-1]
		}
	}
	return best
}

// before/after snapshot of the counters a step is judged by.
type snapshot struct {
	udp     UDPCounters
	socks   map[string]UDPSocket
	rtpLost float64
	cpu     float64
	at      time.Time
}

func (b *bench) snap() snapshot {
	s := snapshot{at: time.Now()}
	s.udp, _ = readUDPCounters()
	s.socks = readUDPSockets()
	if b.h != nil {
		if m, err := b.h.metrics(); err == nil {
			s.rtpLost = m[`hotline_rtp_packets_lost_total`]
		}
		if ps, err := readProcStat(b.h.pid()); err == nil {
			s.cpu = ps.CPUSeconds
		}
	}
	return s
}

// settle waits for the far ends to finish (switch idle, UAS timewait).
func (b *bench) settle() error {
	if b.h != nil {
		return b.h.waitIdle(b.o.agents, 60*time.Second)
	}
	time.Sleep(3 * time.Second)
	return nil
}

// finish fills in what every step reports and judges failures and loss.
func (b *bench) finish(st *Step, res CallerResult, runErr error, s0 snapshot, maxLoss float64) {
	if err := b.settle(); err != nil && runErr == nil {
		runErr = err
	}
	s1 := b.snap()
	st.Peak = res.Stats.PeakConcurrent
	st.Failed = res.Stats.Failed + max(0, st.Calls-res.Stats.Created)
	st.Setup = Summarize(RTTValues(res.Setup))
	if res.LaunchSecs > 0 {
		st.AchievedCPS = float64(res.Stats.Created) / res.LaunchSecs
	}
	// The caller SIPp never reads its RTP port (nothing in a UAC scenario
	// consumes received audio), so drops there are the harness's, not loss.
	d := s1.udp.Sub(s0.udp)
	st.Packets = d.InDatagrams
	byPort := SocketDropsByPort(s0.socks, s1.socks, isCallerMedia)
	st.KernelDrops = d.SndbufErrors
	for _, n := range byPort {
		st.KernelDrops += n
	}
	st.Lost = st.KernelDrops
	if b.h != nil {
		st.SwitchGaps = int64(s1.rtpLost - s0.rtpLost)
		// A packet the far end's echo socket dropped never comes back, so
		// the switch counts it again as a gap: count it once.
		var echo int64
		for p, n := range byPort {
			if isUASMedia(p) {
				echo += n
			}
		}
		st.Lost += max(0, st.SwitchGaps-echo)
		if st.Calls > 0 {
			st.CPUPerCall = (s1.cpu - s0.cpu) / float64(st.Calls)
		}
		ct, err := b.h.callTimes(s0.at.UnixMilli())
		if err != nil && runErr == nil {
			runErr = err
		}
		// A caller SIPp counts as a success only if an agent answered it.
		st.Failed = max(st.Failed, st.Calls-ct.Answered)
		st.QueueOffer, st.OfferAnswer, st.Digit1 = Summarize(ct.QueueToOffer), Summarize(ct.OfferToAnswer), ct.Digit1
	}
	var why []string
	if runErr != nil {
		why = append(why, runErr.Error())
	}
	if st.FailRatio() >= 0.001 {
		why = append(why, fmt.Sprintf("%.2f%% calls failed", 100*st.FailRatio()))
	}
	if st.LossRatio() > maxLoss {
		why = append(why, fmt.Sprintf("RTP loss %.4f%%%s", 100*st.LossRatio(), describeDrops(byPort, d.SndbufErrors, st.SwitchGaps)))
	}
	st.Why = strings.Join(why, "; ")
	st.Pass = len(why) == 0
}

func (b *bench) cpsStep(rate float64) Step {
	st := Step{Path: b.path(), Kind: "cps", Level: rate, Calls: int(rate * float64(b.o.stepSecs))}
	st.Dir = filepath.Join(b.o.work, fmt.Sprintf("cps-%s-%.0f", st.Path, rate))
	talkS := b.o.talk.Seconds()
	s0 := b.snap()
	var prof sync.WaitGroup
	if b.h != nil {
		prof.Add(1)
		go func() { // the CPU profile of the switch while calls arrive
			defer prof.Done()
			b.h.cpuProfile(filepath.Join(st.Dir, "cpu.pprof"), b.o.stepSecs)
		}()
	}
	res, err := runCallers(st.Dir, b.targets, CallerRun{
		Rate: rate, Calls: st.Calls,
		Limit:   int(rate*(talkS+5)*2) + 20,
		TalkMS:  int(b.o.talk.Milliseconds()),
		Timeout: time.Duration(float64(b.o.stepSecs)+talkS+60) * time.Second,
	})
	prof.Wait()
	b.finish(&st, res, err, s0, b.o.cpsMaxLoss)
	if st.Pass && st.AchievedCPS < 0.95*rate {
		st.Pass, st.Why = false, fmt.Sprintf("launched only %.1f cps", st.AchievedCPS)
	}
	return st
}

func (b *bench) concStep(n int) Step {
	st := Step{Path: b.path(), Kind: "conc", Level: float64(n), Calls: n}
	st.Dir = filepath.Join(b.o.work, fmt.Sprintf("conc-%s-%d", st.Path, n))
	ramp := time.Duration(float64(n) / b.o.launch * float64(time.Second))
	talk := ramp + b.o.hold
	if b.h != nil { // per-call memory is measured against the idle switch just before
		st.baseHeap, _ = b.h.liveHeap()
		if ps, err := readProcStat(b.h.pid()); err == nil {
			st.baseRSS = ps.RSSPages * int64(os.Getpagesize())
		}
	}
	s0 := b.snap()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // measure on the plateau, when every call is up
		defer wg.Done()
		time.Sleep(ramp + b.o.hold/2)
		b.plateau(&st, n)
	}()
	res, err := runCallers(st.Dir, b.targets, CallerRun{
		Rate: b.o.launch, Calls: n, Limit: n + 10,
		TalkMS:  int(talk.Milliseconds()),
		Timeout: talk + ramp + 90*time.Second,
	})
	wg.Wait()
	b.finish(&st, res, err, s0, 0.001)
	if st.Pass && st.Peak < n {
		st.Pass, st.Why = false, fmt.Sprintf("only %d calls up together", st.Peak)
	}
	return st
}

// plateau samples memory and takes a short capture for jitter while all
// calls of a concurrency step are up.
func (b *bench) plateau(st *Step, n int) {
	if b.h != nil {
		if ps, err := readProcStat(b.h.pid()); err == nil {
			st.RSSPerCall = float64(ps.RSSPages*int64(os.Getpagesize())-st.baseRSS) / float64(n)
		}
		if m, err := b.h.metrics(); err == nil {
			st.GoPerCall = m["go_goroutines"] / float64(n)
		}
		if heap, err := b.h.liveHeap(); err == nil {
			st.HeapPerCall = float64(heap-st.baseHeap) / float64(n)
		}
		if prof, err := httpGet("/debug/pprof/heap"); err == nil {
			_ = os.WriteFile(filepath.Join(st.Dir, "heap.pprof"), prof, 0o644)
		}
	}
	capFile := filepath.Join(st.Dir, "rtp.pcap")
	cmd := exec.Command("dumpcap", "-q", "-i", "lo", "-s", "96", "-P", "-a", "duration:2", "-f", "udp", "-w", capFile)
	if out, err := cmd.CombinedOutput(); err != nil {
		log.Printf("capture: %v %s", err, out)
		return
	}
	f, err := os.Open(capFile)
	if err != nil {
		return
	}
	pkts, err := ReadRTPCapture(f)
	f.Close()
	_ = os.Remove(capFile)
	if err != nil {
		log.Printf("capture: %v", err)
		return
	}
	inRange := func(p uint16) bool { return p >= rtpMin && p <= rtpMax+1 }
	if b.h == nil {
		st.JitterIn = Summarize(TransitVariation(pkts, func(p RTPSeen) bool { return isUASMedia(int(p.DstPort)) }))
		return
	}
	st.JitterIn = Summarize(TransitVariation(pkts, func(p RTPSeen) bool { return inRange(p.DstPort) && isCallerMedia(int(p.SrcPort)) }))
	st.JitterOut = Summarize(TransitVariation(pkts, func(p RTPSeen) bool { return inRange(p.SrcPort) && isUASMedia(int(p.DstPort)) }))
}

// describeDrops says where packets were lost, so a harness limit (the far
// end's SIPp socket overflowing) is told apart from the switch's.
func describeDrops(byPort map[int]int64, sndbuf, gaps int64) string {
	var parts []string
	byName := map[string]int64{}
	for p, n := range byPort {
		byName[portName(p)] += n
	}
	names := make([]string, 0, len(byName))
	for name := range byName {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		parts = append(parts, fmt.Sprintf("%d at %s", byName[name], name))
	}
	if sndbuf > 0 {
		parts = append(parts, fmt.Sprintf("%d send-buffer", sndbuf))
	}
	if gaps > 0 {
		parts = append(parts, fmt.Sprintf("%d gaps seen by the switch", gaps))
	}
	if len(parts) == 0 {
		return ""
	}
	return ": " + strings.Join(parts, ", ")
}

func portName(p int) string {
	switch {
	case isUASMedia(p):
		return "the far-end SIPp's RTP echo"
	case p >= rtpMin && p <= rtpMax+1:
		return "switch RTP"
	case p == 5060:
		return "switch SIP"
	}
	return fmt.Sprintf("port %d", p)
}
