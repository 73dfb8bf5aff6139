package call

import (
	"net/netip"
	"strings"
	"sync/atomic"

	"github.com/hotline/hotline/ivr"
	"github.com/hotline/hotline/media"
	hsip "github.com/hotline/hotline/sip"
	"github.com/hotline/hotline/sip/sdp"
)

// Media glue: SDP offer/answer results from sip/sdp become media.Leg
// settings here, so sip and media never import each other.

var sdpVersion atomic.Uint64

// prefs is the codec order Hotline answers with: µ-law first, so the common
// carrier↔phone path needs no transcoding.
var prefs = []string{"PCMU", "PCMA"}

var offerCodecs = []sdp.Codec{{PT: 0, Name: "PCMU", Rate: 8000}, {PT: 8, Name: "PCMA", Rate: 8000}}

var telephoneEvent = &sdp.Codec{PT: 101, Name: "telephone-event", Rate: 8000}

func (sw *Switch) newMediaLeg() (*media.Leg, error) {
	return sw.pool.NewLeg()
}

func (sw *Switch) localAddr(l *media.Leg) netip.AddrPort {
	ip, err := netip.ParseAddr(sw.cfg().Server.SIP.PublicIP)
	if err != nil {
		ip = netip.MustParseAddr("127.0.0.1")
	}
	return netip.AddrPortFrom(ip, uint16(l.LocalPort()))
}

// answerCaller negotiates the carrier's offer and returns our SDP answer
// with the RTP leg that will carry the caller's audio. secure says the
// signalling is encrypted (SIP over TLS): only then is an SRTP (SDES) offer
// accepted, since its keys travel in the SDP.
func (sw *Switch) answerCaller(offerBody []byte, secure bool) ([]byte, *media.Leg, error) {
	offer, err := sdp.Parse(offerBody)
	if err != nil {
		return nil, nil, &hsip.Error{Status: 488, Reason: "Not Acceptable Here", Err: err}
	}
	l, err := sw.newMediaLeg()
	if err != nil {
		return nil, nil, &hsip.Error{Status: 503, Reason: "Service Unavailable", Err: err}
	}
	answer, chosen, err := sw.answerOffer(l, offer, secure)
	if err != nil {
		l.Close()
		return nil, nil, &hsip.Error{Status: 488, Reason: "Not Acceptable Here", Err: err}
	}
	sw.applyRemote(l, &chosen)
	// A trunk that did not offer telephone-event sends digits as tones:
	// listen for them in the audio (not otherwise: speech can mimic DTMF).
	l.EnableInbandDTMF(chosen.DTMF == nil)
	return answer, l, nil
}

// offerSDP is our INVITE offer to an agent's phone.
func (sw *Switch) offerSDP(l *media.Leg) []byte {
	v := sdpVersion.Add(1)
	return sdp.Offer(sw.localAddr(l), offerCodecs, telephoneEvent, sdp.SendRecv, v, v)
}

// answerOffer answers an offer for leg l, switching l's SRTP on (with the
// agreed keys) or off to match what was answered.
func (sw *Switch) answerOffer(l *media.Leg, offer *sdp.Media, secure bool) ([]byte, sdp.Media, error) {
	if !secure {
		b, chosen, err := sdp.Answer(offer, sw.localAddr(l), prefs, sdp.SendRecv)
		if err == nil {
			_ = l.SetSRTP(nil)
		}
		return b, chosen, err
	}
	var keep *sdp.SRTP
	if k := l.SRTP(); k != nil {
		keep = &sdp.SRTP{Suite: k.Suite, LocalKey: k.LocalKey, RemoteKey: k.RemoteKey}
	}
	b, chosen, keys, err := sdp.AnswerSecure(offer, sw.localAddr(l), prefs, sdp.SendRecv, keep)
	if err != nil {
		return nil, sdp.Media{}, err
	}
	var mk *media.SRTPKeys
	if keys != nil {
		mk = &media.SRTPKeys{Suite: keys.Suite, LocalKey: keys.LocalKey, RemoteKey: keys.RemoteKey}
	}
	if err := l.SetSRTP(mk); err != nil {
		return nil, sdp.Media{}, err
	}
	return b, chosen, nil
}

// trunkOffer is our offer to a carrier: RTP/SAVP with a fresh key when the
// carrier is reached over TLS (its keys would be safe in the signalling),
// plain RTP otherwise. ours reads the answer in trunkAnswered.
func (sw *Switch) trunkOffer(l *media.Leg, transport string) (offer []byte, ours *sdp.Crypto, err error) {
	if !strings.EqualFold(transport, "tls") {
		return sw.offerSDP(l), nil, nil
	}
	v := sdpVersion.Add(1)
	return sdp.OfferSRTP(sw.localAddr(l), offerCodecs, telephoneEvent, sdp.SendRecv, v, v)
}

