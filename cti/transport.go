package cti

import (
	"bufio"
	"errors"
	"net"
	"sync"
	"time"
)

var (
	errLineTooLarge = errors.New("cti: line too large")
	errAborted      = errors.New("cti: write aborted")
)

// transport is one client connection framed into messages: lines on TCP,
// text frames on WebSocket.
type transport interface {
	// ReadMessage returns the next message, errLineTooLarge past MaxLine.
	ReadMessage() ([]byte, error)
	// Write sends one message by deadline; complete reports whether the whole
	// message left (a partial line would corrupt any message after it).
	Write(b []byte, deadline time.Time) (complete bool, err error)
	// Abort makes a blocked Write return and refuses further Writes.
	Abort()
	// WriteFinal sends a last message even after Abort.
	WriteFinal(b []byte, deadline time.Time)
	Close() error
	RemoteIP() string
}

type tcpTransport struct {
	conn net.Conn
	r    *bufio.Reader

	mu      sync.Mutex // orders deadline changes between Write and Abort
	aborted bool
}

func newTCPTransport(c net.Conn) *tcpTransport {
	return &tcpTransport{conn: c, r: bufio.NewReaderSize(c, MaxLine+1)}
}

func (t *tcpTransport) ReadMessage() ([]byte, error) {
	line, err := t.r.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		return nil, errLineTooLarge
	}
	if err != nil {
		return nil, err
	}
	out := make([]byte, len(line))
	copy(out, line)
	return out, nil
}

func (t *tcpTransport) Write(b []byte, deadline time.Time) (bool, error) {
	t.mu.Lock()
	if t.aborted {
		t.mu.Unlock()
		return true, errAborted
	}
	t.conn.SetWriteDeadline(deadline)
	t.mu.Unlock()
	n, err := t.conn.Write(b)
	return n == len(b), err
}

func (t *tcpTransport) Abort() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.aborted = true
	t.conn.SetWriteDeadline(time.Unix(1, 0))
}

func (t *tcpTransport) WriteFinal(b []byte, deadline time.Time) {
	t.mu.Lock()
	t.conn.SetWriteDeadline(deadline)
	t.mu.Unlock()
	t.conn.Write(b)
}

func (t *tcpTransport) Close() error { return t.conn.Close() }

func (t *tcpTransport) RemoteIP() string { return hostOf(t.conn.RemoteAddr().String()) }

func hostOf(addr string) string {
	if h, _, err := net.SplitHostPort(addr); err == nil {
		return h
	}
	return addr
}
