package sip

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emiago/sipgo/sip"
)

// Binding is where an agent's phone can be reached.
type Binding struct {
	AgentID   string
	Contact   sip.Uri
	Source    string // ip:port the REGISTER came from
	Transport string // UDP, TCP…
	Expires   time.Time
}

const (
	minExpires     = 30
	maxExpires     = 3600
	defaultExpires = 300
)

// registrar keeps agent bindings in memory: a restart makes phones register
// again within their refresh interval, which is what every PBX relies on.
type registrar struct {
	mu       sync.Mutex
	bindings map[string]Binding // agent id -> binding (one device per agent)
}

func newRegistrar() *registrar { return &registrar{bindings: map[string]Binding{}} }

func (r *registrar) get(id string, now time.Time) (Binding, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	b, ok := r.bindings[id]
	if !ok || now.After(b.Expires) {
		return Binding{}, false
	}
	return b, true
}

// fromHost reports whether a live binding was registered from host.
func (r *registrar) fromHost(host string, now time.Time) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, b := range r.bindings {
		if !now.After(b.Expires) && hostOf(b.Source) == host {
			return true
		}
	}
	return false
}

// set stores or removes a binding; it reports whether the agent's
// reachability changed (new registration or removal).
func (r *registrar) set(b Binding, remove bool) (changed bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, had := r.bindings[b.AgentID]
	if remove {
		delete(r.bindings, b.AgentID)
		return had
	}
	r.bindings[b.AgentID] = b
	return !had
}

// dropIfUnchanged removes b's agent binding if it is still b — not
// refreshed or replaced since — and reports whether it did.
func (r *registrar) dropIfUnchanged(b Binding) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	cur, ok := r.bindings[b.AgentID]
	if !ok || cur.Source != b.Source || !cur.Expires.Equal(b.Expires) {
		return false
	}
	delete(r.bindings, b.AgentID)
	return true
}

// expire removes bindings past their expiry and returns their agent ids.
func (r *registrar) expire(now time.Time) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var gone []string
	for id, b := range r.bindings {
		if now.After(b.Expires) {
			delete(r.bindings, id)
			gone = append(gone, id)
		}
	}
	return gone
}

// requestedExpiry reads the Contact expires param, then the Expires header.
func requestedExpiry(req *sip.Request) int {
	if c := req.Contact(); c != nil {
		if v, ok := c.Params.Get("expires"); ok {
			if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
				return n
			}
		}
	}
	if h := req.GetHeader("Expires"); h != nil {
		if n, err := strconv.Atoi(strings.TrimSpace(h.Value())); err == nil {
			return n
		}
	}
	return defaultExpires
}

func (s *Server) handleRegister(req *sip.Request, tx sip.ServerTransaction) {
	if s.guard.banned(req.Source(), s.now()) {
		s.respond(req, tx, 403, "Forbidden", nil)
		return
	}
	if !s.limit.Load().allow(req.Source(), s.now()) {
		s.respond(req, tx, 503, "Service Unavailable", nil, sip.NewHeader("Retry-After", "5"))
		return
	}
	if s.refuse(req, tx) {
		return
	}
	user, err := s.digest.verify(authorization(req), "REGISTER", s.agentPassword)
	if err != nil {
		s.challenge(req, tx, err, user)
		return
	}
	to := req.To()
	if to == nil || to.Address.User != user {
		s.respond(req, tx, 403, "Forbidden", nil)
		return
	}
	contact := req.Contact()
	if contact == nil {
		// A query: answer with the current binding.
		s.respond(req, tx, 200, "OK", nil)
		return
	}
	exp := requestedExpiry(req)
	remove := contact.Address.Wildcard || exp == 0
	if !remove && exp < minExpires {
		res := sip.NewResponseFromRequest(req, 423, "Interval Too Brief", nil)
		res.AppendHeader(sip.NewHeader("Min-Expires", strconv.Itoa(minExpires)))
		_ = tx.Respond(res)
		return
	}
	exp = min(exp, maxExpires)
	b := Binding{
		AgentID:   user,
		Contact:   *contact.Address.Clone(),
		Source:    req.Source(),
		Transport: req.Transport(),
		Expires:   s.now().Add(time.Duration(exp) * time.Second),
	}
	changed := s.reg.set(b, remove)
	res := sip.NewResponseFromRequest(req, 200, "OK", nil)
	if !remove {
		c := contact.Clone()
		c.Params.Add("expires", strconv.Itoa(exp))
		res.AppendHeader(c)
	}
	_ = tx.Respond(res)
	s.log.Info("register", "agent", user, "contact", b.Contact.String(), "expires", exp, "source", b.Source)
	if changed {
		if remove {
			s.handler.Unregistered(user)
		} else {
			s.handler.Registered(b)
		}
	}
}

func authorization(req *sip.Request) string {
	if h := req.GetHeader("Authorization"); h != nil {
		return h.Value()
	}
	return ""
}

// challenge answers 401 with fresh nonces; a wrong password is logged in a
// form fail2ban can match.
func (s *Server) challenge(req *sip.Request, tx sip.ServerTransaction, err error, user string) {
	if err != errNoCredentials && err != errStaleNonce {
		// One line per failure, in a shape a standard fail2ban filter can
		// match: msg="auth failed" … source=<HOST>:port
		s.log.Warn("auth failed", "method", req.Method.String(), "user", user, "source", req.Source(), "reason", err.Error())
		if s.guard.fail(req.Source(), s.now()) {
			s.log.Warn("source banned", "source", req.Source(), "for", s.guard.banFor.String())
			s.respond(req, tx, 403, "Forbidden", nil)
			return
		}
	}
	res := sip.NewResponseFromRequest(req, 401, "Unauthorized", nil)
	for _, c := range s.digest.challenges(err == errStaleNonce) {
		res.AppendHeader(sip.NewHeader("WWW-Authenticate", c))
	}
	_ = tx.Respond(res)
}

func (s *Server) agentPassword(user string) (string, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	p, ok := s.agents[user]
	return p, ok
}

// expiryLoop drops bindings that were not refreshed in time.
func (s *Server) expiryLoop(done <-chan struct{}) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
			for _, id := range s.reg.expire(s.now()) {
				s.log.Info("registration expired", "agent", id)
				s.handler.Unregistered(id)
			}
		}
	}
}

// phoneUnreachable: an agent's phone answered nothing at all to a BYE
// (powered off, network gone). Its binding is dropped and the agent logged
// out now, as at expiry, rather than offered calls that ring into nothing
// until the registration runs out; the phone's next REGISTER logs the agent
// back in. A phone that re-registered meanwhile is alive and kept.
func (s *Server) phoneUnreachable(b Binding, err error) {
	if b.AgentID == "" || !s.reg.dropIfUnchanged(b) {
		return
	}
	s.log.Warn("agent phone unreachable: registration dropped", "agent", b.AgentID, "source", b.Source, "error", err)
	s.handler.Unregistered(b.AgentID)
}

// unanswered tells a request that got no response (transaction timeout,
// transport failure, our own deadline) from one the peer refused.
func unanswered(err error) bool {
	return errors.Is(err, sip.ErrTransactionTimeout) || errors.Is(err, sip.ErrTransactionTransport) ||
		errors.Is(err, context.DeadlineExceeded)
}
