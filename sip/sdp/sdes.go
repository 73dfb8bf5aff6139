package sdp

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// SDES (RFC 4568): the keys of an SRTP stream travel in the SDP, so they are
// only as safe as the signalling; Hotline accepts RTP/SAVP offers only on
// SIP over TLS (the caller decides, see AnswerSecure).

// Suites Hotline speaks, in the order it prefers them.
const (
	SuiteAES80 = "AES_CM_128_HMAC_SHA1_80"
	SuiteAES32 = "AES_CM_128_HMAC_SHA1_32"
)

// keyLen is the master key (16) and salt (14) of the AES-CM-128 suites.
const keyLen = 30

// Crypto is one a=crypto attribute: tag, suite and master key+salt.
type Crypto struct {
	Tag   int
	Suite string
	Key   []byte // master key followed by master salt
}

func (c Crypto) String() string {
	return fmt.Sprintf("%d %s inline:%s", c.Tag, c.Suite, base64.StdEncoding.EncodeToString(c.Key))
}

// parseCrypto reads "1 AES_CM_128_HMAC_SHA1_80 inline:<base64>[|lifetime][|MKI]";
// ok is false for suites or key forms Hotline does not use.
func parseCrypto(v string) (Crypto, bool) {
	f := strings.Fields(v)
	if len(f) < 3 {
		return Crypto{}, false
	}
	tag, err := strconv.Atoi(f[0])
	if err != nil || tag < 0 || tag > 999999999 {
		return Crypto{}, false
	}
	suite := strings.ToUpper(f[1])
	if suite != SuiteAES80 && suite != SuiteAES32 {
		return Crypto{}, false
	}
	inline, ok := strings.CutPrefix(f[2], "inline:")
	if !ok {
		return Crypto{}, false
	}
	b64, params, _ := strings.Cut(inline, "|")
	if strings.Contains(params, ":") {
		return Crypto{}, false // an MKI: several keys in turn, not supported
	}
	key, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		if key, err = base64.RawStdEncoding.DecodeString(b64); err != nil {
			return Crypto{}, false
		}
	}
	if len(key) != keyLen {
		return Crypto{}, false
	}
	return Crypto{Tag: tag, Suite: suite, Key: key}, true
}

// SRTP is what SDES agreed for one stream: the suite, the key Hotline
// sends with and the key the far end sends with.
type SRTP struct {
	Suite     string
	Tag       int
	LocalKey  []byte
	RemoteKey []byte
}

// AnswerSecure is Answer for a leg whose signalling is encrypted: an
// RTP/SAVP offer is answered with RTP/SAVP and Hotline's own key for the
// first suite it speaks (keep, when it has the same suite, is reused: a
// re-INVITE of the call keeps Hotline's key). Plain offers are answered as
// by Answer, with a nil SRTP.
func AnswerSecure(offer *Media, local netip.AddrPort, prefs []string, dir Direction, keep *SRTP) ([]byte, Media, *SRTP, error) {
	if !strings.EqualFold(offer.Proto, "RTP/SAVP") {
		b, m, err := Answer(offer, local, prefs, dir)
		return b, m, nil, err
	}
	var theirs *Crypto
	for _, want := range []string{SuiteAES80, SuiteAES32} {
		for i := range offer.Crypto {
			if offer.Crypto[i].Suite == want && theirs == nil {
				theirs = &offer.Crypto[i]
			}
		}
	}
	if theirs == nil {
		return nil, Media{}, nil, fail(ErrTransport, "RTP/SAVP offer without a usable a=crypto")
	}
	key := make([]byte, keyLen)
	if keep != nil && keep.Suite == theirs.Suite && len(keep.LocalKey) == keyLen {
		copy(key, keep.LocalKey)
	} else if _, err := rand.Read(key); err != nil {
		return nil, Media{}, nil, err
	}
	ours := &Crypto{Tag: theirs.Tag, Suite: theirs.Suite, Key: key}
	id := sessionIDs.next()
	b, m, err := answerAs(offer, local, prefs, dir, id, id, "RTP/SAVP", ours)
	if err != nil {
		return nil, Media{}, nil, err
	}
	m.Crypto = []Crypto{*theirs}
	return b, m, &SRTP{Suite: theirs.Suite, Tag: theirs.Tag, LocalKey: key, RemoteKey: theirs.Key}, nil
}

// OfferSRTP is Offer for a trunk reached over TLS: RTP/SAVP with a fresh
// key of the preferred suite. Keep the returned Crypto to read the answer
// with AnswerKeys.
func OfferSRTP(local netip.AddrPort, codecs []Codec, dtmf *Codec, dir Direction, sessID, version uint64) ([]byte, *Crypto, error) {
	key := make([]byte, keyLen)
	if _, err := rand.Read(key); err != nil {
		return nil, nil, err
	}
	c := &Crypto{Tag: 1, Suite: SuiteAES80, Key: key}
	return describe(local, codecs, dtmf, dir, sessID, version, "RTP/SAVP", c), c, nil
}

// AnswerKeys reads the far end's key from its answer to OfferSRTP's offer:
// the answer must be RTP/SAVP and accept our tag with our suite.
func AnswerKeys(answer *Media, ours *Crypto) (*SRTP, error) {
	if !strings.EqualFold(answer.Proto, "RTP/SAVP") {
		return nil, fail(ErrTransport, "answer to an SRTP offer is %s", answer.Proto)
	}
	for _, c := range answer.Crypto {
		if c.Tag == ours.Tag && c.Suite == ours.Suite {
			return &SRTP{Suite: c.Suite, Tag: c.Tag, LocalKey: ours.Key, RemoteKey: c.Key}, nil
		}
	}
	return nil, fail(ErrTransport, "answer has no key for a=crypto:%d %s", ours.Tag, ours.Suite)
}
