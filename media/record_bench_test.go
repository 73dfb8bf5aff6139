package media

import (
	"path/filepath"
	"testing"
)

// BenchmarkRecordCallFrame is the recording cost of one call for one 20 ms
// frame: both sides' packets decoded into the recorder and one stereo frame
// written (with the header rewrite that keeps a crash-cut file playable).
// A call costs 50 of these per second.
func BenchmarkRecordCallFrame(b *testing.B) {
	r, err := NewRecorder(filepath.Join(b.TempDir(), "call.wav"))
	if err != nil {
		b.Fatal(err)
	}
	close(r.stop) // the benchmark drives the clock itself
	<-r.done
	caller, agent := r.Channel(0), r.Channel(1)
	payload := make([]byte, samplesPerFrame)
	for i := range payload {
		payload[i] = byte(i)
	}
	f := &Frame{Codec: PCMU, Payload: payload, Samples: samplesPerFrame}
	b.ReportAllocs()
	for b.Loop() {
		caller.WriteFrame(f)
		agent.WriteFrame(f)
		r.tick(false)
	}
	if r.err != nil {
		b.Fatal(r.err)
	}
	r.f.Close()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)*50/1e9*100, "%cpu/call")
}
