package config

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hotline/hotline/prompts"
)

var update = flag.Bool("update", false, "rewrite testdata/bad/*.golden")

// fakePrompts replaces the built-in prompt set for the test so results do
// not depend on which prompt files have been generated.
func fakePrompts(t *testing.T, names ...string) {
	t.Helper()
	set := map[string]bool{}
	for _, n := range names {
		set[n] = true
	}
	oldE, oldO := promptExists, promptOpen
	promptExists = func(lang, name string) bool { return (lang == "en" || lang == "zh") && set[name] }
	promptOpen = func(lang, name string) ([]byte, error) {
		if !promptExists(lang, name) {
			return nil, os.ErrNotExist
		}
		return []byte("RIFF " + lang + "/" + name), nil
	}
	t.Cleanup(func() { promptExists, promptOpen = oldE, oldO })
}

func TestDefault(t *testing.T) {
	if !prompts.Exists("en", "welcome") {
		t.Skip("built-in prompts not generated yet")
	}
	c, err := Default()
	if err != nil {
		t.Fatalf("Default() problems:\n%v", err)
	}
	if c.BaseDir != "" || c.Server.HTTP.Addr != "127.0.0.1:8080" || c.CTI.Listen != "127.0.0.1:7070" {
		t.Errorf("defaults not applied: %+v", c)
	}
}

// TestDefaultShape checks default.yaml against the schema with every
// built-in prompt it names present, whether or not they are generated yet.
func TestDefaultShape(t *testing.T) {
	fakePrompts(t, "welcome", "menu_sales_support", "invalid", "hold")
	c, err := Default()
	if err != nil {
		t.Fatalf("Default() problems:\n%v", err)
	}
	if c.Server.WebRTC.Opus {
		t.Error("webrtc.opus is on without being asked for")
	}
	if len(c.Agents) != 4 || len(c.Queues) != 2 || c.Flows["main"] == nil || c.Trunks[0].Routes[2].Number != "*" {
		t.Errorf("unexpected default config: %+v", c)
	}
	if q := c.Queues[0]; !q.JoinEmpty || q.RingTimeout.D() != 15*time.Second || q.MaxWait.D() != 5*time.Minute {
		t.Errorf("sales queue = %+v", q)
	}
	if string(DefaultYAML()) != string(defaultYAML) {
		t.Error("DefaultYAML differs from the embedded file")
	}
}

func TestGoodFull(t *testing.T) {
	fakePrompts(t)
	c, err := Load("testdata/good/full.yaml")
	if err != nil {
		t.Fatalf("problems:\n%v", err)
	}
	abs, _ := filepath.Abs("testdata/good")
	q := c.Queues[0]
	checks := []struct {
		name      string
		got, want any
	}{
		{"base dir", c.BaseDir, abs},
		{"listen[1]", c.Server.SIP.Listen[1], Listen{Transport: "tcp", Addr: ":5061"}},
		{"ring_timeout bare seconds", q.RingTimeout.D(), 20 * time.Second},
		{"join_empty explicit false", q.JoinEmpty, false},
		{"join_empty default", c.Queues[1].JoinEmpty, true},
		{"strategy default", c.Queues[1].Strategy, "longest_idle"},
		{"ring_timeout default", c.Queues[1].RingTimeout.D(), 15 * time.Second},
		{"vip numbers", len(q.VIP[1].Numbers), 2},
		{"overflow add_skills", q.Overflow[1].AddSkills["support"], 5},
		{"exit key", q.ExitKeys["#"], "callback"},
		{"agent name default", c.Agents[1].Name, "1002"},
		{"menu option", c.Flows["main"].Nodes["menu"].Options["9"], "agent"},
		{"menu timeout", c.Flows["main"].Nodes["menu"].Timeout.D(), 5 * time.Second},
		{"token role", c.CTI.Tokens[3].Role, "agent:1001"},
		{"log level", c.Server.LogLevel, "debug"},
	}
	for _, tc := range checks {
		if tc.got != tc.want {
			t.Errorf("%s = %v, want %v", tc.name, tc.got, tc.want)
		}
	}
}

