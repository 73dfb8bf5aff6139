package config

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Kinds of configuration problem; every Problem wraps one of them so callers
// and tests can use errors.Is on the Errors returned by Load.
var (
	ErrSyntax       = errors.New("yaml syntax error")
	ErrUnknownKey   = errors.New("unknown key")
	ErrType         = errors.New("wrong type")
	ErrDuplicateKey = errors.New("duplicate key")
	ErrInvalid      = errors.New("invalid value")
	ErrRequired     = errors.New("missing required value")
	ErrDuplicate    = errors.New("duplicate name")
	ErrReference    = errors.New("dangling reference")
	ErrPrompt       = errors.New("bad prompt")
)

// Problem is one thing wrong with a configuration file. Path is the key path
// of the offending value, e.g. queues[1].ring_timeout.
type Problem struct {
	File    string
	Line    int
	Column  int
	Path    string
	Message string
	Err     error // one of the Err* kinds above
}

func (p Problem) Error() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", p.Line, p.Column)
	}
	b.WriteString(": ")
	if p.Path != "" {
		b.WriteString(p.Path)
		b.WriteString(": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

func (p Problem) Unwrap() error { return p.Err }

// Errors is every problem found in one configuration, sorted by position.
type Errors []Problem

// Error prints one problem per line as file:line:col: path: message.
func (e Errors) Error() string {
	lines := make([]string, len(e))
	for i, p := range e {
		lines[i] = p.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap exposes each problem so errors.Is(err, ErrUnknownKey) works.
func (e Errors) Unwrap() []error {
	out := make([]error, len(e))
	for i, p := range e {
		out[i] = p
	}
	return out
}

func (e Errors) sort() {
	sort.SliceStable(e, func(i, j int) bool {
		if e[i].Line != e[j].Line {
			return e[i].Line < e[j].Line
		}
		return e[i].Column < e[j].Column
	})
}

// keyPath renders a key path the way problems show it: map keys joined by
// dots, list indexes in brackets. Keys that would be ambiguous are quoted.
type keyPath string

func (p keyPath) key(k string) keyPath {
	if k == "" || strings.ContainsAny(k, ".[]\" \t\n") {
		k = fmt.Sprintf("%q", k)
	}
	if p == "" {
		return keyPath(k)
	}
	return p + "." + keyPath(k)
}

func (p keyPath) index(i int) keyPath { return keyPath(fmt.Sprintf("%s[%d]", p, i)) }

// editDistance is the Levenshtein distance, for "did you mean" hints.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// suggest returns the known key closest to k within distance 2, or "".
func suggest(k string, known []string) string {
	best, bestD := "", 3
	for _, c := range known {
		if d := editDistance(strings.ToLower(k), c); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}
