package call

import (
	"net/http"

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
	descRTP     = prometheus.NewDesc("hotline_rtp_packets_total", "RTP packets on all media legs: received, sent, and lost (sequence gaps in what was received).", []string{"dir"}, nil)
)

type switchCollector struct{ sw *Switch }

func (c switchCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descCalls, descWaiting, descLongest, descAgents, descPorts, descRTP} {
		ch <- d
	}
}

func (c switchCollector) Collect(ch chan<- prometheus.Metric) {
	c.sw.mu.Lock()
	n := len(c.sw.calls)
	c.sw.mu.Unlock()
	ch <- prometheus.MustNewConstMetric(descCalls, prometheus.GaugeValue, float64(n))
	ch <- prometheus.MustNewConstMetric(descPorts, prometheus.GaugeValue, float64(c.sw.pool.InUse()))
	rtp := c.sw.pool.Totals()
	ch <- prometheus.MustNewConstMetric(descRTP, prometheus.CounterValue, float64(rtp.RxPackets), "rx")
	ch <- prometheus.MustNewConstMetric(descRTP, prometheus.CounterValue, float64(rtp.TxPackets), "tx")
	ch <- prometheus.MustNewConstMetric(descRTP, prometheus.CounterValue, float64(rtp.RxLost), "lost")
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
