package cti

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"net"
	"sync"
	"testing"
	"time"
)

var testTokens = []Token{
	{Token: "crm-secret", Role: "crm"},
	{Token: "sup-secret", Role: "supervisor"},
	{Token: "admin-secret", Role: "admin"},
	{Token: "a1-secret", Role: "agent:a1"},
	{Token: "a2-secret", Role: "agent:a2"},
}

// fakeController records every call; err, when set, is returned by all.
type fakeController struct {
	mu    sync.Mutex
	calls []string
	args  []any
	err   error
	snap  func() any
}

func (f *fakeController) do(ctx context.Context, name string, a any) (any, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, name)
	f.args = append(f.args, a)
	if f.err != nil {
		return nil, f.err
	}
	p, _ := PrincipalFrom(ctx)
	return map[string]string{"did": name, "by": p.String()}, nil
}

func (f *fakeController) last() (string, any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.calls) == 0 {
		return "", nil
	}
	return f.calls[len(f.calls)-1], f.args[len(f.args)-1]
}

func (f *fakeController) Snapshot(ctx context.Context) (any, error) {
	if f.snap != nil {
		return f.snap(), nil
	}
	return f.do(ctx, "snapshot", nil)
}
func (f *fakeController) AgentLogin(ctx context.Context, a AgentArgs) (any, error) {
	return f.do(ctx, "agent_login", a)
}
func (f *fakeController) AgentLogout(ctx context.Context, a AgentArgs) (any, error) {
	return f.do(ctx, "agent_logout", a)
}
func (f *fakeController) AgentReady(ctx context.Context, a AgentArgs) (any, error) {
	return f.do(ctx, "agent_ready", a)
}
func (f *fakeController) AgentNotReady(ctx context.Context, a AgentArgs) (any, error) {
	return f.do(ctx, "agent_not_ready", a)
}
func (f *fakeController) WrapUpDone(ctx context.Context, a AgentArgs) (any, error) {
	return f.do(ctx, "wrap_up_done", a)
}
func (f *fakeController) Originate(ctx context.Context, a OriginateArgs) (any, error) {
	return f.do(ctx, "originate", a)
}
func (f *fakeController) Hangup(ctx context.Context, a CallArgs) (any, error) {
	return f.do(ctx, "hangup", a)
}
func (f *fakeController) Hold(ctx context.Context, a CallArgs) (any, error) {
	return f.do(ctx, "hold", a)
}
func (f *fakeController) Unhold(ctx context.Context, a CallArgs) (any, error) {
	return f.do(ctx, "unhold", a)
}
func (f *fakeController) Transfer(ctx context.Context, a TransferArgs) (any, error) {
	return f.do(ctx, "transfer", a)
}
func (f *fakeController) AttendedTransfer(ctx context.Context, a TransferArgs) (any, error) {
	return f.do(ctx, "attended_transfer", a)
}
func (f *fakeController) TransferComplete(ctx context.Context, a CallArgs) (any, error) {
	return f.do(ctx, "transfer_complete", a)
}
func (f *fakeController) TransferCancel(ctx context.Context, a CallArgs) (any, error) {
	return f.do(ctx, "transfer_cancel", a)
}
func (f *fakeController) Conference(ctx context.Context, a TransferArgs) (any, error) {
	return f.do(ctx, "conference", a)
}
func (f *fakeController) AttachData(ctx context.Context, a AttachDataArgs) (any, error) {
	return f.do(ctx, "attach_data", a)
}
func (f *fakeController) SetPriority(ctx context.Context, a PriorityArgs) (any, error) {
	return f.do(ctx, "set_priority", a)
}
func (f *fakeController) Disposition(ctx context.Context, a DispositionArgs) (any, error) {
	return f.do(ctx, "disposition", a)
}
func (f *fakeController) Listen(ctx context.Context, a SuperviseArgs) (any, error) {
	return f.do(ctx, "listen", a)
}
func (f *fakeController) Whisper(ctx context.Context, a SuperviseArgs) (any, error) {
	return f.do(ctx, "whisper", a)
}
func (f *fakeController) Barge(ctx context.Context, a SuperviseArgs) (any, error) {
	return f.do(ctx, "barge", a)
}

