// Package call is Hotline's glue: one actor goroutine per call drives its SIP
// legs, media, IVR session and queue ticket; one actor owns the ACD engine.
// Every state change is published on the CTI bus.
package call

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hotline/hotline/config"
	"github.com/hotline/hotline/cti"
	"github.com/hotline/hotline/media"
	"github.com/hotline/hotline/rtc"
	hsip "github.com/hotline/hotline/sip"
	"github.com/hotline/hotline/store"
	"github.com/hotline/hotline/web"
)

// Switch wires the SIP server, media, ACD, store and bus together.
type Switch struct {
	log     *slog.Logger
	now     func() time.Time
	conf    atomic.Pointer[config.Config]
	sip     *hsip.Server
	pool    *media.PortPool
	store   *store.Store
	bus     *cti.Bus
	acd     *acdActor
	evw     *store.EventWriter
	journal *store.Journal // the event history's crash journal; nil for an in-memory database

	rtc           *rtc.Engine   // browser agents' media; nil unless server.webrtc.enabled
	agentSessions *web.Sessions // agent desktop CTI tokens (with rtc)

	mu         sync.Mutex
	calls      map[string]*Call
	outs       map[string]*outCall             // originated (click-to-call) calls
	phones     map[string]*phoneCall           // calls agents dial out from their phones
	agentCalls map[*hsip.InboundLeg]*agentCall // calls between agents' phones
	ruleCalls  map[int]int                     // calls up per dial rule
	trunkUp    map[string]int                  // inbound calls up per trunk (max_calls)
	wg         sync.WaitGroup
	draining   atomic.Bool
	stopBus    func()
	stopCTI    func()
	sched      *callbackScheduler
	outLimit   *outLimiter
	confPath   string
	stopSweep  chan struct{}              // recording retention
	ctiSrv     atomic.Pointer[cti.Server] // for /metrics
	reloadMu   sync.Mutex                 // one reload at a time (SIGHUP and CTI)
}

// Options are the switch's rarely changed knobs.
type Options struct {
	Logger *slog.Logger
	Now    func() time.Time
	// ConfigPath is the file the configuration came from ("" for the
	// built-in example), re-read by ReloadFile.
	ConfigPath string
}

// New opens the store (closing calls a crash left open), builds the engine
// and binds the SIP sockets.
func New(ctx context.Context, cfg *config.Config, o Options) (*Switch, error) {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	sw := &Switch{log: o.Logger, now: o.Now, calls: map[string]*Call{}, outs: map[string]*outCall{}, phones: map[string]*phoneCall{},
		agentCalls: map[*hsip.InboundLeg]*agentCall{}, ruleCalls: map[int]int{}, trunkUp: map[string]int{}, outLimit: newOutLimiter()}
	sw.conf.Store(cfg)
	sw.confPath = o.ConfigPath

	st, err := store.Open(cfg.Server.Database)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", cfg.Server.Database, err)
	}
	sw.store = st
	journal, lastSeq, left, err := sw.recoverRun(ctx, st, cfg.Server.Database)
	if err != nil {
		st.Close()
		return nil, err
	}
	sw.journal = journal
	sw.recoverVoicemails(ctx)
	busOpts := []cti.BusOption{cti.WithBusStartSeq(lastSeq)}
	evOpts := store.EventWriterOptions{}
	if journal != nil {
		busOpts = append(busOpts, cti.WithBusJournal(func(e cti.Event) {
			if err := journal.Append(storeEvent(e)); err != nil {
				sw.log.Error("event journal: crash safety of the event history lost", "error", err)
			}
		}))
		evOpts.OnCommitted = journal.Committed
	}
	sw.bus = cti.NewBus(65536, busOpts...)
	sw.evw = store.NewEventWriter(st, evOpts)
	sw.stopBus = sw.persistEvents()
	sw.announce(left)

	pool, err := media.NewPortPool(cfg.Server.RTP.IP, cfg.Server.RTP.PortMin, cfg.Server.RTP.PortMax)
	if err != nil {
		sw.closeStore()
		return nil, err
	}
	sw.pool = pool

	a, err := newACDActor(sw, cfg)
	if err != nil {
		sw.closeStore()
		return nil, err
	}
	sw.acd = a

	srv, err := hsip.New(sipConfig(cfg, o), sw)
	if err != nil {
		sw.closeStore()
		return nil, err
	}
	sw.sip = srv
	if err := srv.Start(ctx); err != nil {
		srv.Close()
		sw.closeStore()
		return nil, err
	}
	if err := sw.startWebRTC(); err != nil {
		srv.Close()
		sw.closeStore()
		return nil, err
	}
	go a.run()
	sw.stopSweep = make(chan struct{})
	go sw.retentionLoop(sw.stopSweep)
	if err := sw.startCallbacks(ctx); err != nil {
		_ = sw.Shutdown(ctx)
		return nil, fmt.Errorf("callbacks: %w", err)
	}
	stop, err := sw.serveCTI()
	if err != nil {
		_ = sw.Shutdown(ctx)
		return nil, fmt.Errorf("cti: %w", err)
	}
	sw.stopCTI = stop
	return sw, nil
}

