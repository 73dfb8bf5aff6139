// Command load is Hotline's whole-path load benchmark: SIPp as the carrier
// and as hundreds of registered agents, the same caller scenario run
// straight to a SIPp UAS as the same-run baseline, rate and concurrency
// stepped up until calls fail or RTP is lost. It writes a markdown report.
//
// It opens fixed loopback ports: run it in a private network namespace
// (make bench-load does), never beside a live switch.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"
)

type options struct {
	quick      bool
	bin        string
	out        string
	work       string
	repo       string
	agents     int
	launch     float64 // calls per second while filling the concurrency test
	hold       time.Duration
	stepSecs   int
	talk       time.Duration
	cpsStart   float64
	concStart  float64
	refine     int
	maxSteps   int
	cpsMaxLoss float64
	micro      bool
	only       string
	peers      int
}

func main() {
	var o options
	flag.BoolVar(&o.quick, "quick", false, "short steps (about 5-10 minutes in all)")
	flag.StringVar(&o.bin, "hotline", "bin/hotline", "the hotline binary under test")
	flag.StringVar(&o.out, "out", "bench/results.md", "markdown report")
	flag.StringVar(&o.work, "work", "", "work directory (default: a new temporary one)")
	flag.StringVar(&o.repo, "repo", ".", "repository root, for the Go micro-benchmarks")
	flag.IntVar(&o.agents, "agents", 0, "agents registered (default 1000 quick, 3000 full)")
	flag.Float64Var(&o.launch, "launch-rate", 50, "calls per second while filling the concurrency test")
	flag.DurationVar(&o.hold, "hold", 0, "how long all calls of a concurrency step are up together (default 20s quick, 60s full)")
	flag.IntVar(&o.stepSecs, "step", 0, "seconds of new calls per rate step (default 10 quick, 30 full)")
	flag.DurationVar(&o.talk, "talk", 0, "talk time of each call in the rate steps (default 5s quick, 15s full)")
	flag.Float64Var(&o.cpsStart, "cps-start", 20, "first call rate tried")
	flag.Float64Var(&o.concStart, "conc-start", 200, "first concurrency tried")
	flag.IntVar(&o.refine, "refine", -1, "bisection steps after the first failure (default 1 quick, 3 full)")
	flag.IntVar(&o.maxSteps, "max-steps", 0, "cap on steps per search (default 6 quick, 10 full)")
	flag.Float64Var(&o.cpsMaxLoss, "cps-max-loss", 0, "RTP loss ratio a rate step may show and still pass")
	flag.BoolVar(&o.micro, "micro", true, "also run the Go micro-benchmarks")
	flag.StringVar(&o.only, "only", "", "run one part: cps or conc (default both)")
	flag.IntVar(&o.peers, "peers", 4, "SIPp processes on each side (callers, far end)")
	flag.Parse()
	o.defaults()
	if o.peers < 1 || o.peers > maxPeers {
		log.Fatalf("-peers must be 1 to %d", maxPeers)
	}

	if o.work == "" {
		d, err := os.MkdirTemp("", "hotline-load-")
		if err != nil {
			log.Fatal(err)
		}
		o.work = d
	}
	bin, err := filepath.Abs(o.bin)
	if err != nil {
		log.Fatal(err)
	}
	o.bin = bin
	log.SetFlags(log.Ltime)
	log.Printf("work dir %s", o.work)
	rep, err := run(o)
	if rep != nil {
		if werr := os.WriteFile(o.out, []byte(rep.Markdown()), 0o644); werr != nil {
			log.Fatal(werr)
		}
		log.Printf("report written to %s", o.out)
	}
	if err != nil {
		log.Fatal(err)
	}
}

func (o *options) defaults() {
	pick := func(quick, full int) int {
		if o.quick {
			return quick
		}
		return full
	}
	if o.agents == 0 {
		o.agents = pick(1000, 3000)
	}
	if o.hold == 0 {
		o.hold = time.Duration(pick(20, 60)) * time.Second
	}
	if o.stepSecs == 0 {
		o.stepSecs = pick(10, 30)
	}
	if o.talk == 0 {
		o.talk = time.Duration(pick(5, 15)) * time.Second
	}
	if o.refine < 0 {
		o.refine = pick(1, 3)
	}
	if o.maxSteps == 0 {
		o.maxSteps = pick(6, 10)
	}
}

func run(o options) (*Report, error) {
	rep := newReport(o)
	load := startLoadSampler()
	defer func() { rep.Load = load.stop() }()

	if _, err := os.Stat("/proc/net/snmp"); err != nil {
		return rep, fmt.Errorf("needs Linux /proc: %w", err)
	}
	b := &bench{o: o, rep: rep}
	if err := b.direct(); err != nil {
		return rep, err
	}

	h, err := startHotline(o.bin, filepath.Join(o.work, "hotline"), o.agents)
	if err != nil {
		return rep, err
	}
	defer h.stop()
	t0 := time.Now()
	if err := registerAgents(filepath.Join(o.work, "register"), hotlineSIP, o.agents, o.peers); err != nil {
		return rep, err
	}
	g, err := startUASGroup(filepath.Join(o.work, "uas-agents"), o.peers)
	if err != nil {
		return rep, err
	}
	defer g.stop()
	if err := h.waitIdle(o.agents, 30*time.Second); err != nil {
		return rep, err
	}
	log.Printf("%d agents registered in %.1fs", o.agents, time.Since(t0).Seconds())
	rep.IdleHeap, _ = h.liveHeap()
	b.h = h
	b.targets = make([]string, o.peers) // one caller per peer, all to the switch
	for k := range b.targets {
		b.targets[k] = hotlineSIP
	}
	if o.only != "conc" {
		rep.SwitchCPS = b.searchCPS()
	}
	if o.only != "cps" {
		rep.SwitchConc = b.searchConc()
	}
	if ok := h.saveProfiles(filepath.Join(o.work, "profiles")); ok {
		rep.Profiles = filepath.Join(o.work, "profiles")
	}
	h.stop()
	g.stop()
	if o.micro {
		rep.Micro, rep.MicroErr = runMicro(o.repo)
	}
	return rep, nil
}

// direct measures the baseline: the callers straight to the far end.
func (b *bench) direct() error {
	g, err := startUASGroup(filepath.Join(b.o.work, "uas-direct"), b.o.peers)
	if err != nil {
		return err
	}
	defer g.stop()
	b.targets = g.targets()
	if b.o.only != "conc" {
		b.rep.DirectCPS = b.searchCPS()
	}
	if b.o.only != "cps" {
		b.rep.DirectConc = b.searchConc()
	}
	return nil
}
