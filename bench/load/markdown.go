package main

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// Markdown renders the report: machine and load, the headline table with
// ratios to the direct baseline, every step tried, the micro-benchmarks.
func (r *Report) Markdown() string {
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	mode := "full"
	if r.o.quick {
		mode = "quick"
	}
	w("# Hotline load benchmark\n\n")
	w("Run %s (%s mode, %.0f min). Reproduce: `make bench-load` (full: `make bench-load LOAD=full`).\n\n",
		r.Started.UTC().Format("2006-01-02 15:04 MST"), mode, time.Since(r.Started).Minutes())
	w("| machine | |\n|---|---|\n")
	w("| CPU | %s |\n| cores | %d |\n| memory | %.1f GiB |\n| kernel | %s |\n| Go | %s |\n| SIPp | %s |\n",
		r.Machine.CPU, r.Machine.Cores, r.Machine.MemoryG, r.Machine.Kernel, r.Machine.Go, r.Machine.SIPp)
	w("| load average (1 min): start / max / end | %.2f / %.2f / %.2f |\n\n", r.Load.Start, r.Load.Max, r.Load.End)
	if r.Load.Max > float64(r.Machine.Cores)*0.5 {
		w("The machine was shared during this run (load average above); SIPp, the switch and the other work\n")
		w("competed for the same cores. Re-run on an idle machine for figures to compare releases by.\n\n")
	}
	w("Everything runs on 127.0.0.1 in a private network namespace. SIPp is the carrier (INVITE with PCMU +\n")
	w("telephone-event, %d ms of silence, RFC 4733 digit 1, then a 400 Hz tone from a pcap) and the far end\n", leadMS)
	w("(one SIPp UAS answering at once and echoing all RTP). **direct**: caller straight to that UAS. **hotline**:\n")
	w("caller → switch (IVR menu prompt, digit, queue) → one of %d agents registered with digest auth → bridged\n", r.o.agents)
	w("audio both ways (the switch relays each packet twice) → caller's BYE. A rate step launches calls for %d s,\n", r.o.stepSecs)
	w("each talking %s; it passes with < 0.1%% failed calls (for the switch: calls no agent answered count as\n", r.o.talk)
	w("failed) and RTP loss ≤ %.4f%%. A concurrency step fills N calls at %.0f calls/s and holds all of them up\n", 100*r.o.cpsMaxLoss, r.o.launch)
	w("together for %s; it passes with < 0.1%% failed calls and < 0.1%% RTP loss. Loss = kernel UDP drops in the\n", r.o.hold)
	w("namespace (receive/send buffer errors) + sequence gaps the switch saw, over UDP datagrams delivered.\n\n")

	w("## Results\n\n| measure | direct (SIPp↔SIPp) | through Hotline | ratio |\n|---|---|---|---|\n")
	level := func(s *Step) string {
		if s == nil {
			return "none passed"
		}
		return fmt.Sprintf("%.0f", s.Level)
	}
	ratio := func(a, b *Step) string {
		if a == nil || b == nil || a.Level == 0 {
			return "–"
		}
		return fmt.Sprintf("%.0f%%", 100*b.Level/a.Level)
	}
	ran := func(path, kind string) bool {
		for _, s := range r.Steps {
			if s.Path == path && s.Kind == kind {
				return true
			}
		}
		return false
	}
	lv := func(s *Step, path, kind string) string {
		if s == nil && !ran(path, kind) {
			return "not run"
		}
		return level(s)
	}
	w("| sustainable calls/s | %s | %s | %s |\n", lv(r.DirectCPS, "direct", "cps"), lv(r.SwitchCPS, "hotline", "cps"), ratio(r.DirectCPS, r.SwitchCPS))
	peak := func(s *Step) string {
		if s == nil {
			return "–"
		}
		return fmt.Sprintf("%d", s.Peak)
	}
	w("| peak concurrent calls at that rate | %s | %s | |\n", peak(r.DirectCPS), peak(r.SwitchCPS))
	w("| concurrent G.711 calls held %s, < 0.1%% loss | %s | %s | %s |\n", r.o.hold, lv(r.DirectConc, "direct", "conc"), lv(r.SwitchConc, "hotline", "conc"), ratio(r.DirectConc, r.SwitchConc))
	if s := r.SwitchCPS; s != nil {
		w("| switch CPU seconds per call (at %.0f calls/s) | – | %.4f | |\n", s.Level, s.CPUPerCall)
		w("| calls whose RFC 4733 digit the IVR took (at %.0f calls/s) | – | %d of %d | |\n", s.Level, s.Digit1, s.Calls)
	}
	if s := r.SwitchConc; s != nil {
		w("| switch RSS per concurrent call (%d calls) | – | %s | |\n", int(s.Level), kib(s.RSSPerCall))
		w("| switch live heap per bridged call (after GC) | – | %s | |\n", kib(s.HeapPerCall))
		w("| switch goroutines per bridged call | – | %.1f | |\n", s.GoPerCall)
		w("| switch live heap idle: after registration / before this step | – | %s / %s | |\n", mib(float64(r.IdleHeap)), mib(float64(s.baseHeap)))
	}
	lat := func(s Summary) string {
		if s.N == 0 {
			return "–"
		}
		return fmt.Sprintf("%.0f / %.0f / %.0f ms", s.P50, s.P95, s.P99)
	}
	pick := func(s *Step, f func(*Step) Summary) string {
		if s == nil {
			return "–"
		}
		return lat(f(s))
	}
	w("| INVITE → 200 OK, prompt starts (p50/p95/p99) | %s | %s | |\n",
		pick(r.DirectCPS, func(s *Step) Summary { return s.Setup }), pick(r.SwitchCPS, func(s *Step) Summary { return s.Setup }))
	w("| queued → offered to an agent (p50/p95/p99) | – | %s | |\n", pick(r.SwitchCPS, func(s *Step) Summary { return s.QueueOffer }))
	w("| offered → agent answered (p50/p95/p99) | – | %s | |\n", pick(r.SwitchCPS, func(s *Step) Summary { return s.OfferAnswer }))
	if d, s := r.DirectConc, r.SwitchConc; d != nil || s != nil {
		jit := func(x Summary) string {
			if x.N == 0 {
				return "–"
			}
			return fmt.Sprintf("%.2f ms", x.P99)
		}
		var dj, si, so, added string = "–", "–", "–", "–"
		if d != nil {
			dj = jit(d.JitterIn)
		}
		if s != nil {
			si, so = jit(s.JitterIn), jit(s.JitterOut)
			if s.JitterIn.N > 0 && s.JitterOut.N > 0 {
				added = fmt.Sprintf("%.2f ms", s.JitterOut.P99-s.JitterIn.P99)
			}
		}
		w("| RTP transit variation \\|D\\| p99 at the far end | %s | %s (into the switch: %s) | |\n", dj, so, si)
		w("| jitter added by the switch (p99 out − p99 in) | – | %s | |\n", added)
	}
	w("\nThe INVITE → 200 OK time is when the switch answers and starts the menu prompt; SIPp measures it to the\n")
	w("millisecond. Queue and offer times come from the switch's call records (millisecond timestamps). Jitter is\n")
	w("RFC 3550's |D| per consecutive packet pair in a 2 s loopback capture on the concurrency plateau.\n\n")

	w("## Every step\n\n| path | kind | level | pass | calls | failed | achieved cps | peak | datagrams | lost (kernel + switch gaps) | CPU s/call | setup p99 | why |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, s := range r.Steps {
		cpu := "–"
		if s.Path == "hotline" {
			cpu = fmt.Sprintf("%.4f", s.CPUPerCall)
		}
		sp := "–"
		if s.Setup.N > 0 {
			sp = fmt.Sprintf("%.0f ms", s.Setup.P99)
		}
		w("| %s | %s | %.0f | %v | %d | %d | %.1f | %d | %d | %d (%d + %d) | %s | %s | %s |\n",
			s.Path, s.Kind, s.Level, s.Pass, s.Calls, s.Failed, s.AchievedCPS, s.Peak, s.Packets, s.Lost, s.KernelDrops, s.SwitchGaps, cpu, sp, s.Why)
	}
	if r.Profiles != "" {
		w("\nProfiles of the switch (CPU per rate step, allocations) were kept under `%s`.\n", r.o.work)
	}
	w("\n## Go micro-benchmarks (`make bench`)\n\n")
	if r.MicroErr != nil {
		w("Error: %v\n\n", r.MicroErr)
	}
	if len(r.Micro) > 0 {
		w("| package | benchmark | results |\n|---|---|---|\n")
		for _, m := range r.Micro {
			w("| %s | %s | %s |\n", strings.TrimPrefix(m.Pkg, "github.com/hotline/hotline/"), m.Name, strings.Join(m.Metrics, ", "))
		}
	} else if r.MicroErr == nil {
		w("Not run.\n")
	}
	return b.String()
}

func mib(bytes float64) string { return fmt.Sprintf("%.1f MiB", bytes/(1<<20)) }

func kib(bytes float64) string {
	if math.IsNaN(bytes) {
		return "–"
	}
	return fmt.Sprintf("%.1f KiB", bytes/1024)
}
