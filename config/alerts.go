package config

import "time"

// Wallboard is the `wallboard` section: the live board's rolling window and
// the agent alert limits every agent gets unless it sets its own.
type Wallboard struct {
	// Rolling is the window of the board's rolling SL/ASA/abandon figures
	// and of the SL alert; 1m–24h, default 30m.
	Rolling     Duration    `yaml:"rolling"`
	AgentAlerts AgentAlerts `yaml:"agent_alerts"`
}

// QueueAlerts are a queue's thresholds; zero turns an alert off.
type QueueAlerts struct {
	// SLBelow raises an alert while the rolling service level (percent) is
	// below it; 1–100.
	SLBelow int `yaml:"sl_below"`
	// WaitAbove raises an alert while the longest waiting caller has waited
	// longer than this.
	WaitAbove Duration `yaml:"wait_above"`
}

// AgentAlerts raise an alert while an agent stays longer than the limit
// in not_ready or wrap_up; zero turns an alert off.
type AgentAlerts struct {
	NotReadyAbove Duration `yaml:"not_ready_above"`
	WrapUpAbove   Duration `yaml:"wrap_up_above"`
}

func (c *Config) alertDefaults() {
	if c.Wallboard.Rolling == 0 {
		c.Wallboard.Rolling = Duration(30 * time.Minute)
	}
	for i := range c.Queues {
		if c.Queues[i].SLThreshold == 0 {
			c.Queues[i].SLThreshold = Duration(20 * time.Second)
		}
	}
}

// AgentAlertsFor is the agent's own limits, each falling back to the
// wallboard's defaults.
func (c *Config) AgentAlertsFor(a Agent) AgentAlerts {
	out := a.Alerts
	if out.NotReadyAbove == 0 {
		out.NotReadyAbove = c.Wallboard.AgentAlerts.NotReadyAbove
	}
	if out.WrapUpAbove == 0 {
		out.WrapUpAbove = c.Wallboard.AgentAlerts.WrapUpAbove
	}
	return out
}

func (v *validator) alerts() {
	w := v.cfg.Wallboard
	if r := time.Duration(w.Rolling); r < time.Minute || r > 24*time.Hour {
		v.add(at("wallboard", "rolling"), ErrInvalid, "rolling window %v is outside 1m–24h", r)
	}
	v.agentAlerts(at("wallboard", "agent_alerts"), w.AgentAlerts)
	for i, a := range v.cfg.Agents {
		v.agentAlerts(at("agents", i, "alerts"), a.Alerts)
		if len(a.Team) > 64 {
			v.add(at("agents", i, "team"), ErrInvalid, "team name longer than 64 characters")
		}
	}
	for i, q := range v.cfg.Queues {
		if q.SLThreshold < 0 {
			v.add(at("queues", i, "sl_threshold"), ErrInvalid, "duration may not be negative")
		}
		if q.Alerts.SLBelow < 0 || q.Alerts.SLBelow > 100 {
			v.add(at("queues", i, "alerts", "sl_below"), ErrInvalid, "sl_below %d is not a percentage (1–100, 0 = off)", q.Alerts.SLBelow)
		}
		if q.Alerts.WaitAbove < 0 {
			v.add(at("queues", i, "alerts", "wait_above"), ErrInvalid, "duration may not be negative")
		}
	}
}

func (v *validator) agentAlerts(path []string, a AgentAlerts) {
	if a.NotReadyAbove < 0 {
		v.add(append(path, "not_ready_above"), ErrInvalid, "duration may not be negative")
	}
	if a.WrapUpAbove < 0 {
		v.add(append(path, "wrap_up_above"), ErrInvalid, "duration may not be negative")
	}
}
