package ivr

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// script is one golden IVR test: flows, a call, and the inputs fed to the
// session. Each step is "[+<duration>] <input>"; the clock advances by the
// duration first. Inputs: digit D, playback, timer (fed at the armed
// deadline, which must exist), http STATUS [BODY], http error, record done
// SECONDS, agent done ID, hangup.
type script struct {
	Flow  string           `yaml:"flow"`
	Start time.Time        `yaml:"start"`
	Call  CallInfo         `yaml:"call"`
	Flows map[string]*Flow `yaml:"flows"`
	Steps []string         `yaml:"steps"`
}

// TestGoldenScripts runs testdata/*.yaml and compares every action, event
// and armed deadline with testdata/*.golden (go test -update rewrites them).
func TestGoldenScripts(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.yaml")
	if len(files) == 0 {
		t.Fatal("no scripts in testdata")
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".yaml"), func(t *testing.T) {
			got := runScript(t, f)
			golden := strings.TrimSuffix(f, ".yaml") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if got != string(want) {
				t.Errorf("%s differs from the golden file:\n--- got\n%s--- want\n%s", f, got, want)
			}
		})
	}
}

func runScript(t *testing.T, path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var sc script
	if err := yaml.Unmarshal(b, &sc); err != nil {
		t.Fatal(err)
	}
	if probs := Validate(sc.Flows, Env{}); len(probs) > 0 {
		t.Fatalf("flows do not validate: %v", probs)
	}
	now := sc.Start
	if now.IsZero() {
		now = t0
	}
	s, err := NewSession(sc.Flows, sc.Flow, sc.Call)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	show := func(head string, acts []Action) {
		fmt.Fprintf(&out, "%s\n", head)
		for _, a := range acts {
			fmt.Fprintf(&out, "  %s\n", Describe(a))
		}
		if dl, ok := s.Deadline(); ok {
			fmt.Fprintf(&out, "  deadline +%v\n", dl.Sub(now))
		}
	}
	show("start "+now.UTC().Format(time.RFC3339), s.Start(now))
	for i, st := range sc.Steps {
		in, adv := parseStep(t, i, st)
		now = now.Add(adv)
		if _, ok := in.(TimerFired); ok {
			dl, armed := s.Deadline()
			if !armed {
				t.Fatalf("step %d %q: no timer armed", i, st)
			}
			now = dl
		}
		show("> "+st, s.Input(now, in))
	}
	fmt.Fprintf(&out, "result %q wait %s\n", s.Result(), s.wait)
	return out.String()
}

func parseStep(t *testing.T, i int, st string) (Input, time.Duration) {
	f := strings.Fields(st)
	var adv time.Duration
	if len(f) > 0 && strings.HasPrefix(f[0], "+") {
		d, err := time.ParseDuration(f[0][1:])
		if err != nil {
			t.Fatalf("step %d %q: %v", i, st, err)
		}
		adv, f = d, f[1:]
	}
	bad := func() { t.Fatalf("step %d %q: not an input", i, st) }
	if len(f) == 0 {
		bad()
	}
	arg := func(n int) string {
		if len(f) <= n {
			bad()
		}
		return f[n]
	}
	switch f[0] {
	case "digit":
		return Digit{D: []rune(arg(1))[0]}, adv
	case "playback":
		return PlaybackDone{}, adv
	case "timer":
		return TimerFired{}, adv
	case "http":
		if arg(1) == "error" {
			return HTTPResult{Err: fmt.Errorf("timeout")}, adv
		}
		code, err := strconv.Atoi(arg(1))
		if err != nil {
			bad()
		}
		return HTTPResult{Status: code, Body: []byte(strings.Join(f[2:], " "))}, adv
	case "record":
		secs, _ := strconv.Atoi(arg(2))
		return RecordDone{Path: "vm.wav", Dur: time.Duration(secs) * time.Second}, adv
	case "agent":
		return AgentDone{Agent: arg(2)}, adv
	case "hangup":
		return Hangup{}, adv
	}
	bad()
	return nil, 0
}
