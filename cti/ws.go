package cti

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/coder/websocket"
)

func (s *Server) serveWS(w http.ResponseWriter, r *http.Request) {
	if s.isClosed() {
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return
	}
	c, err := websocket.Accept(w, r, &websocket.AcceptOptions{OriginPatterns: s.origins})
	if err != nil {
		return // Accept has already written the HTTP error
	}
	// Frames past MaxLine are answered with too_large by the session; the
	// library's own limit only stops absurd frames from being buffered.
	c.SetReadLimit(4 * MaxLine)
	ctx, cancel := context.WithCancel(context.Background())
	tr := &wsTransport{conn: c, ctx: ctx, cancel: cancel, ip: hostOf(r.RemoteAddr)}
	ss := s.register(tr)
	if ss == nil {
		return
	}
	defer s.wg.Done()
	ss.run() // on the HTTP handler's goroutine: it ends with the session
}

type wsTransport struct {
	conn   *websocket.Conn
	ctx    context.Context // cancelled on Close, ends a pending Read
	cancel context.CancelFunc
	ip     string

	mu          sync.Mutex
	aborted     bool
	cancelWrite context.CancelFunc
}

func (t *wsTransport) ReadMessage() ([]byte, error) {
	_, b, err := t.conn.Read(t.ctx)
	if err != nil {
		return nil, err
	}
	if len(b) > MaxLine {
		return nil, errLineTooLarge
	}
	return b, nil
}

// Write sends one text frame. A frame is written whole or the connection is
// closed by the library, so complete is always true.
func (t *wsTransport) Write(b []byte, deadline time.Time) (bool, error) {
	t.mu.Lock()
	if t.aborted {
		t.mu.Unlock()
		return true, errAborted
	}
	ctx, cancel := context.WithDeadline(t.ctx, deadline)
	t.cancelWrite = cancel
	t.mu.Unlock()
	err := t.conn.Write(ctx, websocket.MessageText, trimNL(b))
	t.mu.Lock()
	t.cancelWrite = nil
	t.mu.Unlock()
	cancel()
	return true, err
}

func (t *wsTransport) Abort() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.aborted = true
	if t.cancelWrite != nil {
		t.cancelWrite()
	}
}

func (t *wsTransport) WriteFinal(b []byte, deadline time.Time) {
	ctx, cancel := context.WithDeadline(t.ctx, deadline)
	defer cancel()
	t.conn.Write(ctx, websocket.MessageText, trimNL(b))
}

func (t *wsTransport) Close() error {
	t.cancel()
	return t.conn.CloseNow()
}

func (t *wsTransport) RemoteIP() string { return t.ip }

func trimNL(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		return b[:n-1]
	}
	return b
}
