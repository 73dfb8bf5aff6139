package cti

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// ProtocolVersion is sent in the hello; it changes only on incompatible changes.
const ProtocolVersion = 1

// MaxLine is the largest accepted command line (or WebSocket message).
const MaxLine = 64 << 10

type hello struct {
	Type   string `json:"type"`
	V      int    `json:"v"`
	Server string `json:"server"`
}

// command is every field any command may carry; decoding is strict so a typo
// in a field name is reported instead of silently ignored.
type command struct {
	Type            string            `json:"type"`
	ID              json.RawMessage   `json:"id"`
	Cmd             string            `json:"cmd"`
	Token           string            `json:"token,omitempty"`
	Kinds           []string          `json:"kinds,omitempty"`
	Queues          []string          `json:"queues,omitempty"`
	Agents          []string          `json:"agents,omitempty"`
	Calls           []string          `json:"calls,omitempty"`
	ResumeFrom      uint64            `json:"resume_from,omitempty"`
	Agent           string            `json:"agent,omitempty"`
	Reason          string            `json:"reason,omitempty"`
	Number          string            `json:"number,omitempty"`
	CallerID        string            `json:"caller_id,omitempty"`
	Call            string            `json:"call,omitempty"`
	Target          string            `json:"target,omitempty"`
	Code            string            `json:"code,omitempty"`
	SupervisorAgent string            `json:"supervisor_agent,omitempty"`
	Data            map[string]string `json:"data,omitempty"`
	Priority        *int              `json:"priority,omitempty"`
}

type wireError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *wireError) Error() string { return e.Code + ": " + e.Message }

func errf(code, format string, a ...any) *wireError {
	return &wireError{Code: code, Message: fmt.Sprintf(format, a...)}
}

type response struct {
	Type  string          `json:"type"`
	ID    json.RawMessage `json:"id"`
	OK    bool            `json:"ok"`
	Data  any             `json:"data,omitempty"`
	Error *wireError      `json:"error,omitempty"`
}

// decodeCommand parses one line. On error it still returns the id when one
// could be read, so the error response can be correlated.
func decodeCommand(line []byte) (command, *wireError) {
	var c command
	line = bytes.TrimSpace(line)
	if len(line) == 0 || line[0] != '{' {
		return c, errf(CodeBadRequest, "expected a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		var loose struct {
			ID json.RawMessage `json:"id"`
		}
		if json.Unmarshal(line, &loose) == nil && validID(loose.ID) {
			c.ID = loose.ID
		} else {
			c.ID = nil
		}
		return c, errf(CodeBadRequest, "invalid command: %s", cleanJSONError(err))
	}
	idOK := validID(c.ID)
	if !idOK {
		c.ID = nil
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return c, errf(CodeBadRequest, "trailing data after the command object")
	}
	if !idOK {
		return c, errf(CodeBadRequest, "missing or invalid id (a non-empty string or a number)")
	}
	if c.Type != "cmd" {
		return c, errf(CodeBadRequest, `type must be "cmd"`)
	}
	if c.Cmd == "" {
		return c, errf(CodeBadRequest, "missing cmd")
	}
	if _, ok := commands[c.Cmd]; !ok {
		return c, errf(CodeUnknownCommand, "unknown command %q", truncate(c.Cmd, 64))
	}
	return c, nil
}

func validID(id json.RawMessage) bool {
	if len(id) == 0 {
		return false
	}
	var v any
	if json.Unmarshal(id, &v) != nil {
		return false
	}
	switch x := v.(type) {
	case string:
		return x != "" && len(x) <= 128
	case float64:
		return true
	}
	return false
}

// cleanJSONError keeps decoder messages short and free of the "json: " prefix.
func cleanJSONError(err error) string {
	s := err.Error()
	if len(s) > 6 && s[:6] == "json: " {
		s = s[6:]
	}
	return truncate(s, 200)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// checkArgs reports the first missing required argument of c.
func checkArgs(c *command, spec *cmdSpec) *wireError {
	for _, a := range spec.need {
		missing := false
		switch a {
		case "token":
			missing = c.Token == ""
		case "agent":
			missing = c.Agent == ""
		case "number":
			missing = c.Number == ""
		case "call":
			missing = c.Call == ""
		case "target":
			missing = c.Target == ""
		case "code":
			missing = c.Code == ""
		case "data":
			missing = len(c.Data) == 0
		case "priority":
			missing = c.Priority == nil
		case "supervisor_agent":
			missing = c.SupervisorAgent == ""
		}
		if missing {
			return errf(CodeBadRequest, "%s requires %q", c.Cmd, a)
		}
	}
	return nil
}

func marshalLine(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		// Only a controller result can fail to encode; say so instead of
		// sending a broken line.
		b, _ = json.Marshal(response{Type: "res", Error: errf(CodeInternal, "unencodable result: %v", err)})
	}
	return append(b, '\n')
}

func eventLine(ev Event) []byte { return marshalLine(ev.wire("event")) }