// trunkAnswered points l at the carrier's answer, keyed for SRTP when our
// offer was.
func (sw *Switch) trunkAnswered(l *media.Leg, answer []byte, ours *sdp.Crypto) error {
	m, err := sdp.Parse(answer)
	if err != nil {
		return err
	}
	if ours != nil {
		keys, err := sdp.AnswerKeys(m, ours)
		if err != nil {
			return err
		}
		if err := l.SetSRTP(&media.SRTPKeys{Suite: keys.Suite, LocalKey: keys.LocalKey, RemoteKey: keys.RemoteKey}); err != nil {
			return err
		}
	}
	sw.applyRemote(l, m)
	return nil
}

// applyRemote points a leg at the negotiated far end and codec.
func (sw *Switch) applyRemote(l *media.Leg, m *sdp.Media) {
	dtmf := -1
	if m.DTMF != nil {
		dtmf = int(m.DTMF.PT)
	}
	codec := media.PCMU
	if len(m.Codecs) > 0 && m.Codecs[0].Name == "PCMA" {
		codec = media.PCMA
	}
	l.SetRemote(m.Addr, codec, dtmf)
}

// applyAnswer follows the far end's answer to an offer of ours (a session
// refresh by re-INVITE): a UA that moved its media says so there.
func (sw *Switch) applyAnswer(l *media.Leg, body []byte) {
	if l == nil {
		return
	}
	m, err := sdp.Parse(body)
	if err != nil {
		sw.log.Warn("unreadable answer to our re-INVITE", "error", err)
		return
	}
	if !m.Addr.Addr().IsUnspecified() {
		sw.applyRemote(l, m)
	}
}

// answerReInvite accepts a re-INVITE (hold, unhold, a moved endpoint or a
// session refresh) by answering from the same RTP leg, so the audio path
// survives it. It reports whether the offer puts the other side on hold
// (sendonly or inactive); ok is false when the offer was refused.
func (sw *Switch) answerReInvite(ri *hsip.ReInvite, l *media.Leg) (hold, ok bool) {
	if l == nil {
		ri.Reject(488)
		return false, false
	}
	if len(ri.SDP) == 0 {
		ri.Accept(sw.offerSDP(l))
		return false, false // a refresh: no change of direction
	}
	offer, err := sdp.Parse(ri.SDP)
	if err != nil {
		ri.Reject(488)
		return false, false
	}
	// Answer narrows sendrecv to what the offer allows (recvonly to a
	// sendonly offer, inactive to inactive). A leg already on SRTP was
	// secured at its INVITE, so its re-offers may be SRTP too.
	answer, chosen, err := sw.answerOffer(l, offer, l.SRTP() != nil)
	if err != nil {
		ri.Reject(488)
		return false, false
	}
	if !chosen.Addr.Addr().IsUnspecified() {
		// c=0.0.0.0 is the old way to say hold: keep the address we have.
		sw.applyRemote(l, &chosen)
	}
	ri.Accept(answer)
	return offer.Dir == sdp.SendOnly || offer.Dir == sdp.Inactive, true
}

// promptWAVs loads the WAVs for IVR prompt references; a missing one is
// skipped (load-time validation makes that rare) rather than failing the call.
func (sw *Switch) promptWAVs(refs []ivr.PromptRef) [][]byte {
	cfg := sw.cfg()
	var out [][]byte
	for _, r := range refs {
		b, err := cfg.OpenPrompt(r.Lang, r.Ref)
		if err != nil {
			sw.log.Warn("prompt unavailable", "lang", r.Lang, "ref", r.Ref, "error", err)
			continue
		}
		out = append(out, b)
	}
	return out
}

// mohWAVs is the queue's music on hold.
func (sw *Switch) mohWAVs(queue string) [][]byte {
	for _, q := range sw.cfg().Queues {
		if q.Name == queue && q.MOH != "" {
			return sw.promptWAVs([]ivr.PromptRef{{Lang: "en", Ref: q.MOH}})
		}
	}
	return nil
}

// surveyFlow is the post-call survey flow of a call: one its IVR asked for
// (a survey node), else the queue's ("" when none).
func (c *Call) surveyFlow() string {
	if f := c.vars["survey"]; f != "" && c.sw.cfg().Flows[f] != nil {
		return f
	}
	return c.sw.queueSurvey(c.queue)
}

func (sw *Switch) queueSurvey(queue string) string {
	for _, q := range sw.cfg().Queues {
		if q.Name == queue {
			return q.Survey
		}
	}
	return ""
}