// TestGolden loads each testdata/bad/*.yaml and compares the full error
// text with the matching .golden file.
func TestGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/bad/*.yaml")
	if len(files) == 0 {
		t.Fatal("no golden inputs")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			_, err := Load(f)
			var errs Errors
			if !errors.As(err, &errs) || len(errs) == 0 {
				t.Fatalf("Load(%s) = %v, want Errors", f, err)
			}
			got := err.Error() + "\n"
			golden := strings.TrimSuffix(f, ".yaml") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("got:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load("testdata/no-such.yaml")
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("err = %v, want not-exist", err)
	}
}

func TestErrorsFormat(t *testing.T) {
	e := Errors{
		{File: "a.yaml", Line: 9, Column: 3, Path: "queues[1].name", Message: "second", Err: ErrDuplicate},
		{File: "a.yaml", Line: 2, Column: 5, Path: "server.relm", Message: "first", Err: ErrUnknownKey},
		{File: "a.yaml", Line: 9, Column: 1, Message: "no path", Err: ErrSyntax},
	}
	e.sort()
	want := "a.yaml:2:5: server.relm: first\na.yaml:9:1: no path\na.yaml:9:3: queues[1].name: second"
	if e.Error() != want {
		t.Errorf("got\n%s\nwant\n%s", e.Error(), want)
	}
	var err error = e
	if !errors.Is(err, ErrDuplicate) || !errors.Is(err, ErrUnknownKey) || errors.Is(err, ErrReference) {
		t.Error("errors.Is does not see the problem kinds")
	}
}

func TestOpenPrompt(t *testing.T) {
	fakePrompts(t, "hold")
	abs, _ := filepath.Abs("testdata/prompts")
	c := &Config{BaseDir: abs}
	tests := []struct {
		lang, ref string
		want      string // prefix of the bytes, or "" for an error
	}{
		{"en", "hold", "RIFF en/hold"},
		{"zh", "hold", "RIFF zh/hold"},
		{"en", "welcome", ""},
		{"en", "hello.wav", "RIFF"},
		{"en", "missing.wav", ""},
	}
	for _, tc := range tests {
		b, err := c.OpenPrompt(tc.lang, tc.ref)
		switch {
		case tc.want == "" && !errors.Is(err, ErrPromptNotFound):
			t.Errorf("OpenPrompt(%s, %s) err = %v, want ErrPromptNotFound", tc.lang, tc.ref, err)
		case tc.want != "" && (err != nil || !strings.HasPrefix(string(b), tc.want)):
			t.Errorf("OpenPrompt(%s, %s) = %.12q, %v", tc.lang, tc.ref, b, err)
		}
	}
}

// Keys that arrive through a << merge count as written for defaults.
func TestMergeKeepsExplicitFalse(t *testing.T) {
	fakePrompts(t, "hold")
	c, err := LoadBytes("m.yaml", []byte("queues:\n  - &q {name: a, join_empty: false}\n  - {<<: *q, name: b}\n  - {name: c}\n"), "")
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []bool{false, false, true} {
		if got := c.Queues[i].JoinEmpty; got != want {
			t.Errorf("queues[%d].join_empty = %v, want %v", i, got, want)
		}
	}
}

func TestHTTPPProfFlag(t *testing.T) {
	for src, want := range map[string]bool{"server: {http: {pprof: true}}\n": true, "server: {http: {addr: '127.0.0.1:8081'}}\n": false} {
		c, err := LoadBytes("p.yaml", []byte(src), "")
		if err != nil {
			t.Fatal(err)
		}
		if c.Server.HTTP.PProf != want {
			t.Errorf("%q: pprof = %v, want %v", src, c.Server.HTTP.PProf, want)
		}
	}
}
