package call

import (
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/hotline/hotline/acd"
	"github.com/hotline/hotline/cti"
	"github.com/hotline/hotline/media"
	"github.com/hotline/hotline/media/opus"
	"github.com/hotline/hotline/rtc"
	hsip "github.com/hotline/hotline/sip"
	"github.com/hotline/hotline/sip/sdp"
	"github.com/hotline/hotline/web"
)

// Browser agents: a phone registered over WebSocket is rung with a WebRTC
// offer (ICE/DTLS-SRTP terminated by rtc) instead of plain RTP. The peer's
// media.Leg joins the same bridge, recorder and hold music as a SIP phone's.

// notReadyLost is the not-ready reason of an agent whose browser vanished.
const notReadyLost = "connection_lost"

// agentLost is posted when a connected browser's media session ends
// without a BYE (tab closed, ICE failed).
type agentLost struct{ reason string }

func (sw *Switch) startWebRTC() error {
	w := sw.cfg().Server.WebRTC
	if !w.Enabled {
		return nil
	}
	if w.Opus {
		if err := opus.Load(); err != nil {
			return fmt.Errorf("server.webrtc.opus is true but %v: install libopus0 (apt install libopus0) or set opus: false", err)
		}
	}
	e, err := rtc.NewEngine(rtc.Config{
		Listen: w.ICEAddr, PublicIP: w.PublicIP, Logger: sw.log,
		Disconnected: w.ICEDisconnected.D(), Failed: w.ICEFailed.D(), Opus: w.Opus,
	})
	if err != nil {
		return err
	}
	if w.Opus {
		sw.log.Info("opus offered to browsers", "libopus", opus.Version())
	}
	sw.rtc = e
	sw.agentSessions = web.NewSessions(agentSessionTTL, sw.now)
	sw.sip.OnTransportLost = func(agentID string) {
		sw.acd.post(acd.ForceState{AgentID: agentID, State: acd.NotReady, Reason: notReadyLost})
		sw.mu.Lock()
		for _, c := range sw.calls {
			c.post(ctlEvent{fn: func() { c.agentSignallingLost(agentID) }})
		}
		sw.mu.Unlock()
	}
	return nil
}

// isBrowser reports whether the agent's phone registered over WebSocket.
func (sw *Switch) isBrowser(agentID string) bool {
	if sw.rtc == nil {
		return false
	}
	b, ok := sw.sip.Lookup(agentID)
	return ok && strings.HasPrefix(strings.ToUpper(b.Transport), "WS")
}

// agentMedia prepares the agent side of an offer: the media leg and our
// SDP offer, WebRTC for a browser, plain RTP otherwise. lost is called
// (from another goroutine) when a browser's session dies.
func (sw *Switch) agentMedia(agentID string, lost func(reason string)) (*media.Leg, *rtc.Peer, []byte, error) {
	if !sw.isBrowser(agentID) {
		ml, err := sw.newMediaLeg()
		if err != nil {
			return nil, nil, nil, err
		}
		return ml, nil, sw.offerSDP(ml), nil
	}
	p, err := sw.rtc.NewPeer(lost)
	if err != nil {
		return nil, nil, nil, err
	}
	sdp, err := p.Offer()
	if err != nil {
		p.Leg().Close()
		return nil, nil, nil, err
	}
	return p.Leg(), p, sdp, nil
}

// answerBrowserReInvite answers a browser's re-INVITE (hold, unhold, ICE
// restart) from its peer connection.
func (sw *Switch) answerBrowserReInvite(ri *hsip.ReInvite, p *rtc.Peer) (hold, ok bool) {
	if len(ri.SDP) == 0 {
		ri.Reject(488) // an offerless re-INVITE would need our offer in the 200: browsers never send one
		return false, false
	}
	answer, hold, err := p.Answer(withoutCandidates(ri.SDP))
	if err != nil {
		sw.log.Warn("browser re-offer refused", "error", err)
		ri.Reject(488)
		return false, false
	}
	ri.Accept(answer)
	return hold, true
}

