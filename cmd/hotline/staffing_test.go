package main

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

func runStaffing(t *testing.T, args ...string) (string, error) {
	t.Helper()
	return runCmd(t, staffingCmd(), args...)
}

// The metrics.md test vector: 100 calls per 30 min, AHT 180 s, 80/20 → 14 agents.
func TestStaffingTableVector(t *testing.T) {
	out, err := runStaffing(t, "--calls", "100", "--interval", "30m", "--aht", "180", "--sl", "80/20", "--shrinkage", "0.3")
	if err != nil {
		t.Fatal(err)
	}
	for _, re := range []string{
		`traffic \(Erlangs\)\s+10\.00`, `agents needed\s+14\b`, `P\(wait\)\s+0\.1741`,
		`service level.*88\.84%`, `ASA\s+7\.84 s`, `occupancy\s+71\.4%`, `rostered agents.*\s20\b`,
	} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("output lacks %s:\n%s", re, out)
		}
	}
	if strings.Contains(out, "Erlang A") {
		t.Errorf("Erlang A column without --patience:\n%s", out)
	}
}

func TestStaffingPatienceJSON(t *testing.T) {
	out, err := runStaffing(t, "--calls", "100", "--aht", "3m", "--sl", "80%/20s", "--patience", "60s", "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		ErlangC struct {
			Agents       int     `json:"agents"`
			ServiceLevel float64 `json:"service_level"`
		} `json:"erlang_c"`
		ErlangA *struct {
			Agents   int     `json:"agents"`
			PAbandon float64 `json:"p_abandon"`
		} `json:"erlang_a"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	if got.ErlangC.Agents != 14 || got.ErlangA == nil || got.ErlangA.Agents > 14 || got.ErlangA.PAbandon <= 0 {
		t.Errorf("unexpected plan:\n%s", out)
	}
	out, err = runStaffing(t, "--calls", "100", "--patience", "60s")
	if err != nil || !strings.Contains(out, "Erlang A (patience 60s)") || !strings.Contains(out, "P(abandon)") {
		t.Errorf("table with --patience: %v\n%s", err, out)
	}
}

func TestStaffingBadFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		flag string
	}{
		{[]string{}, "--calls"},
		{[]string{"--calls", "-5"}, "--calls"},
		{[]string{"--calls", "100", "--interval", "0s"}, "--interval"},
		{[]string{"--calls", "100", "--aht", "abc"}, "--aht"},
		{[]string{"--calls", "100", "--aht", "0"}, "--aht"},
		{[]string{"--calls", "100", "--sl", "80"}, "--sl"},
		{[]string{"--calls", "100", "--sl", "120/20"}, "--sl"},
		{[]string{"--calls", "100", "--sl", "80/x"}, "--sl"},
		{[]string{"--calls", "100", "--shrinkage", "1"}, "--shrinkage"},
		{[]string{"--calls", "100", "--patience", "-1s"}, "--patience"},
		{[]string{"--calls", "100", "--format", "xml"}, "--format"},
	} {
		_, err := runStaffing(t, c.args...)
		if err == nil || !strings.Contains(err.Error(), c.flag) {
			t.Errorf("%v: err = %v, want one naming %s", c.args, err, c.flag)
			continue
		}
		if code := exitCode(err); code != 2 {
			t.Errorf("%v: exit code %d, want 2", c.args, code)
		}
	}
}