func (sw *Switch) cfg() *config.Config { return sw.conf.Load() }

// Bus is the event bus the CTI servers subscribe to.
func (sw *Switch) Bus() *cti.Bus { return sw.bus }

// Store is the call-record store.
func (sw *Switch) Store() *store.Store { return sw.store }

// SIPAddr is the bound SIP address for a transport (tests bind port 0).
func (sw *Switch) SIPAddr(transport string) string { return sw.sip.Addr(transport) }

func (sw *Switch) publish(e cti.Event) { sw.bus.Publish(e) }

// persistEvents stores every bus event for reports; the writer batches.
func (sw *Switch) persistEvents() func() {
	sub, err := sw.bus.Subscribe(cti.Filter{}, 65536, 0)
	if err != nil {
		sw.log.Error("event history disabled", "error", err)
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ev := range sub.C() {
			sw.evw.Write(storeEvent(ev))
		}
	}()
	return func() { sub.Close(); <-done }
}

func newCallID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// NewCall admits a trunk INVITE (sip.Handler).
func (sw *Switch) NewCall(leg *hsip.InboundLeg) {
	if sw.draining.Load() {
		leg.Reject(503, "Service Unavailable")
		return
	}
	if leg.Agent != "" {
		if sw.knownAgent(leg.DNIS) == nil {
			sw.newAgentCall(leg) // a colleague: the consultation before a transfer
		} else {
			sw.agentDial(leg) // an extension or an outside number
		}
		return
	}
	cfg := sw.cfg()
	t, ok := route(cfg, leg.Trunk, leg.DNIS)
	if !ok {
		leg.Reject(404, "Not Found")
		return
	}
	switch sw.takeTrunkSlot(cfg, leg.Trunk) {
	case "trunk":
		// The carrier sold this many channels; the next caller gets a
		// clean refusal instead of degrading the calls already up.
		sw.log.Warn("trunk full", "trunk", leg.Trunk, "max_calls", trunkMaxCalls(cfg, leg.Trunk), "ani", leg.ANI)
		leg.Reject(503, "Service Unavailable")
		return
	case "switch":
		// The switch is sized for this many: the carrier retries or routes
		// the caller elsewhere, and the calls up keep their audio.
		sw.log.Warn("switch full", "max_calls", cfg.Server.MaxCalls, "trunk", leg.Trunk, "ani", leg.ANI)
		leg.RejectRetryAfter(503, "Service Unavailable", 5)
		return
	}
	admitted := false
	defer func() {
		if !admitted {
			sw.freeTrunkSlot(leg.Trunk) // refused further on: give the slot back
		}
	}()
	c := &Call{
		sw: sw, id: newCallID(), in: leg, inbox: make(chan any, 256),
		offers: map[uint64]*offer{}, arrived: sw.now(),
	}
	c.log = sw.log.With("call", c.id)
	c.refreshContext()
	answer, ml, err := sw.answerCaller(leg.Offer, leg.Secure())
	if err != nil {
		c.log.Warn("caller offer refused", "error", err)
		leg.Reject(hsip.StatusOf(err), "Not Acceptable Here")
		return
	}
	c.caller = ml
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	err = sw.store.CreateCall(ctx, store.Call{
		ID: c.id, SIPCallID: leg.SIPCallID, ANI: leg.ANI, DNIS: leg.DNIS, Trunk: leg.Trunk,
		Flow: t.Flow, ArrivedAt: c.arrived,
	})
	cancel()
	if err != nil {
		// A call we cannot record is a call we would lose: refuse it.
		c.log.Error("creating call record failed", "error", err)
		ml.Close()
		leg.Reject(503, "Service Unavailable")
		return
	}
	ml.OnDTMF(func(d rune) { c.post(digitEvent{d}) })
	leg.SetEvents(func(ev any) { c.post(legEvent{ev: ev}) })
	if err := leg.Answer(answer); err != nil {
		ml.Close()
		_ = sw.store.EndCall(context.Background(), c.id, sw.now(), "caller", "caller_cancel", "abandoned")
		return
	}
	sw.mu.Lock()
	sw.calls[c.id] = c
	admitted = true
	sw.wg.Add(1)
	sw.mu.Unlock()
	sw.publish(c.event("call.arrived", nil))
	c.log.Info("call arrived", "ani", leg.ANI, "dnis", leg.DNIS, "trunk", leg.Trunk, "flow", t.Flow, "queue", t.Queue)
	go c.run(t)
}

func (sw *Switch) callDone(c *Call) {
	sw.freeTrunkSlot(c.in.Trunk)
	sw.mu.Lock()
	delete(sw.calls, c.id)
	sw.mu.Unlock()
	sw.wg.Done()
}