// withoutCandidates drops the candidate lines of a browser's re-offer. On
// an ICE restart the switch's side (controlling) would check and nominate the
// browser's new address at once, before the browser has our answer; Firefox
// drops a nomination that comes that early and keeps sending on the old path,
// which the restart has closed. Without them the switch learns the new
// address from the browser's own checks (peer-reflexive), sent only once the
// browser has the answer, and nominates it then.
func withoutCandidates(offer []byte) []byte {
	lines := strings.SplitAfter(string(offer), "\n")
	kept := lines[:0]
	for _, l := range lines {
		if !strings.HasPrefix(l, "a=candidate:") {
			kept = append(kept, l)
		}
	}
	return []byte(strings.Join(kept, ""))
}

// onBrowserMedia handles the peer's report about a connected browser.
func (c *Call) onBrowserMedia(reason string) {
	if reason == "ice_disconnected" && !c.agent.wsLost {
		return // a network blip with the page still there: ICE may recover, else it fails
	}
	c.browserLost(reason)
}

// agentSignallingLost: the agent's WebSocket closed. With the media gone
// too the tab was closed: end now rather than at the ICE failure timeout.
// With media still flowing it may be a signalling blip (the page
// reconnects), so the call goes on until ICE says otherwise.
func (c *Call) agentSignallingLost(agentID string) {
	c.sideSignallingLost(agentID)
	if c.agent == nil || c.agent.agentID != agentID || c.agent.rtc == nil || c.ended {
		return
	}
	c.agent.wsLost = true
	if c.agent.rtc.Disconnected() {
		c.browserLost("websocket_closed")
	}
}

// browserLost ends a call whose browser agent vanished: the caller is
// released cleanly, and the agent is set not-ready so no call is offered to
// a closed tab.
func (c *Call) browserLost(reason string) {
	agent := c.agent.agentID
	c.log.Warn("agent browser lost", "agent", agent, "reason", reason)
	c.hangupAgent()
	c.end("agent", "agent_connection_lost", "answered")
	c.sw.acd.post(acd.ForceState{AgentID: agent, State: acd.NotReady, Reason: notReadyLost})
}

// applyAgentAnswer points the offer's media at what the agent's answer
// negotiated.
func (sw *Switch) applyAgentAnswer(o *offer, answer []byte) error {
	if o.rtc != nil {
		return o.rtc.Accept(answer)
	}
	m, err := sdp.Parse(answer)
	if err != nil {
		return err
	}
	sw.applyRemote(o.media, m)
	return nil
}

// agentSessionTTL bounds a desktop's CTI token; the page takes a new one
// whenever it reconnects.
const agentSessionTTL = time.Hour

// mountBrowser adds SIP over WebSocket (/sip) and the agent desktop
// (/agent) to the HTTP mux, when WebRTC is enabled.
func (sw *Switch) mountBrowser(mux *http.ServeMux, addr net.Addr) {
	if sw.rtc == nil {
		return
	}
	mux.Handle("/sip", sw.sip.WSHandler(addr))
	desk := web.Handler(web.Options{
		Password: func(id string) (string, bool) {
			for _, a := range sw.cfg().Agents {
				if a.ID == id {
					return a.Password, true
				}
			}
			return "", false
		},
		Name: func(id string) string {
			for _, a := range sw.cfg().Agents {
				if a.ID == id {
					return a.Name
				}
			}
			return id
		},
		Sessions:  sw.agentSessions,
		SIPDomain: func() string { return sw.cfg().Server.SIP.PublicIP },
		Logger:    sw.log,
		Now:       sw.now,
	})
	mux.Handle("/agent", desk)
	mux.Handle("/agent/", desk)
}

// browserCTIOptions accepts the desktop's session tokens on the CTI socket.
func (sw *Switch) browserCTIOptions() []cti.Option {
	if sw.agentSessions == nil {
		return nil
	}
	return []cti.Option{cti.WithTokenCheck(sw.agentSessions.Role)}
}
