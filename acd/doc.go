// Package acd is Hotline's automatic call distributor: queues, agents, skills,
// routing strategies, overflow, wrap-up and callbacks, written as a pure,
// deterministic state machine in the style of etcd raft's RawNode.
//
// The engine does no I/O, starts no goroutines and never reads the clock. One
// goroutine (the call layer's ACD actor) owns an *Engine and drives it:
//
//	acts := eng.Step(now, acd.CallerJoined{...})   // any Event
//	for _, a := range acts { ... }                  // execute Offer, Release, ...
//	if t, ok := eng.NextDeadline(); ok { arm a timer for t, then Step(t, acd.Tick{}) }
//
// Every Step first fires all timers due at now (ring timeouts, wrap-up ends,
// max wait, overflow steps, announcements), then applies the event. So an
// answer that arrives after its ring timeout is ignored even if the owner's
// timer has not fired yet.
//
// Domain events for CTI and reports are returned in the same action slice as
// Notify actions (Name is queue.joined, agent.state, ...), in the order they
// happened, interleaved with the commands they belong to.
package acd
