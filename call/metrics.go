package call

import (
	"net/http"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/hotline/hotline/acd"
	"github.com/hotline/hotline/cti"
)

// Prometheus metrics: counters fed from the event bus (every state change
// is an event) and gauges read from the ACD and the switch at scrape time,
// so nothing on the call path waits for monitoring.

var (
	descCalls   = prometheus.NewDesc("hotline_calls_in_progress", "Calls the switch is handling now.", nil, nil)
	descWaiting = prometheus.NewDesc("hotline_queue_waiting", "Callers waiting in a queue (ringing included).", []string{"queue"}, nil)
	descLongest = prometheus.NewDesc("hotline_queue_longest_wait_seconds", "Longest current wait in a queue.", []string{"queue"}, nil)
	descAgents  = prometheus.NewDesc("hotline_agents", "Agents by state.", []string{"state"}, nil)
	descPorts   = prometheus.NewDesc("hotline_rtp_ports_in_use", "RTP ports held by live media legs.", nil, nil)
	descSIP     = prometheus.NewDesc("hotline_sip_responses_total", "SIP responses sent, by status code.", []string{"code"}, nil)
	descCTI     = prometheus.NewDesc("hotline_cti_clients", "CTI connections open now (TCP, TLS and WebSocket).", nil, nil)

	// Media quality, from RTP sequence numbers and RTCP reports.
	descRTPRx    = prometheus.NewDesc("hotline_rtp_packets_received_total", "RTP packets received on all legs.", nil, nil)
	descRTPLost  = prometheus.NewDesc("hotline_rtp_packets_lost_total", "RTP packets missing from the streams received (sequence gaps).", nil, nil)
	descRTCP     = prometheus.NewDesc("hotline_rtcp_reports_total", "RTCP reports sent and received.", []string{"direction"}, nil)
	descJitter   = prometheus.NewDesc("hotline_rtp_jitter_seconds", "Interarrival jitter of the streams received, over live legs.", []string{"stat"}, nil)
	descRTT      = prometheus.NewDesc("hotline_rtcp_rtt_seconds", "Round-trip time to the far ends, from their RTCP reports, over live legs.", []string{"stat"}, nil)
	descPeerLoss = prometheus.NewDesc("hotline_rtcp_peer_loss_ratio", "Loss of our streams as the far ends report it, over live legs.", []string{"stat"}, nil)
	mediaDescs   = []*prometheus.Desc{descRTPRx, descRTPLost, descRTCP, descJitter, descRTT, descPeerLoss}
)

type switchCollector struct{ sw *Switch }

func (c switchCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range append([]*prometheus.Desc{descCalls, descWaiting, descLongest, descAgents, descPorts, descSIP, descCTI}, mediaDescs...) {
		ch <- d
	}
}

// collectMedia reports the media layer's counters and the live legs' quality.
func (c switchCollector) collectMedia(ch chan<- prometheus.Metric) {
	ps := c.sw.pool.Stats()
	ch <- prometheus.MustNewConstMetric(descRTPRx, prometheus.CounterValue, float64(ps.Totals.RxPackets))
	ch <- prometheus.MustNewConstMetric(descRTPLost, prometheus.CounterValue, float64(ps.Totals.RxLost))
	ch <- prometheus.MustNewConstMetric(descRTCP, prometheus.CounterValue, float64(ps.Totals.RTCPSent), "sent")
	ch <- prometheus.MustNewConstMetric(descRTCP, prometheus.CounterValue, float64(ps.Totals.RTCPReceived), "received")
	for stat, v := range map[string]float64{"mean": ps.MeanJitter.Seconds(), "max": ps.MaxJitter.Seconds()} {
		ch <- prometheus.MustNewConstMetric(descJitter, prometheus.GaugeValue, v, stat)
	}
	for stat, v := range map[string]float64{"mean": ps.MeanRTT.Seconds(), "max": ps.MaxRTT.Seconds()} {
		ch <- prometheus.MustNewConstMetric(descRTT, prometheus.GaugeValue, v, stat)
	}
	for stat, v := range map[string]float64{"mean": ps.MeanPeerLoss, "max": ps.MaxPeerLoss} {
		ch <- prometheus.MustNewConstMetric(descPeerLoss, prometheus.GaugeValue, v, stat)
	}
}

func (c switchCollector) Collect(ch chan<- prometheus.Metric) {
	c.sw.mu.Lock()
	n := len(c.sw.calls)
	c.sw.mu.Unlock()
	ch <- prometheus.MustNewConstMetric(descCalls, prometheus.GaugeValue, float64(n))
	ch <- prometheus.MustNewConstMetric(descPorts, prometheus.GaugeValue, float64(c.sw.pool.InUse()))
	for code, n := range c.sw.sip.ResponseCounts() {
		ch <- prometheus.MustNewConstMetric(descSIP, prometheus.CounterValue, float64(n), strconv.Itoa(code))
	}
	if srv := c.sw.ctiSrv.Load(); srv != nil {
		ch <- prometheus.MustNewConstMetric(descCTI, prometheus.GaugeValue, float64(srv.Clients()))
	}
	c.collectMedia(ch)
	snap := c.sw.acd.snapshot()
	for _, q := range snap.Queues {
		var longest float64
		for _, cl := range q.Callers {
			longest = max(longest, cl.Wait.Seconds())
		}
		ch <- prometheus.MustNewConstMetric(descWaiting, prometheus.GaugeValue, float64(len(q.Callers)), q.Name)
		ch <- prometheus.MustNewConstMetric(descLongest, prometheus.GaugeValue, longest, q.Name)
	}
	states := map[string]int{}
	for _, s := range []acd.AgentState{acd.LoggedOut, acd.Ready, acd.NotReady, acd.Reserved, acd.Talking, acd.Held, acd.WrapUp} {
		states[s.String()] = 0
	}
	for _, a := range snap.Agents {
		states[a.State.String()]++
	}
	for s, v := range states {
		ch <- prometheus.MustNewConstMetric(descAgents, prometheus.GaugeValue, float64(v), s)
	}
}

// metricsHandler builds the registry: the switch's gauges, event counters
// fed by a bus subscriber, and the Go runtime (goroutines, memory).
func (sw *Switch) metricsHandler() (http.Handler, func()) {
	reg := prometheus.NewRegistry()
	events := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "hotline_events_total", Help: "Events published on the bus, by kind (call.arrived, queue.abandoned, agent.connected…).",
	}, []string{"kind"})
	reg.MustRegister(switchCollector{sw}, events, collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	stop := func() {}
	if sub, err := sw.bus.Subscribe(cti.Filter{}, 4096, 0); err == nil {
		done := make(chan struct{})
		go func() {
			defer close(done)
			for ev := range sub.C() {
				events.WithLabelValues(ev.Kind).Inc()
			}
		}()
		stop = func() { sub.Close(); <-done }
	}
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}), stop
}
