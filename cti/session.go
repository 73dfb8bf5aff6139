package cti

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"time"
)

// session is one connected client. Its goroutines: run (reads and executes
// commands in order), writer (the only writer to the transport) and, while
// subscribed, pump (bus subscription -> send queue). The bus never waits on
// the client: events wait in the bounded subscription queue, and a client
// that lets it overflow is disconnected.
type session struct {
	srv *Server
	tr  transport
	ip  string

	out      chan []byte
	killed   chan struct{}
	killOnce sync.Once
	final    []byte // last line to send after kill, if any

	ctx    context.Context // cancelled when the session ends
	cancel context.CancelFunc

	// Owned by the run goroutine.
	principal *Principal
	sub       *Subscription
	pumpDone  chan struct{}
}

func newSession(s *Server, tr transport) *session {
	ctx, cancel := context.WithCancel(context.Background())
	return &session{
		srv: s, tr: tr, ip: tr.RemoteIP(),
		out: make(chan []byte, s.sendQueue), killed: make(chan struct{}),
		ctx: ctx, cancel: cancel,
	}
}

func (ss *session) run() {
	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		ss.writer()
	}()
	defer func() {
		ss.kill(nil, false)
		ss.cancel()
		ss.stopPump()
		<-writerDone
		ss.srv.unregister(ss)
	}()

	ss.enqueue(marshalLine(hello{Type: "hello", V: ProtocolVersion, Server: "hotline"}))
	for {
		msg, err := ss.tr.ReadMessage()
		if errors.Is(err, errLineTooLarge) {
			ss.kill(errf(CodeTooLarge, "message exceeds %d bytes; closing", MaxLine), false)
			return
		}
		if err != nil {
			return
		}
		select {
		case <-ss.killed:
			return
		default:
		}
		ss.handle(msg)
	}
}

// writer drains the send queue; on kill it sends the final line when the
// stream is still at a message boundary, then closes the transport.
func (ss *session) writer() {
	complete := true
	defer func() {
		if ss.final != nil && complete {
			ss.tr.WriteFinal(ss.final, time.Now().Add(200*time.Millisecond))
		}
		ss.tr.Close()
	}()
	for {
		select {
		case <-ss.killed:
			return
		case b := <-ss.out:
			ok, err := ss.tr.Write(b, time.Now().Add(ss.srv.writeTimeout))
			complete = ok
			if err != nil {
				ss.kill(nil, false)
				return
			}
		}
	}
}

// kill ends the session once. final (may be nil) is the error line sent last;
// abort interrupts a write in progress, for a client that stopped reading.
func (ss *session) kill(final *wireError, abort bool) {
	ss.killOnce.Do(func() {
		if final != nil {
			ss.final = marshalLine(response{Type: "res", Error: final})
		}
		close(ss.killed)
		if abort {
			ss.tr.Abort()
		}
		ss.cancel()
	})
}

// enqueue waits for room in the send queue, or for the session to end.
// It runs on the session's own goroutines only (reader and pump), never on a
// publisher's: the bus reaches a client through its subscription queue, and a
// client too slow to drain it is cut off there (see pump), or by the write
// timeout when it stops reading altogether.
func (ss *session) enqueue(b []byte) {
	select {
	case ss.out <- b:
	case <-ss.killed:
	}
}

func (ss *session) reply(id json.RawMessage, data any, err *wireError) {
	r := response{Type: "res", ID: id, OK: err == nil, Data: data, Error: err}
	b, mErr := json.Marshal(r)
	if mErr != nil {
		b, _ = json.Marshal(response{Type: "res", ID: id, Error: errf(CodeInternal, "unencodable result")})
	}
	ss.enqueue(append(b, '\n'))
}

func (ss *session) handle(msg []byte) {
	c, werr := decodeCommand(msg)
	if werr != nil {
		ss.reply(c.ID, nil, werr)
		return
	}
	spec := commands[c.Cmd]
	if c.Cmd == "login" {
		ss.login(&c, spec)
		return
	}
	if ss.principal == nil {
		if c.Cmd == "ping" {
			ss.reply(c.ID, "pong", nil)
			return
		}
		ss.reply(c.ID, nil, errf(CodeAuthRequired, "login first"))
		return
	}
	p := *ss.principal
	if werr := authorize(p, spec, &c, ss.srv.calls, ss.srv.supervises); werr != nil {
		ss.denied(p.String(), c.Cmd, werr.Message)
		ss.reply(c.ID, nil, werr)
		return
	}
	if werr := checkArgs(&c, spec); werr != nil {
		ss.reply(c.ID, nil, werr)
		return
	}
	switch c.Cmd {
	case "ping":
		ss.reply(c.ID, "pong", nil)
	case "subscribe":
		ss.subscribe(&c)
	case "unsubscribe":
		ss.stopPump()
		ss.reply(c.ID, nil, nil)
	case "snapshot":
		ss.snapshot(&c)
	default:
		ctx, cancel := ss.commandContext()
		data, err := spec.run(ctx, ss.srv.ctl, &c)
		cancel()
		ss.reply(c.ID, data, controllerError(err))
	}
}

func (ss *session) commandContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(withPrincipal(ss.ctx, *ss.principal), ss.srv.commandTimeout)
}

