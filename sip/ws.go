package sip

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
)

// SIP over WebSocket (RFC 7118) shares the HTTP listener: browsers reach
// the same origin for the agent page, /cti and /sip, and wss comes with the
// HTTP certificate. sipgo's WS transport serves a net.Listener and does the
// WebSocket upgrade itself, so the handler hijacks the connection, replays
// the upgrade request in front of it and hands it to that transport.

// WSHandler returns the /sip handler for the HTTP listener bound to addr;
// call it once.
func (s *Server) WSHandler(addr net.Addr) http.Handler {
	s.wsOnce.Do(func() {
		s.wsln = &connListener{conns: make(chan net.Conn), done: make(chan struct{}), addr: addr}
		s.mu.Lock()
		s.closers = append(s.closers, s.wsln.Close)
		s.mu.Unlock()
		if ta, ok := addr.(*net.TCPAddr); ok {
			s.setContact("ws", ta.Port)
		}
		go func() { _ = s.srv.ServeWS(s.wsln) }()
	})
	return http.HandlerFunc(s.serveWS)
}

func (s *Server) serveWS(w http.ResponseWriter, r *http.Request) {
	if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
		http.Error(w, "SIP over WebSocket: upgrade required", http.StatusUpgradeRequired)
		return
	}
	if !hasToken(r.Header.Values("Sec-WebSocket-Protocol"), "sip") {
		http.Error(w, "subprotocol sip required", http.StatusBadRequest)
		return
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		http.Error(w, "cannot hijack", http.StatusInternalServerError)
		return
	}
	var head bytes.Buffer
	if err := r.Write(&head); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	conn, rw, err := hj.Hijack()
	if err != nil {
		return
	}
	c := &wsConn{Conn: conn, r: io.MultiReader(&head, rw.Reader), onClose: s.wsClosed}
	select {
	case s.wsln.conns <- c:
	case <-s.wsln.done:
		conn.Close()
	}
}

func hasToken(values []string, want string) bool {
	for _, v := range values {
		for _, t := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), want) {
				return true
			}
		}
	}
	return false
}

// wsClosed: a browser's socket is gone (tab closed, network lost). Its
// registrations are dropped now rather than at expiry, and OnTransportLost
// is told, so no call is offered to a phone that cannot ring.
func (s *Server) wsClosed(source string) {
	for _, id := range s.reg.dropSource(source) {
		s.log.Info("websocket closed: registration dropped", "agent", id, "source", source)
		if s.OnTransportLost != nil {
			s.OnTransportLost(id)
		}
	}
}

// dropSource removes bindings registered from a connection's address.
func (r *registrar) dropSource(source string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var ids []string
	for id, b := range r.bindings {
		if b.Source == source && strings.HasPrefix(strings.ToUpper(b.Transport), "WS") {
			delete(r.bindings, id)
			ids = append(ids, id)
		}
	}
	return ids
}

// wsConn replays the upgrade request, then reads the hijacked socket; it
// reports its end once.
type wsConn struct {
	net.Conn
	r       io.Reader
	once    sync.Once
	onClose func(remote string)
}

func (c *wsConn) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	if err != nil {
		c.ended()
	}
	return n, err
}

func (c *wsConn) Close() error {
	c.ended()
	return c.Conn.Close()
}

func (c *wsConn) ended() {
	c.once.Do(func() { go c.onClose(c.RemoteAddr().String()) })
}

// connListener is a net.Listener fed by the HTTP handler.
type connListener struct {
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
	addr  net.Addr
}

func (l *connListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *connListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *connListener) Addr() net.Addr { return l.addr }
