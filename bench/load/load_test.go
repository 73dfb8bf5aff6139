package main

import (
	"bytes"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/hotline/hotline/config"
	"github.com/hotline/hotline/prompts"
)

func TestParseStatCSVFromSIPp(t *testing.T) {
	f, err := os.Open("testdata/uac_stat.csv") // written by SIPp 3.6.1: 3 calls, all successful
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, err := ParseStatCSV(f)
	if err != nil {
		t.Fatal(err)
	}
	if st.Created != 3 || st.Successful != 3 || st.Failed != 0 || st.Rows != 3 || st.FailureRatio() != 0 {
		t.Fatalf("%+v", st)
	}
}

func TestParseStatCSVColumnsByNameAndPeak(t *testing.T) {
	src := "X;FailedCall(C);CurrentCall;TotalCallCreated;SuccessfulCall(C);Retransmissions(C);\n" +
		"a;0;5;5;0;0;\n" +
		"b;1;40;60;10;2;\n" +
		"c;2;0;100;98;7;\n"
	st, err := ParseStatCSV(strings.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	want := SippStats{Created: 100, Successful: 98, Failed: 2, Retransmissions: 7, PeakConcurrent: 40, Rows: 3}
	if st != want {
		t.Fatalf("got %+v, want %+v", st, want)
	}
	if got := st.FailureRatio(); got != 0.02 {
		t.Fatalf("failure ratio %v", got)
	}
}

func TestParseStatCSVErrors(t *testing.T) {
	for name, src := range map[string]string{
		"empty":          "",
		"missing column": "TotalCallCreated;CurrentCall;SuccessfulCall(C)\n1;2;3\n",
		"short row":      "TotalCallCreated;CurrentCall;SuccessfulCall(C);FailedCall(C);Retransmissions(C)\n1;2\n",
		"not a number":   "TotalCallCreated;CurrentCall;SuccessfulCall(C);FailedCall(C);Retransmissions(C)\n1;x;3;4;5\n",
	} {
		if _, err := ParseStatCSV(strings.NewReader(src)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestParseRTTCSV(t *testing.T) {
	src := "Date_ms;response_time_ms;rtd_no\n104.001;3;1\n150;9;2\n204.5;12;1\n"
	got, err := ParseRTTCSV(strings.NewReader(src), 1)
	if err != nil {
		t.Fatal(err)
	}
	want := []RTT{{104.001, 3}, {204.5, 12}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("got %v, want %v", got, want)
	}
	if v := RTTValues(got); v[0] != 3 || v[1] != 12 {
		t.Fatalf("values %v", v)
	}
	if _, err := ParseRTTCSV(strings.NewReader("1;2\n"), 1); err == nil {
		t.Fatal("a short row must be an error")
	}
}

func TestPercentileNearestRank(t *testing.T) {
	xs := []float64{15, 20, 35, 40, 50}
	for _, c := range []struct{ p, want float64 }{{5, 15}, {30, 20}, {40, 20}, {50, 35}, {100, 50}, {0, 15}} {
		if got := Percentile(xs, c.p); got != c.want {
			t.Errorf("p%v = %v, want %v", c.p, got, c.want)
		}
	}
	if xs[0] != 15 || xs[4] != 50 {
		t.Fatal("input reordered")
	}
	if !math.IsNaN(Percentile(nil, 50)) {
		t.Fatal("empty input must give NaN")
	}
	hundred := make([]float64, 100)
	for i := range hundred {
		hundred[99-i] = float64(i + 1)
	}
	if s := Summarize(hundred); s.N != 100 || s.P50 != 50 || s.P95 != 95 || s.P99 != 99 {
		t.Fatalf("%+v", s)
	}
}

// runSearch drives a search against a system that passes up to limit.
func runSearch(s *Search, limit float64) (tried []float64) {
	for range 50 {
		l, ok := s.Next()
		if !ok {
			return tried
		}
		tried = append(tried, l)
		s.Record(l, l <= limit)
	}
	panic("search does not end")
}

func TestSearchClimbsThenBisects(t *testing.T) {
	s := &Search{Start: 20, Factor: 2, Max: 2000, Refine: 3, Precision: 0.05}
	tried := runSearch(s, 100)
	want := []float64{20, 40, 80, 160, 120, 100, 110}
	if !equal(tried, want) || s.Best() != 100 {
		t.Fatalf("tried %v best %v, want %v best 100", tried, s.Best(), want)
	}
}

func TestSearchBelowStart(t *testing.T) {
	s := &Search{Start: 20, Factor: 2, Max: 2000, Refine: 3}
	tried := runSearch(s, 5)
	if want := []float64{20, 10, 5, 7}; !equal(tried, want) || s.Best() != 5 {
		t.Fatalf("tried %v best %v", tried, s.Best())
	}
	none := &Search{Start: 4, Factor: 2, Max: 100, Refine: 5}
	runSearch(none, 0)
	if none.Best() != 0 {
		t.Fatalf("nothing passes, best %v", none.Best())
	}
}

func TestSearchStopsAtMaxAndPrecision(t *testing.T) {
	s := &Search{Start: 20, Factor: 2, Max: 100, Refine: 3}
	if tried := runSearch(s, 1e9); !equal(tried, []float64{20, 40, 80, 100}) || s.Best() != 100 {
		t.Fatalf("tried %v best %v", tried, s.Best())
	}
	p := &Search{Start: 100, Factor: 2, Max: 1000, Refine: 10, Precision: 0.4}
	// 100 pass, 200 fail, 150 pass: 200-150 = 50 ≤ 0.4*150, stop.
	if tried := runSearch(p, 170); !equal(tried, []float64{100, 200, 150}) || p.Best() != 150 {
		t.Fatalf("tried %v best %v", tried, p.Best())
	}
}

func equal(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestParseProcStat(t *testing.T) {
	line := "4242 (hot (line) x) S 1 4242 4242 0 -1 4194560 1234 0 0 0 250 75 0 0 20 0 12 0 100 123456789 3000 18446744073709551615\n"
	ps, err := ParseProcStat(line)
	if err != nil {
		t.Fatal(err)
	}
	if ps.CPUSeconds != 3.25 || ps.RSSPages != 3000 {
		t.Fatalf("%+v", ps)
	}
	if _, err := ParseProcStat("4242 (x) S 1 2"); err == nil {
		t.Fatal("a short line must be an error")
	}
}

func TestParseSNMPUdp(t *testing.T) {
	src := "Ip: Forwarding DefaultTTL\nIp: 1 64\n" +
		"Udp: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors IgnoredMulti MemErrors\n" +
		"Udp: 3915 0 3539 3915 3539 2 0 0 0\nUdpLite: InDatagrams\nUdpLite: 0\n"
	m, err := ParseSNMPUdp(strings.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	if m["InDatagrams"] != 3915 || m["RcvbufErrors"] != 3539 || m["SndbufErrors"] != 2 {
		t.Fatalf("%v", m)
	}
	a := UDPCounters{InDatagrams: 10, RcvbufErrors: 1, SndbufErrors: 1, InErrors: 1}
	b := UDPCounters{InDatagrams: 110, RcvbufErrors: 4, SndbufErrors: 2, InErrors: 4}
	if d := b.Sub(a); d.InDatagrams != 100 || d.Dropped() != 7 {
		t.Fatalf("%+v", d)
	}
}

func TestParseProcNetUDPAndSocketDrops(t *testing.T) {
	head := "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n"
	row := func(port, inode, drops string) string {
		return " 4173: 0100007F:" + port + " 00000000:0000 07 00000000:00034000 00:00000000 00000000     0        0 " + inode + " 2 00000000e0763478 " + drops + "\n"
	}
	before, err := ParseProcNetUDP(strings.NewReader(head + row("0FA0", "100", "10") + row("1004", "200", "1") + row("4E20", "300", "5")))
	if err != nil {
		t.Fatal(err)
	}
	if s := before["100"]; s.Port != 4000 || s.Drops != 10 {
		t.Fatalf("%+v", s)
	}
	// 300 closed; 400 is new; 4000 (0FA0) is skipped.
	after, _ := ParseProcNetUDP(strings.NewReader(head + row("0FA0", "100", "900") + row("1004", "200", "3") + row("4E22", "400", "4")))
	if m := SocketDropsByPort(before, after, func(p int) bool { return p == 4000 }); len(m) != 2 || m[4100] != 2 || m[20002] != 4 {
		t.Fatalf("by port %v", m)
	}
	if m := SocketDropsByPort(before, after, nil); len(m) != 3 || m[4000] != 890 {
		t.Fatalf("unfiltered %v", m)
	}
	if got := describeDrops(map[int]int64{4100: 2, 4110: 5, rtpMin + 2: 4}, 1, 3); got != ": 4 at switch RTP, 7 at the far-end SIPp's RTP echo, 1 send-buffer, 3 gaps seen by the switch" {
		t.Fatalf("%q", got)
	}
	if _, err := ParseProcNetUDP(strings.NewReader(head + " 1: 0100007F 0 07 0 0 0 0 0 0 x 2 p d\n")); err == nil {
		t.Fatal("a bad row must be an error")
	}
}

func TestParsePromTextAndMemStat(t *testing.T) {
	src := "# HELP x y\n# TYPE x counter\nhotline_calls_in_progress 12\n" +
		`hotline_rtp_packets_lost_total 3` + "\n" + `hotline_agents{state="ready"} 1000` + "\ngo_goroutines 4.5e+03\nbroken line\n"
	m, err := ParsePromText(strings.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	if m["hotline_calls_in_progress"] != 12 || m[`hotline_rtp_packets_lost_total`] != 3 ||
		m[`hotline_agents{state="ready"}`] != 1000 || m["go_goroutines"] != 4500 || len(m) != 4 {
		t.Fatalf("%v", m)
	}
	heap := "heap profile: 1: 2 [3: 4] @ heap/1048576\n\n# runtime.MemStats\n# Alloc = 100\n# HeapAlloc = 123456\n# HeapInuse = 200000\n"
	if v, err := ParseMemStat(heap, "HeapAlloc"); err != nil || v != 123456 {
		t.Fatalf("%v %v", v, err)
	}
	if _, err := ParseMemStat(heap, "Nope"); err == nil {
		t.Fatal("a missing stat must be an error")
	}
}

func TestCallerPcapReadsBackAsOneStream(t *testing.T) {
	var buf bytes.Buffer
	if err := CallerPcap(&buf, 400, 1, 1000); err != nil {
		t.Fatal(err)
	}
	pkts, err := ReadRTPCapture(&buf)
	if err != nil {
		t.Fatal(err)
	}
	audio, events := 0, 0
	for i, p := range pkts {
		if i > 0 && p.Seq != pkts[i-1].Seq+1 || p.SSRC != pkts[0].SSRC {
			t.Fatalf("packet %d breaks the stream: %+v", i, p)
		}
		switch p.PT {
		case 0:
			audio++
		case 101:
			events++
		}
	}
	if audio != 20+50 || events != 8 {
		t.Fatalf("%d audio, %d event packets", audio, events)
	}
	// Sent on a perfect 20 ms clock: no transit variation.
	d := TransitVariation(pkts, func(RTPSeen) bool { return true })
	if len(d) != 19+49 || Percentile(d, 100) > 0.01 {
		t.Fatalf("%d samples, max %v ms", len(d), Percentile(d, 100))
	}
}

func TestTransitVariationSeesALatePacket(t *testing.T) {
	var pkts []RTPSeen
	for i := range 10 {
		at := float64(i) * 0.02
		if i == 5 {
			at += 0.005 // 5 ms late
		}
		pkts = append(pkts, RTPSeen{At: at, SrcPort: 1, DstPort: 2, SSRC: 7, Seq: uint16(i), TS: uint32(i * 160)})
		pkts = append(pkts, RTPSeen{At: at, SrcPort: 3, DstPort: 4, SSRC: 8, Seq: uint16(i), TS: uint32(i * 160)})
	}
	d := TransitVariation(pkts, func(p RTPSeen) bool { return p.SrcPort == 1 })
	if len(d) != 9 {
		t.Fatalf("%d samples", len(d))
	}
	if s := Summarize(d); math.Abs(s.P99-5) > 1e-6 || s.P50 > 1e-6 {
		t.Fatalf("%+v", s)
	}
}

func TestParseBenchOutput(t *testing.T) {
	out := "goos: linux\npkg: github.com/hotline/hotline/media\nBenchmarkRelayPerPacket-2   \t  350000\t      3400 ns/op\t  50.59 MB/s\t       0 B/op\t       0 allocs/op\n" +
		"PASS\npkg: github.com/hotline/hotline/cti\nBenchmarkFanout-2 1000 25641 ns/op 39000 events/s\nBenchmarkBroken\n"
	res := ParseBenchOutput([]byte(out))
	if len(res) != 2 || res[0].Pkg != "github.com/hotline/hotline/media" || res[0].Name != "BenchmarkRelayPerPacket-2" ||
		strings.Join(res[0].Metrics, ",") != "3400 ns/op,50.59 MB/s,0 B/op,0 allocs/op" || res[1].Metrics[1] != "39000 events/s" {
		t.Fatalf("%+v", res)
	}
}

func TestGeneratedConfigIsValid(t *testing.T) {
	if !prompts.Exists("en", "welcome") {
		t.Skip("built-in prompts not generated")
	}
	c, err := config.LoadBytes("bench.yaml", []byte(HotlineConfig(t.TempDir(), 50)), "")
	if err != nil {
		t.Fatalf("generated configuration rejected:\n%v", err)
	}
	if len(c.Agents) != 50 || c.Agents[49].ID != agentID(49) || c.Agents[49].Password != agentPassword(49) || !c.Server.HTTP.PProf {
		t.Fatalf("%+v", c.Agents[49])
	}
	csv := strings.Split(strings.TrimSpace(AgentsCSV([]int{3, 7})), "\n")
	if len(csv) != 3 || csv[0] != "SEQUENTIAL" || csv[2] != "100007;pw100007;[authentication username=100007 password=pw100007]" {
		t.Fatalf("%q", csv)
	}
}

func TestPeerPorts(t *testing.T) {
	if callerMedia(maxPeers-1)+10000 > rtpMin {
		t.Fatal("the last caller's media ports reach the switch's RTP range")
	}
	for k := range maxPeers {
		if !isUASMedia(uasMedia(k)) || !isUASMedia(uasMedia(k)+2) || isCallerMedia(uasMedia(k)) {
			t.Errorf("peer %d far-end media %d misclassified", k, uasMedia(k))
		}
		if !isCallerMedia(callerMedia(k)) || isUASMedia(callerMedia(k)) {
			t.Errorf("peer %d caller media %d misclassified", k, callerMedia(k))
		}
		for _, p := range []int{uasSIPPort(k), callerSIPPort(k), 5060, rtpMin, rtpMax} {
			if isUASMedia(p) || isCallerMedia(p) {
				t.Errorf("port %d taken for a media port", p)
			}
		}
	}
}

func TestMergeCallerResults(t *testing.T) {
	a := CallerResult{Stats: SippStats{Created: 10, Successful: 9, Failed: 1, PeakConcurrent: 5, Rows: 3}, Setup: []RTT{{1, 2}}, LaunchSecs: 4}
	b := CallerResult{Stats: SippStats{Created: 11, Successful: 11, Retransmissions: 2, PeakConcurrent: 6, Rows: 4}, Setup: []RTT{{3, 4}, {5, 6}}, LaunchSecs: 5}
	m := MergeCallerResults([]CallerResult{a, b})
	want := SippStats{Created: 21, Successful: 20, Failed: 1, Retransmissions: 2, PeakConcurrent: 11, Rows: 4}
	if m.Stats != want || len(m.Setup) != 3 || m.LaunchSecs != 5 {
		t.Fatalf("%+v", m)
	}
}
