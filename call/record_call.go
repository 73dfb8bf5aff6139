package call

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/hotline/hotline/media"
	"github.com/hotline/hotline/store"
)

// recordVar is the call variable an IVR sets to "no" when the caller
// opts out of recording.
const recordVar = "record"

// startRecording records the connected call when its queue asks for it
// and the caller has not opted out (call variable record=no):
// the caller's audio on the left channel, the agent's on the right, into
// <recordings>/<day>/<call id>.wav, indexed in the call record.
func (c *Call) startRecording() {
	cfg := c.sw.cfg()
	record := false
	for _, q := range cfg.Queues {
		if q.Name == c.queue {
			record = q.Record
		}
	}
	if !record || c.agent == nil {
		return
	}
	if optedOut(c.vars[recordVar]) {
		// The caller declined recording in the IVR (a notice with an
		// opt-out key sets record: "no"); the call record says so.
		c.log.Info("recording skipped: the caller opted out")
		return
	}
	dir := filepath.Join(cfg.Server.Recordings, c.answeredAt.UTC().Format("2006-01-02"))
	if err := os.MkdirAll(dir, 0o750); err != nil {
		c.log.Error("recording not started", "error", err)
		return
	}
	path := filepath.Join(dir, c.id+".wav")
	rec, err := media.NewRecorder(path)
	if err != nil {
		c.log.Error("recording not started", "error", err)
		return
	}
	c.rec = rec
	c.caller.SetTap(rec.Channel(0))
	c.agent.media.SetTap(rec.Channel(1))
	c.updateRecord(store.CallUpdate{Recording: &path})
	c.log.Info("recording", "path", path)
}

func (c *Call) stopRecording() {
	if c.rec == nil {
		return
	}
	c.caller.SetTap(nil)
	if c.agent != nil {
		c.agent.media.SetTap(nil)
	}
	if s := c.side.third; s != nil {
		s.media.SetTap(nil)
	}
	if err := c.rec.Close(); err != nil {
		c.log.Error("recording incomplete", "error", err)
	}
	c.rec = nil
}

// optedOut reads the IVR's record variable: "no", "false", "0" or "off"
// turn recording off for the call.
func optedOut(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "no", "false", "0", "off":
		return true
	}
	return false
}
