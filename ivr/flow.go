// Package ivr holds Hotline's IVR flow language: the flow graph admins write in
// YAML and a pure interpreter that turns caller input (digits, timeouts, lookup
// results) into actions (play, collect, enqueue, hang up…). It imports only the
// standard library; the call layer executes the actions.
package ivr

import (
	"fmt"
	"strings"
	"time"
)

// Flow is one IVR flow as written under `flows.<name>` in the configuration.
type Flow struct {
	Language string           `yaml:"language"` // prompt language: en or zh
	Start    string           `yaml:"start"`    // first node
	Nodes    map[string]*Node `yaml:"nodes"`
}

// Node is one step of a flow. Type selects which of the fields apply; the
// validator rejects fields that do not belong to the type.
type Node struct {
	Type string `yaml:"type"`
	Next string `yaml:"next,omitempty"`

	// play
	Prompts []string `yaml:"prompts,omitempty"`
	BargeIn bool     `yaml:"barge_in,omitempty"`

	// say: digits|number|currency|date|time of Value (a ${var} template)
	Say   string `yaml:"say,omitempty"`
	Value string `yaml:"value,omitempty"`

	// menu
	Prompt        string            `yaml:"prompt,omitempty"`
	Options       map[string]string `yaml:"options,omitempty"` // digit -> node
	Timeout       Duration          `yaml:"timeout,omitempty"`
	Retries       int               `yaml:"retries,omitempty"`
	InvalidPrompt string            `yaml:"invalid_prompt,omitempty"`
	TimeoutPrompt string            `yaml:"timeout_prompt,omitempty"`
	Fallback      string            `yaml:"fallback,omitempty"`

	// collect
	MinDigits         int      `yaml:"min_digits,omitempty"`
	MaxDigits         int      `yaml:"max_digits,omitempty"`
	Terminator        string   `yaml:"terminator,omitempty"`
	FirstDigitTimeout Duration `yaml:"first_digit_timeout,omitempty"`
	InterDigitTimeout Duration `yaml:"inter_digit_timeout,omitempty"`
	Pattern           string   `yaml:"pattern,omitempty"`
	Var               string   `yaml:"var,omitempty"`

	// set
	Vars map[string]string `yaml:"vars,omitempty"`

	// switch
	Cases   []Case `yaml:"cases,omitempty"`
	Default string `yaml:"default,omitempty"`

	// schedule
	TimeZone string   `yaml:"timezone,omitempty"`
	Hours    []Hours  `yaml:"hours,omitempty"`
	Holidays []string `yaml:"holidays,omitempty"` // YYYY-MM-DD
	Open     string   `yaml:"open,omitempty"`
	Closed   string   `yaml:"closed,omitempty"`

	// http
	URL     string `yaml:"url,omitempty"`
	Method  string `yaml:"method,omitempty"`
	OnError string `yaml:"on_error,omitempty"`

	// enqueue
	Queue    string `yaml:"queue,omitempty"`
	Priority int    `yaml:"priority,omitempty"`
	// PriorityFrom is a ${var} template (e.g. "${http.priority}") that, when it
	// expands to an integer, overrides Priority, so a lookup can raise it.
	PriorityFrom string         `yaml:"priority_from,omitempty"`
	Skills       map[string]int `yaml:"skills,omitempty"`
	// SkillsFrom is a ${var} template expanding to "skill:level,…" (e.g.
	// from a CRM lookup: "${http.skills}") that adds to or raises Skills.
	SkillsFrom string `yaml:"skills_from,omitempty"`

	// transfer: agent:<id>, queue:<name>, ext:<number>, external:<number>
	// (queue, when set, is the queue an agent: transfer is counted in)
	Target string `yaml:"target,omitempty"`

	// voicemail: the box the message is filed in and its longest length
	// (survey uses prompt/var/retries to ask one question)
	MaxLength Duration `yaml:"max_length,omitempty"`
	Box       string   `yaml:"box,omitempty"`

	// callback: the number to call back (a ${var} template; the caller's
	// own number when empty or blank), when (a ${var} template expanding to
	// HHMM in timezone, the next such time; empty or blank = as soon as an
	// agent is free) and the queue whose agents call back
	Number string `yaml:"number,omitempty"`
	At     string `yaml:"at,omitempty"`

	// survey (post-call flow name) and goto (subflow)
	Flow string `yaml:"flow,omitempty"`
}

// Case is one branch of a switch node: If is an expression over variables.
type Case struct {
	If   string `yaml:"if"`
	Next string `yaml:"next"`
}

// Hours is one business-hours window of a schedule node.
type Hours struct {
	Days  string `yaml:"days"`  // e.g. mon-fri, sat, sun
	Start string `yaml:"start"` // HH:MM
	End   string `yaml:"end"`   // HH:MM
}

// Duration is a time.Duration written in YAML as "5s", "1m30s" or a bare
// number of seconds.
type Duration time.Duration

// UnmarshalText accepts Go duration syntax, an integer number of seconds,
// or whole days ("90d", for retention periods).
func (d *Duration) UnmarshalText(b []byte) error {
	s := string(b)
	var n int64
	if _, err := fmt.Sscanf(s, "%d", &n); err == nil && fmt.Sprint(n) == s {
		*d = Duration(time.Duration(n) * time.Second)
		return nil
	}
	if days, ok := strings.CutSuffix(s, "d"); ok {
		// Days, for retention periods: "90d".
		if _, err := fmt.Sscanf(days, "%d", &n); err == nil && fmt.Sprint(n) == days && n >= 0 {
			*d = Duration(time.Duration(n) * 24 * time.Hour)
			return nil
		}
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("invalid duration %q (want e.g. 5s, 1m30s, 90d or seconds)", s)
	}
	*d = Duration(v)
	return nil
}

// MarshalText writes the duration in Go syntax.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// D returns the value as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }
