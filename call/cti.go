package call

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"path/filepath"

	"github.com/hotline/hotline/acd"
	"github.com/hotline/hotline/cti"
)

// The switch is the CTI socket's Controller: commands become ACD events or
// messages to call actors. Commands whose media side is not built yet answer
// not_supported rather than pretending.

var _ cti.Controller = (*Switch)(nil)

func errNotFound(what string) error { return cti.NewError("not_found", what+" not found") }
func errUnsupported(cmd string) error {
	return cti.NewError("not_supported", cmd+" is not supported yet")
}

func (sw *Switch) knownAgent(id string) error {
	for _, a := range sw.cfg().Agents {
		if a.ID == id {
			return nil
		}
	}
	return errNotFound("agent " + id)
}

// Snapshot returns queues and agents from the ACD and the calls in progress;
// a call connected to an agent names the agent and its queue.
func (sw *Switch) Snapshot(ctx context.Context) (any, error) {
	type callInfo struct {
		CallID  string `json:"call_id"`
		ANI     string `json:"ani"`
		DNIS    string `json:"dnis"`
		Trunk   string `json:"trunk"`
		Queue   string `json:"queue,omitempty"`
		AgentID string `json:"agent_id,omitempty"`
	}
	st := sw.acd.snapshot()
	talking := map[string]acd.AgentSnapshot{}
	for _, a := range st.Agents {
		if a.CallID != "" && (a.State == acd.Talking || a.State == acd.Held) {
			talking[a.CallID] = a
		}
	}
	sw.mu.Lock()
	calls := make([]callInfo, 0, len(sw.calls))
	for _, c := range sw.calls {
		a := talking[c.id]
		calls = append(calls, callInfo{CallID: c.id, ANI: c.in.ANI, DNIS: c.in.DNIS, Trunk: c.in.Trunk, Queue: a.Queue, AgentID: a.ID})
	}
	sw.mu.Unlock()
	return map[string]any{"acd": st, "calls": calls}, nil
}

func (sw *Switch) agentEvent(a cti.AgentArgs, ev acd.Event) (any, error) {
	if err := sw.knownAgent(a.Agent); err != nil {
		return nil, err
	}
	sw.acd.post(ev)
	return map[string]string{"agent": a.Agent}, nil
}

func (sw *Switch) AgentLogin(ctx context.Context, a cti.AgentArgs) (any, error) {
	return sw.agentEvent(a, acd.AgentLogin{AgentID: a.Agent})
}

// forcing reports whether a state change is forced: sent by a supervisor
// or admin (the fix for an agent stuck in a state) about an agent with no
// live call — a call in progress is never cut from under the agent; the
// plain request then applies after it, as the agent's own would.
func (sw *Switch) forcing(ctx context.Context, agent string) bool {
	p, ok := cti.PrincipalFrom(ctx)
	if !ok || (p.Role != cti.RoleSupervisor && p.Role != cti.RoleAdmin) {
		return false
	}
	for _, a := range sw.acd.snapshot().Agents {
		if a.ID == agent {
			return a.CallID == ""
		}
	}
	return false
}

func (sw *Switch) AgentLogout(ctx context.Context, a cti.AgentArgs) (any, error) {
	if sw.forcing(ctx, a.Agent) {
		return sw.agentEvent(a, acd.ForceState{AgentID: a.Agent, State: acd.LoggedOut})
	}
	return sw.agentEvent(a, acd.AgentLogout{AgentID: a.Agent})
}

func (sw *Switch) AgentReady(ctx context.Context, a cti.AgentArgs) (any, error) {
	if sw.forcing(ctx, a.Agent) {
		return sw.agentEvent(a, acd.ForceState{AgentID: a.Agent, State: acd.Ready})
	}
	return sw.agentEvent(a, acd.AgentReady{AgentID: a.Agent})
}

func (sw *Switch) AgentNotReady(ctx context.Context, a cti.AgentArgs) (any, error) {
	reason := a.Reason
	if reason == "" {
		reason = "break"
	}
	if sw.forcing(ctx, a.Agent) {
		return sw.agentEvent(a, acd.ForceState{AgentID: a.Agent, State: acd.NotReady, Reason: reason})
	}
	return sw.agentEvent(a, acd.AgentNotReady{AgentID: a.Agent, Reason: reason})
}

func (sw *Switch) WrapUpDone(ctx context.Context, a cti.AgentArgs) (any, error) {
	return sw.agentEvent(a, acd.WrapUpDone{AgentID: a.Agent})
}

// withCall runs fn on the call's actor goroutine and waits for its answer.
func (sw *Switch) withCall(ctx context.Context, id string, fn func(c *Call) (any, error)) (any, error) {
	sw.mu.Lock()
	c := sw.calls[id]
	sw.mu.Unlock()
	if c == nil {
		return nil, errNotFound("call " + id)
	}
	type result struct {
		v   any
		err error
	}
	r := make(chan result, 1)
	c.post(ctlEvent{func() { v, err := fn(c); r <- result{v, err} }})
	select {
	case res := <-r:
		return res.v, res.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (sw *Switch) Hangup(ctx context.Context, a cti.CallArgs) (any, error) {
	return sw.withCall(ctx, a.Call, func(c *Call) (any, error) {
		switch c.phase {
		case phaseQueued:
			c.sw.acd.post(acd.CallerLeft{CallID: c.id})
			c.cancelOffers("cti_hangup")
			c.end("switch", "cti_hangup", "abandoned")
		case phaseConnected:
			c.hangupAgent()
			c.end("switch", "cti_hangup", "answered")
		default:
			c.end("switch", "cti_hangup", "")
		}
		return map[string]string{"call": a.Call}, nil
	})
}

func (sw *Switch) AttachData(ctx context.Context, a cti.AttachDataArgs) (any, error) {
	return sw.withCall(ctx, a.Call, func(c *Call) (any, error) {
		c.mergeVars(a.Data)
		c.updateRecord(storeUpdateData(c.vars))
		return map[string]string{"call": a.Call}, nil
	})
}

func (sw *Switch) SetPriority(ctx context.Context, a cti.PriorityArgs) (any, error) {
	return sw.withCall(ctx, a.Call, func(c *Call) (any, error) {
		if c.phase != phaseQueued {
			return nil, cti.NewError("invalid_state", "call is not waiting in a queue")
		}
		c.prio = a.Priority
		c.sw.acd.post(acd.SetPriority{CallID: c.id, Priority: a.Priority})
		return map[string]any{"call": a.Call, "priority": a.Priority}, nil
	})
}

func (sw *Switch) Disposition(ctx context.Context, a cti.DispositionArgs) (any, error) {
	ev := cti.Event{Kind: "disposition.set", CallID: a.Call, Reason: a.Code}
	sw.publish(ev)
	return map[string]string{"call": a.Call, "code": a.Code}, nil
}

// Hold puts the caller on hold from the agent's toolbar: media is anchored
// in the switch, so no re-INVITE is needed: the caller hears the music.
func (sw *Switch) Hold(ctx context.Context, a cti.CallArgs) (any, error) {
	return sw.holdCmd(ctx, a.Call, true)
}

// Unhold takes the caller back.
func (sw *Switch) Unhold(ctx context.Context, a cti.CallArgs) (any, error) {
	return sw.holdCmd(ctx, a.Call, false)
}

func (sw *Switch) holdCmd(ctx context.Context, id string, hold bool) (any, error) {
	return sw.withCall(ctx, id, func(c *Call) (any, error) {
		if c.phase != phaseConnected {
			return nil, cti.NewError("invalid_state", "call is not connected to an agent")
		}
		if c.held == hold {
			return nil, cti.NewError("invalid_state", map[bool]string{true: "call is already on hold", false: "call is not on hold"}[hold])
		}
		c.setHold(true, hold)
		return map[string]any{"call": id, "held": hold}, nil
	})
}

// Transfer is a blind transfer of a connected call to a queue or an IVR
// flow (by name or routed number), as from the agent's toolbar.
func (sw *Switch) Transfer(ctx context.Context, a cti.TransferArgs) (any, error) {
	return sw.withCall(ctx, a.Call, func(c *Call) (any, error) {
		if c.phase != phaseConnected || c.agent == nil {
			return nil, cti.NewError("invalid_state", "call is not connected to an agent")
		}
		q := sw.transferQueue(a.Target)
		if q == "" {
			if f := sw.transferFlow(a.Target); f != "" {
				c.transferToFlow(f)
				return map[string]string{"call": a.Call, "flow": f}, nil
			}
			return nil, cti.NewError("not_found", "no queue, flow or routed number "+a.Target+" (for an agent or an external number use attended_transfer)")
		}
		c.transferToQueue(q)
		return map[string]string{"call": a.Call, "queue": q}, nil
	})
}

// ReloadConfig is the CTI reload command (admin only): the file's problems, if
// any, go back to the admin with their lines.
func (sw *Switch) ReloadConfig(ctx context.Context) (any, error) {
	err := sw.ReloadFile()
	switch {
	case errors.Is(err, errBuiltinConfig):
		return nil, cti.NewError(cti.CodeInvalidState, err.Error())
	case err != nil:
		sw.log.Error("reload rejected, keeping the running configuration", "error", err)
		return nil, cti.NewError(cti.CodeBadConfig, err.Error())
	}
	sw.log.Info("configuration reloaded", "config", sw.confPath, "by", "cti")
	return map[string]string{"config": sw.confPath}, nil
}

// serveCTI starts the CTI TCP socket and the HTTP listener (WebSocket CTI
// at /cti); it returns a function that stops both.
func (sw *Switch) serveCTI() (func(), error) {
	cfg := sw.cfg()
	tokens := make([]cti.Token, 0, len(cfg.CTI.Tokens))
	for _, t := range cfg.CTI.Tokens {
		tokens = append(tokens, cti.Token{Token: t.Token, Role: t.Role})
	}
	var opts []cti.Option
	opts = append(opts, cti.WithLogger(sw.log))
	if cfg.CTI.AllowRemotePlain {
		opts = append(opts, cti.AllowRemotePlain())
	}
	if cfg.CTI.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(inBase(cfg.BaseDir, cfg.CTI.CertFile), inBase(cfg.BaseDir, cfg.CTI.KeyFile))
		if err != nil {
			return nil, fmt.Errorf("cti certificate: %w", err)
		}
		opts = append(opts, cti.WithTLS(&tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}))
	}
	opts = append(opts, sw.browserCTIOptions()...)
	opts = append(opts, cti.WithAgentSupervisors(sw.agentSupervises))
	srv := cti.NewServer(sw.bus, sw, tokens, opts...)
	sw.ctiSrv.Store(srv)
	ln, err := net.Listen("tcp", cfg.CTI.Listen)
	if err != nil {
		return nil, err
	}
	go func() {
		if err := srv.ServeTCP(ln); err != nil && !errors.Is(err, cti.ErrServerClosed) {
			sw.log.Error("cti socket stopped", "error", err)
		}
	}()
	mux := http.NewServeMux()
	mux.Handle("/cti", srv.Handler())
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	metrics, stopMetrics := sw.metricsHandler()
	mux.Handle("/metrics", metrics)
	stopWeb := sw.registerWeb(mux) // wallboard, report API (web.go)
	if cfg.Server.HTTP.PProf {
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	}
	hl, err := net.Listen("tcp", cfg.Server.HTTP.Addr)
	if err != nil {
		stopWeb()
		stopMetrics()
		_ = srv.Close()
		return nil, err
	}
	sw.mountBrowser(mux, hl.Addr())
	hs := &http.Server{Handler: mux}
	if h := cfg.Server.HTTP; h.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(inBase(cfg.BaseDir, h.CertFile), inBase(cfg.BaseDir, h.KeyFile))
		if err != nil {
			stopWeb()
			stopMetrics()
			_ = srv.Close()
			_ = hl.Close()
			return nil, fmt.Errorf("http certificate: %w", err)
		}
		hs.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		// HTTP/1.1 only: the WebSockets (/cti, /sip) take over the connection.
		hs.TLSNextProto = map[string]func(*http.Server, *tls.Conn, http.Handler){}
		go func() { _ = hs.ServeTLS(hl, "", "") }()
	} else {
		go func() { _ = hs.Serve(hl) }()
	}
	hooks := make([]cti.Webhook, 0, len(cfg.CTI.Webhooks))
	for _, h := range cfg.CTI.Webhooks {
		hooks = append(hooks, cti.Webhook{URL: h.URL, Secret: h.Secret, Kinds: h.Kinds})
	}
	wh := cti.StartWebhooks(sw.bus, hooks, cti.WebhookOptions{Logger: sw.log})
	sw.log.Info("cti listening", "tcp", ln.Addr().String(), "http", hl.Addr().String(), "webhooks", len(hooks))
	return func() { wh.Close(); _ = hs.Close(); _ = srv.Close(); stopMetrics(); stopWeb() }, nil
}

// inBase resolves a path from the configuration against its file's folder.
func inBase(base, p string) string {
	if base == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(base, p)
}
