package call

import "testing"

// A browser's re-offer reaches pion without its candidates, and with every
// other line as it was.
func TestWithoutCandidates(t *testing.T) {
	offer := "v=0\r\n" +
		"a=ice-ufrag:c1b56dcd\r\n" +
		"m=audio 36654 UDP/TLS/RTP/SAVPF 0 8 101\r\n" +
		"a=candidate:0 1 UDP 2122187007 127.0.0.1 36654 typ host\r\n" +
		"a=candidate:1 1 UDP 2122252543 ::1 34880 typ host\r\n" +
		"a=sendrecv\r\n" +
		"a=end-of-candidates\r\n"
	want := "v=0\r\n" +
		"a=ice-ufrag:c1b56dcd\r\n" +
		"m=audio 36654 UDP/TLS/RTP/SAVPF 0 8 101\r\n" +
		"a=sendrecv\r\n" +
		"a=end-of-candidates\r\n"
	if got := string(withoutCandidates([]byte(offer))); got != want {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
}
