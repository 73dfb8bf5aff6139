package media

import (
	"fmt"

	"github.com/pion/srtp/v3"
)

// SRTP on a leg (RFC 3711, keys from SDES): packets are decrypted as they
// are read and encrypted as they are sent, so everything above the socket
// (bridge, recorder, DTMF, prompts) sees plain RTP.

// SRTPKeys are a leg's keys: Hotline encrypts with LocalKey and the far end
// with RemoteKey; each is the 16-byte master key followed by the 14-byte
// salt.
type SRTPKeys struct {
	Suite               string // AES_CM_128_HMAC_SHA1_80 or AES_CM_128_HMAC_SHA1_32
	LocalKey, RemoteKey []byte
}

type srtpState struct {
	keys   SRTPKeys
	rx, tx *srtp.Context
}

var suites = map[string]srtp.ProtectionProfile{
	"AES_CM_128_HMAC_SHA1_80": srtp.ProtectionProfileAes128CmHmacSha1_80,
	"AES_CM_128_HMAC_SHA1_32": srtp.ProtectionProfileAes128CmHmacSha1_32,
}

// SetSRTP turns SRTP on with k (nil turns it off). New keys take effect
// for the next packet each way.
func (l *Leg) SetSRTP(k *SRTPKeys) error {
	if k == nil {
		l.srtp.Store(nil)
		return nil
	}
	prof, ok := suites[k.Suite]
	if !ok {
		return fmt.Errorf("media: SRTP suite %q not supported", k.Suite)
	}
	ctx := func(key []byte) (*srtp.Context, error) {
		if len(key) != 30 {
			return nil, fmt.Errorf("media: SRTP key of %d bytes, want 30", len(key))
		}
		return srtp.CreateContext(key[:16], key[16:], prof)
	}
	rx, err := ctx(k.RemoteKey)
	if err != nil {
		return err
	}
	tx, err := ctx(k.LocalKey)
	if err != nil {
		return err
	}
	l.srtp.Store(&srtpState{keys: *k, rx: rx, tx: tx})
	return nil
}

// SRTP returns the leg's keys, nil when it speaks plain RTP.
func (l *Leg) SRTP() *SRTPKeys {
	if s := l.srtp.Load(); s != nil {
		k := s.keys
		return &k
	}
	return nil
}