var _ Controller = (*fakeController)(nil)

// startServer serves srv on 127.0.0.1:0 and closes it when the test ends.
func startServer(t *testing.T, bus *Bus, ctl Controller, opts ...Option) (*Server, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := NewServer(bus, ctl, testTokens, opts...)
	done := make(chan error, 1)
	go func() { done <- srv.ServeTCP(ln) }()
	t.Cleanup(func() {
		srv.Close()
		if err := <-done; !errors.Is(err, ErrServerClosed) {
			t.Errorf("ServeTCP returned %v", err)
		}
	})
	return srv, ln.Addr().String()
}

func (s *Server) sessionCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sessions)
}

// frame is any server message, decoded loosely for assertions.
type frame struct {
	Type    string          `json:"type"`
	ID      json.RawMessage `json:"id"`
	OK      bool            `json:"ok"`
	Data    json.RawMessage `json:"data"`
	Error   *wireError      `json:"error"`
	V       int             `json:"v"`
	Server  string          `json:"server"`
	Seq     uint64          `json:"seq"`
	Event   string          `json:"event"`
	Queue   string          `json:"queue"`
	CallID  string          `json:"call_id"`
	AgentID string          `json:"agent_id"`
	raw     string
}

type client struct {
	t    *testing.T
	conn net.Conn
	r    *bufio.Reader
	id   int
}

// dial connects and consumes the hello.
func dial(t *testing.T, addr string) *client {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	c := &client{t: t, conn: conn, r: bufio.NewReaderSize(conn, 1<<20)}
	h := c.next()
	if h.Type != "hello" || h.V != 1 || h.Server != "hotline" {
		t.Fatalf("hello = %s", h.raw)
	}
	return c
}

func (c *client) send(line string) {
	c.t.Helper()
	if _, err := c.conn.Write([]byte(line + "\n")); err != nil {
		c.t.Fatal(err)
	}
}

func (c *client) next() frame {
	c.t.Helper()
	f, err := c.tryNext()
	if err != nil {
		c.t.Fatalf("read: %v", err)
	}
	return f
}

func (c *client) tryNext() (frame, error) {
	c.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	line, err := c.r.ReadBytes('\n')
	if err != nil {
		return frame{}, err
	}
	var f frame
	if err := json.Unmarshal(line, &f); err != nil {
		c.t.Fatalf("server sent invalid JSON %q: %v", line, err)
	}
	f.raw = string(line)
	return f, nil
}

// cmd sends a command with a fresh id and returns its response; events
// arriving before it are returned too.
func (c *client) cmd(name string, args map[string]any) (frame, []frame) {
	c.t.Helper()
	c.id++
	m := map[string]any{"type": "cmd", "id": c.id, "cmd": name}
	for k, v := range args {
		m[k] = v
	}
	b, _ := json.Marshal(m)
	c.send(string(b))
	var evs []frame
	for {
		f := c.next()
		if f.Type == "res" && string(f.ID) == string(mustJSON(c.id)) {
			return f, evs
		}
		evs = append(evs, f)
	}
}

func (c *client) login(token string) frame {
	c.t.Helper()
	f, _ := c.cmd("login", map[string]any{"token": token})
	return f
}

func (c *client) mustOK(name string, args map[string]any) frame {
	c.t.Helper()
	f, _ := c.cmd(name, args)
	if !f.OK {
		c.t.Fatalf("%s failed: %s", name, f.raw)
	}
	return f
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

// events reads n event frames.
func (c *client) events(n int) []frame {
	c.t.Helper()
	var out []frame
	for len(out) < n {
		f := c.next()
		if f.Type != "event" {
			c.t.Fatalf("expected event, got %s", f.raw)
		}
		out = append(out, f)
	}
	return out
}
