package sip

import (
	"net"

	"github.com/emiago/sipgo/sip"
)

// agentInvite admits an INVITE that no trunk accepts when it comes from an
// agent's phone: the address must be where a registration came from (so a
// scanner elsewhere gets 403 at once, with nothing allocated), and the
// INVITE must carry the digest of an agent registered from that address.
// What the agent may dial is the call layer's business (dial rules). It
// answers the request itself when it returns false.
func (s *Server) agentInvite(req *sip.Request, tx sip.ServerTransaction) (string, bool) {
	host := hostOf(req.Source())
	if !s.reg.fromHost(host, s.now()) {
		s.log.Warn("invite refused", "source", req.Source(), "reason", "no trunk allows this source")
		s.respond(req, tx, 403, "Forbidden", nil)
		return "", false
	}
	user, ok := s.authAgent(req, tx, "")
	if !ok {
		return "", false
	}
	if b, ok := s.Lookup(user); !ok || hostOf(b.Source) != host {
		// The right password from somewhere the agent's phone is not.
		s.log.Warn("invite refused", "source", req.Source(), "agent", user, "reason", "agent not registered from this address")
		s.respond(req, tx, 403, "Forbidden", nil)
		return "", false
	}
	return user, true
}

func hostOf(addr string) string {
	if h, _, err := net.SplitHostPort(addr); err == nil {
		return h
	}
	return addr
}
