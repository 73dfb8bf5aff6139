package config

import (
	"testing"
	"time"
)

func TestAlertConfigProblems(t *testing.T) {
	fakePrompts(t, "hold", "hi")
	tests := []struct {
		name string
		src  string
		want []want
	}{
		{"all set", "wallboard: {rolling: 15m, agent_alerts: {not_ready_above: 10m, wrap_up_above: 2m}}\n" +
			"agents: [{id: a, password: p, team: blue, alerts: {wrap_up_above: 30s}}]\n" +
			"queues: [{name: q, sl_threshold: 30s, alerts: {sl_below: 80, wait_above: 45s}}]\n", nil},
		{"rolling too short", "wallboard: {rolling: 10s}\n", []want{{"wallboard.rolling", ErrInvalid, "outside 1m–24h"}}},
		{"negative agent default", "wallboard: {agent_alerts: {not_ready_above: -1s}}\n", []want{{"wallboard.agent_alerts.not_ready_above", ErrInvalid, "negative"}}},
		{"negative agent own", "agents: [{id: a, password: p, alerts: {wrap_up_above: -2s}}]\n", []want{{"agents[0].alerts.wrap_up_above", ErrInvalid, "negative"}}},
		{"sl_below range", "queues: [{name: q, alerts: {sl_below: 120}}]\n", []want{{"queues[0].alerts.sl_below", ErrInvalid, "not a percentage"}}},
		{"wait_above negative", "queues: [{name: q, alerts: {wait_above: -5s}}]\n", []want{{"queues[0].alerts.wait_above", ErrInvalid, "negative"}}},
		{"sl_threshold negative", "queues: [{name: q, sl_threshold: -5s}]\n", []want{{"queues[0].sl_threshold", ErrInvalid, "negative"}}},
		{"unknown alert key", "queues: [{name: q, alerts: {sl_under: 80}}]\n", []want{{"queues[0].alerts.sl_under", ErrUnknownKey, `unknown key "sl_under"`}}},
		{"team type", "agents: [{id: a, password: p, team: [x]}]\n", []want{{"agents[0].team", ErrType, "expected a string"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { checkProblems(t, tc.src, "", tc.want) })
	}
}

func TestAlertDefaults(t *testing.T) {
	cfg, err := LoadBytes("t.yaml", []byte("wallboard: {agent_alerts: {not_ready_above: 10m, wrap_up_above: 2m}}\n"+
		"agents: [{id: a, password: p, alerts: {wrap_up_above: 30s}}]\nqueues: [{name: q}]\n"), "")
	if err != nil {
		t.Fatal(err)
	}
	if got := time.Duration(cfg.Wallboard.Rolling); got != 30*time.Minute {
		t.Errorf("rolling default %v, want 30m", got)
	}
	if got := time.Duration(cfg.Queues[0].SLThreshold); got != 20*time.Second {
		t.Errorf("sl_threshold default %v, want 20s", got)
	}
	a := cfg.AgentAlertsFor(cfg.Agents[0])
	if time.Duration(a.NotReadyAbove) != 10*time.Minute || time.Duration(a.WrapUpAbove) != 30*time.Second {
		t.Errorf("agent alerts %+v, want the default not_ready 10m and the agent's own wrap_up 30s", a)
	}
}