func (ss *session) login(c *command, spec *cmdSpec) {
	if werr := checkArgs(c, spec); werr != nil {
		ss.reply(c.ID, nil, werr)
		return
	}
	if ss.principal != nil {
		ss.reply(c.ID, nil, errf(CodeInvalidState, "already logged in as %s", ss.principal))
		return
	}
	lim := ss.srv.limit
	if lim.blocked(ss.ip) {
		ss.reply(c.ID, nil, errf(CodeRateLimited, "too many failed logins; try again later"))
		return
	}
	p, ok := authenticate(ss.srv.tokens, c.Token)
	if !ok && ss.srv.tokenCheck != nil {
		if role, valid := ss.srv.tokenCheck(c.Token); valid {
			var err error
			p, err = ParseRole(role)
			ok = err == nil
		}
	}
	if !ok {
		lim.fail(ss.ip)
		ss.denied("", "login", "bad token")
		ss.reply(c.ID, nil, errf(CodeAuthFailed, "invalid token"))
		return
	}
	lim.succeed(ss.ip)
	ss.principal = &p
	data := map[string]any{"role": p.Role.String(), "seq": ss.srv.bus.LastSeq()}
	if p.Role == RoleAgent {
		data["agent"] = p.Agent
		if ss.srv.agentSupervises(p.Agent) {
			data["supervisor"] = true
		}
	}
	ss.reply(c.ID, data, nil)
}

// denied publishes security.denied so supervisors and audit see refusals.
func (ss *session) denied(who, cmd, reason string) {
	d := map[string]string{"remote": ss.ip, "cmd": cmd}
	if who != "" {
		d["principal"] = who
	}
	ss.srv.bus.Publish(Event{Kind: KindSecurityDenied, Reason: reason, Data: d})
}

func (ss *session) subscribe(c *command) {
	ss.stopPump()
	p := *ss.principal
	f := Filter{Kinds: c.Kinds, Queues: c.Queues, Agents: c.Agents, Calls: c.Calls}
	switch p.Role {
	case RoleAgent:
		calls, id := ss.srv.calls, p.Agent
		if ss.srv.agentSupervises(id) {
			// A supervising agent watches the floor: every call and agent,
			// as a crm token does (decided when it subscribes).
			f.Match = func(ev Event) bool { return ev.Kind != KindSecurityDenied }
			break
		}
		f.Match = func(ev Event) bool { return calls.visibleTo(id, ev) }
	case RoleCRM:
		f.Match = func(ev Event) bool { return ev.Kind != KindSecurityDenied }
	}
	sub, err := ss.srv.bus.Subscribe(f, ss.srv.subBuffer, c.ResumeFrom)
	switch {
	case errors.Is(err, ErrResumeGap):
		ss.reply(c.ID, nil, errf(CodeResumeGap, "events after %d are no longer retained; take a snapshot", c.ResumeFrom))
		return
	case err != nil:
		ss.reply(c.ID, nil, errf(CodeShuttingDown, "%v", err))
		return
	}
	// Reply before starting the pump so the response precedes the events.
	ss.reply(c.ID, map[string]any{"resume_from": c.ResumeFrom}, nil)
	ss.sub = sub
	ss.pumpDone = make(chan struct{})
	go ss.pump(sub, ss.pumpDone)
}

func (ss *session) pump(sub *Subscription, done chan struct{}) {
	defer close(done)
	for ev := range sub.C() {
		// Blocking here lets the subscription queue absorb bursts; if the
		// client falls a whole queue behind, the bus cuts it and Done fires.
		select {
		case ss.out <- eventLine(ev):
			continue
		case <-ss.killed:
			return
		case <-sub.Done():
		}
		break
	}
	if errors.Is(sub.Err(), ErrSlowSubscriber) {
		ss.kill(errf(CodeSlowConsumer, "event queue overflowed; client too slow, disconnecting"), true)
	}
}

func (ss *session) stopPump() {
	if ss.sub == nil {
		return
	}
	ss.sub.Close()
	<-ss.pumpDone
	ss.sub, ss.pumpDone = nil, nil
}

// snapshot pairs the controller's state with a bus seq like a seqlock read:
// LastSeq before and after; if no event was published in between, the state
// is exactly as of that seq. Under constant churn it falls back to the seq
// read before, a lower bound: the state reflects every event up to it (the
// Controller contract) and possibly a few later ones, which a client resuming
// from that seq re-applies harmlessly since events carry absolute state.
func (ss *session) snapshot(c *command) {
	var (
		state any
		seq   uint64
		exact bool
	)
	for range 3 {
		before := ss.srv.bus.LastSeq()
		ctx, cancel := ss.commandContext()
		st, err := ss.srv.ctl.Snapshot(ctx)
		cancel()
		if err != nil {
			ss.reply(c.ID, nil, controllerError(err))
			return
		}
		state, seq = st, before
		if ss.srv.bus.LastSeq() == before {
			exact = true
			break
		}
	}
	ss.reply(c.ID, map[string]any{"seq": seq, "exact": exact, "state": state}, nil)
}

func controllerError(err error) *wireError {
	if err == nil {
		return nil
	}
	var ce codedError
	if errors.As(err, &ce) && ce.Code() != "" {
		return &wireError{Code: ce.Code(), Message: err.Error()}
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return errf(CodeTimeout, "command timed out")
	case errors.Is(err, context.Canceled):
		return errf(CodeShuttingDown, "connection closing")
	}
	return &wireError{Code: CodeInternal, Message: err.Error()}
}
