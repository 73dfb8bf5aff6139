package sdp

import (
	"bytes"
	"encoding/base64"
	"errors"
	"net/netip"
	"strings"
	"testing"
)

const savpOffer = "v=0\r\no=carrier 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n" +
	"m=audio 30000 RTP/SAVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n" +
	"a=crypto:1 AEAD_AES_256_GCM inline:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\r\n" +
	"a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkw|2^20\r\n" +
	"a=crypto:3 AES_CM_128_HMAC_SHA1_80 inline:YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0\r\n" +
	"a=crypto:4 AES_CM_128_HMAC_SHA1_80 inline:YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0|2^31|1:4\r\n"

func TestSDESAnswer(t *testing.T) {
	offer, err := Parse([]byte(savpOffer))
	if err != nil {
		t.Fatal(err)
	}
	// The GCM suite and the MKI key are skipped; the two usable ones remain.
	if len(offer.Crypto) != 2 || offer.Crypto[0].Tag != 2 || offer.Crypto[1].Tag != 3 {
		t.Fatalf("parsed crypto %+v", offer.Crypto)
	}
	local := netip.MustParseAddrPort("203.0.113.5:20000")
	if _, _, err := Answer(offer, local, []string{"PCMU"}, SendRecv); !errors.Is(err, ErrTransport) {
		t.Errorf("plain Answer of an SRTP offer: %v, want ErrTransport", err)
	}
	b, chosen, keys, err := AnswerSecure(offer, local, []string{"PCMU"}, SendRecv, nil)
	if err != nil {
		t.Fatal(err)
	}
	// The stronger tag wins whatever the order offered.
	if keys.Suite != SuiteAES80 || keys.Tag != 3 || string(keys.RemoteKey) != "abcdefghijklmnopqrstuvwxyz1234" || len(keys.LocalKey) != 30 {
		t.Errorf("keys %+v", keys)
	}
	ans, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	if ans.Proto != "RTP/SAVP" || len(ans.Crypto) != 1 || ans.Crypto[0].Tag != 3 || !bytes.Equal(ans.Crypto[0].Key, keys.LocalKey) {
		t.Errorf("answer proto %s crypto %+v\n%s", ans.Proto, ans.Crypto, b)
	}
	if chosen.Codecs[0].Name != "PCMU" || chosen.Addr.String() != "192.0.2.10:30000" {
		t.Errorf("chosen %+v", chosen)
	}
	// A re-INVITE keeps Hotline's key; a fresh answer draws a new one.
	b2, _, keys2, _ := AnswerSecure(offer, local, []string{"PCMU"}, SendRecv, keys)
	if !bytes.Equal(keys2.LocalKey, keys.LocalKey) || !strings.Contains(string(b2), base64.StdEncoding.EncodeToString(keys.LocalKey)) {
		t.Errorf("the key was not kept")
	}
	if _, _, keys3, _ := AnswerSecure(offer, local, []string{"PCMU"}, SendRecv, nil); bytes.Equal(keys3.LocalKey, keys.LocalKey) {
		t.Errorf("two answers drew the same key")
	}
	// No usable key: refused.
	bare, _ := Parse([]byte(strings.ReplaceAll(savpOffer, "a=crypto:", "a=x-crypto:")))
	if _, _, _, err := AnswerSecure(bare, local, []string{"PCMU"}, SendRecv, nil); !errors.Is(err, ErrTransport) {
		t.Errorf("SAVP without keys: %v", err)
	}
	// Plain RTP through AnswerSecure is an ordinary answer.
	plain, _ := Parse([]byte(strings.Replace(savpOffer, "RTP/SAVP", "RTP/AVP", 1)))
	if b, _, keys, err := AnswerSecure(plain, local, []string{"PCMU"}, SendRecv, nil); err != nil || keys != nil || !strings.Contains(string(b), "RTP/AVP") {
		t.Errorf("plain offer: keys %v err %v", keys, err)
	}
}

func TestSDESOffer(t *testing.T) {
	local := netip.MustParseAddrPort("203.0.113.5:20000")
	b, ours, err := OfferSRTP(local, []Codec{{0, "PCMU", 8000}}, nil, SendRecv, 7, 7)
	if err != nil {
		t.Fatal(err)
	}
	offer, err := Parse(b)
	if err != nil || offer.Proto != "RTP/SAVP" || len(offer.Crypto) != 1 || !bytes.Equal(offer.Crypto[0].Key, ours.Key) {
		t.Fatalf("offer %s: %v %+v", b, err, offer)
	}
	// The far end answers (here, Hotline's own AnswerSecure plays it).
	ans, _, theirs, err := AnswerSecure(offer, netip.MustParseAddrPort("192.0.2.9:4000"), []string{"PCMU"}, SendRecv, nil)
	if err != nil {
		t.Fatal(err)
	}
	am, _ := Parse(ans)
	keys, err := AnswerKeys(am, ours)
	if err != nil || !bytes.Equal(keys.LocalKey, ours.Key) || !bytes.Equal(keys.RemoteKey, theirs.LocalKey) {
		t.Fatalf("keys %+v err %v", keys, err)
	}
	plain, _ := Parse([]byte(strings.Replace(string(ans), "RTP/SAVP", "RTP/AVP", 1)))
	if _, err := AnswerKeys(plain, ours); !errors.Is(err, ErrTransport) {
		t.Errorf("plain answer to an SRTP offer: %v", err)
	}
	other := *ours
	other.Tag = 9
	if _, err := AnswerKeys(am, &other); !errors.Is(err, ErrTransport) {
		t.Errorf("answer without our tag: %v", err)
	}
}