// toCall delivers an ACD action to the call's actor.
func (sw *Switch) toCall(callID string, a any) bool {
	sw.mu.Lock()
	c := sw.calls[callID]
	sw.mu.Unlock()
	if c == nil {
		return false
	}
	c.post(acdAction{a})
	return true
}

// Registered logs the agent in and makes them ready (sip.Handler): a phone
// that registers is an agent at their desk.
func (sw *Switch) Registered(b hsip.Binding) {
	if sw.knownAgent(b.AgentID) == nil { // extensions register too, outside the ACD
		sw.acd.post(acdAgentUp(b.AgentID))
	}
}

// Unregistered logs the agent out (sip.Handler).
func (sw *Switch) Unregistered(agentID string) {
	if sw.knownAgent(agentID) == nil {
		sw.acd.post(acdAgentDown(agentID))
	}
}

// Shutdown refuses new calls, ends the ones in progress cleanly (records
// closed) and stops everything, within ctx's deadline.
func (sw *Switch) Shutdown(ctx context.Context) error {
	sw.draining.Store(true)
	sw.sip.SetDraining(true)
	sw.mu.Lock()
	for _, c := range sw.calls {
		c.post(shutdownEvent{cause: "switch_shutdown"})
	}
	for _, o := range sw.outs {
		o.post(shutdownEvent{cause: "switch_shutdown"})
	}
	for _, p := range sw.phones {
		p.post(shutdownEvent{cause: "switch_shutdown"})
	}
	for _, a := range sw.agentCalls {
		a.post(shutdownEvent{cause: "switch_shutdown"})
	}
	sw.mu.Unlock()
	done := make(chan struct{})
	go func() { sw.wg.Wait(); close(done) }()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		err = fmt.Errorf("shutdown: calls still ending: %w", ctx.Err())
	}
	// Give BYEs a moment on the wire before the sockets close.
	time.Sleep(200 * time.Millisecond)
	if sw.stopCTI != nil {
		sw.stopCTI()
	}
	if sw.sched != nil {
		sw.sched.stop()
	}
	if sw.stopSweep != nil {
		close(sw.stopSweep)
		sw.stopSweep = nil
	}
	sw.acd.stop()
	_ = sw.sip.Close()
	if sw.rtc != nil {
		_ = sw.rtc.Close()
	}
	sw.closeStore()
	return err
}

func (sw *Switch) closeStore() {
	if sw.stopBus != nil {
		sw.stopBus()
	}
	if sw.evw != nil {
		sw.evw.Close()
	}
	if sw.journal != nil {
		sw.journal.Close()
	}
	sw.store.Close()
}

// Reload applies a new configuration without dropping calls: trunks and
// agent passwords at once, queues and agents through the ACD (waiting
// callers and live offers are kept), flows for calls that start a flow from
// now on. Listen addresses, RTP ports and the database need a restart.
// ReloadFile re-reads the configuration file and applies it; a file with
// problems is refused whole (config.Errors lists them) and the running
// configuration kept.
func (sw *Switch) ReloadFile() error {
	sw.reloadMu.Lock()
	defer sw.reloadMu.Unlock()
	if sw.confPath == "" {
		return errBuiltinConfig
	}
	next, err := config.Load(sw.confPath)
	if err != nil {
		return err
	}
	return sw.Reload(next)
}

var errBuiltinConfig = errors.New("the built-in configuration cannot be reloaded: serve --config FILE")

func (sw *Switch) Reload(next *config.Config) error {
	r := make(chan error, 1)
	sw.acd.post(reconfigure{cfg: acdConfig(next), reply: r})
	if err := <-r; err != nil {
		return err
	}
	sw.sip.Reconfigure(sipConfig(next, Options{Logger: sw.log, Now: sw.now}))
	sw.conf.Store(next)
	return nil
}

func trunkMaxCalls(cfg *config.Config, name string) int {
	for _, t := range cfg.Trunks {
		if t.Name == name {
			return t.MaxCalls
		}
	}
	return 0
}

// takeTrunkSlot counts a call in on a trunk, unless the trunk is at its
// max_calls or the switch at server.max_calls; the slot is held from
// arrival, so simultaneous INVITEs cannot all slip under the cap. It
// returns what is full ("" when the call got its slot).
func (sw *Switch) takeTrunkSlot(cfg *config.Config, name string) string {
	max := trunkMaxCalls(cfg, name)
	sw.mu.Lock()
	defer sw.mu.Unlock()
	if max > 0 && sw.trunkUp[name] >= max {
		return "trunk"
	}
	if cfg.Server.MaxCalls > 0 {
		up := 0
		for _, n := range sw.trunkUp {
			up += n
		}
		if up >= cfg.Server.MaxCalls {
			return "switch"
		}
	}
	sw.trunkUp[name]++
	return ""
}

func (sw *Switch) freeTrunkSlot(name string) {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	if sw.trunkUp[name]--; sw.trunkUp[name] <= 0 {
		delete(sw.trunkUp, name)
	}
}
