package itest

import (
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// metric reads one sample from the switch's /metrics (-1 when absent).
func metric(t *testing.T, name string) float64 {
	t.Helper()
	res, err := http.Get("http://127.0.0.1:18080/metrics")
	if err != nil {
		return -1
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + ` (\S+)$`).FindStringSubmatch(string(b))
	if m == nil {
		return -1
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return -1
	}
	return v
}

// RTCP with a real phone: baresip sends its reports to the switch's RTCP
// port and answers the switch's sender reports; a round-trip time on
// /metrics can only come from baresip echoing our SR (its LSR/DLSR).
func TestRTCPWithRealPhone(t *testing.T) {
	requirePeers(t, "sipp", "baresip")
	h := startHotline(t, testConfig("60s"))
	startAgent(t, "1002", "bob1002", agentSIP, agentCtl, switchAddr(), agentTone(t, 1000))
	waitFor(t, 5*time.Second, "agent ready", func() bool { return strings.Contains(h.Output(), "agent=1002 from=logged_out to=ready") })
	work := callerMedia(t, []pcapStep{{silenceMS: 1500}, {digit: '2'}, {silenceMS: 200}, {toneHz: 500, toneMS: 20000}})
	done := runSIPpAsync(t, work, "caller.xml", sippArgs("-d", "20000")...)
	waitFor(t, 10*time.Second, "connected", func() bool { return strings.Contains(h.Output(), "msg=connected") })
	waitFor(t, 17*time.Second, "RTCP exchanged with the phone", func() bool {
		return metric(t, `hotline_rtcp_reports_total{direction="received"}`) > 0 &&
			metric(t, `hotline_rtcp_reports_total{direction="sent"}`) > 0 &&
			metric(t, `hotline_rtcp_rtt_seconds{stat="max"}`) > 0
	})
	if rtt := metric(t, `hotline_rtcp_rtt_seconds{stat="max"}`); rtt > 0.5 {
		t.Errorf("loopback round trip %.3f s", rtt)
	}
	if loss := metric(t, `hotline_rtcp_peer_loss_ratio{stat="max"}`); loss != 0 {
		t.Errorf("the phone reports %.2f loss on loopback", loss)
	}
	if rx := metric(t, "hotline_rtp_packets_received_total"); rx < 100 {
		t.Errorf("received RTP packets: %v", rx)
	}
	awaitSIPp(t, done, 30*time.Second, "caller")
}
