package ivr

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// dryRunMaxSteps bounds a dry run whose flow keeps asking forever.
const dryRunMaxSteps = 1000

// DryRun walks flow without a call and writes one line per step. Each
// character of digits is pressed at the next point where the flow collects
// digits (after that point's prompt); '-' or running out of digits lets that
// point time out. Prompts finish at once and http nodes get 200 {}.
func DryRun(w io.Writer, flows map[string]*Flow, flow string, digits string, call CallInfo, at time.Time) error {
	s, err := NewSession(flows, flow, call)
	if err != nil {
		return err
	}
	d := &dryRun{w: w, flows: flows, flow: flow}
	now := at
	keys := []rune(digits)
	d.show(s.Start(now))
	for step := 0; s.wait != waitDone; step++ {
		if step > dryRunMaxSteps || d.err != nil {
			return fmt.Errorf("ivr: dry run of %q did not finish in %d steps", flow, dryRunMaxSteps)
		}
		var in Input
		switch {
		case s.playing:
			in = PlaybackDone{}
		case s.wait == waitAsk && len(keys) > 0 && keys[0] != '-':
			d.line("press %c", keys[0])
			in = Digit{D: keys[0]}
			keys = keys[1:]
			now = now.Add(time.Second)
		case s.wait == waitAsk:
			if len(keys) > 0 {
				keys = keys[1:]
			}
			dl, ok := s.Deadline()
			if !ok {
				return fmt.Errorf("ivr: dry run of %q stuck at node %q", flow, s.node)
			}
			d.line("timeout after %s", dl.Sub(now))
			now = dl
			in = TimerFired{}
		case s.wait == waitRecord:
			d.line("caller speaks, then presses # (dry run)")
			now = now.Add(3 * time.Second)
			in = Digit{D: '#'}
		case s.wait == waitRecordStop:
			in = RecordDone{Dur: 3 * time.Second}
		case s.wait == waitHTTP:
			d.line("http result 200 {} (dry run)")
			in = HTTPResult{Status: 200, Body: []byte("{}")}
		default:
			return fmt.Errorf("ivr: dry run of %q stuck at node %q", flow, s.node)
		}
		d.show(s.Input(now, in))
	}
	if len(keys) > 0 {
		d.line("unused digits %s", string(keys))
	}
	return d.err
}

type dryRun struct {
	w     io.Writer
	flows map[string]*Flow
	flow  string // flow of the node events being printed (goto changes it)
	err   error
}

func (d *dryRun) line(format string, args ...any) {
	if d.err == nil {
		_, d.err = fmt.Fprintf(d.w, format+"\n", args...)
	}
}

func (d *dryRun) show(actions []Action) {
	for _, a := range actions {
		switch a := a.(type) {
		case Event:
			switch a.Kind {
			case EventNode:
				n := d.flows[d.flow].Nodes[a.Node]
				typ := ""
				if n != nil {
					typ = n.Type
				}
				d.line("node %s/%s (%s)", d.flow, a.Node, typ)
				if n != nil && n.Type == "goto" {
					d.flow = n.Flow
				}
			case EventDigits:
				d.line("digits %s accepted", a.Digits)
			}
		case Play:
			var refs []string
			for _, r := range a.Prompts {
				refs = append(refs, r.Ref)
			}
			barge := ""
			if a.BargeIn {
				barge = " (barge-in)"
			}
			d.line("play %s%s", strings.Join(refs, ", "), barge)
		case StopPlayback:
			d.line("stop playback")
		case HTTPRequest:
			d.line("http %s %s", a.Method, a.URL)
		case Enqueue:
			d.line("enqueue %s priority %d", a.Queue, a.Priority)
		case Transfer, Record, StopRecord, Callback:
			d.line("%s", Describe(a))
		case SurveyAnswer:
			d.line("survey answer %s=%c", a.Question, a.Digit)
		case Hangup:
			d.line("hangup (%s)", a.Reason)
		case Exit:
			d.line("result %s", a.Result)
		}
	}
}
