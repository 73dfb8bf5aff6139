package call

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/hotline/hotline/cti"
	"github.com/hotline/hotline/ivr"
	"github.com/hotline/hotline/media"
	"github.com/hotline/hotline/store"
)

// voicemail is a message being recorded from the caller. The leg's reader
// goroutine writes frames while the call actor may close the file, hence
// the lock; the WAV header is rewritten after every frame, so a crash leaves
// a playable message.
type voicemail struct {
	mu      sync.Mutex
	w       *media.WAVWriter
	box     string
	path    string
	started time.Time
	closed  bool
	id      int64 // its index entry
}

func (v *voicemail) WriteFrame(f *media.Frame) {
	if f.Event || len(f.Payload) == 0 {
		return
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if !v.closed {
		_ = v.w.WriteG711(f.Payload, f.Codec)
	}
}

// startVoicemail records the caller into <recordings>/voicemail/<box>/.
func (c *Call) startVoicemail(r ivr.Record) {
	if c.vm != nil {
		return
	}
	dir := filepath.Join(c.sw.cfg().Server.Recordings, "voicemail", filepath.Base(r.Box))
	now := c.sw.now()
	path := filepath.Join(dir, now.UTC().Format("20060102T150405")+"-"+c.id+".wav")
	var w *media.WAVWriter
	err := os.MkdirAll(dir, 0o750)
	if err == nil {
		w, err = media.CreateWAV(path)
	}
	if err != nil {
		// The caller still gets through the node; the failure is loud.
		c.log.Error("voicemail not recorded", "box", r.Box, "error", err)
		c.post(ctlEvent{fn: func() { c.feedRecordDone(ivr.RecordDone{}) }})
		return
	}
	// Indexed now, not when it ends: a crash mid-message must not leave
	// a recording nobody can find (the restart fills in its length).
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	id, err := c.sw.store.AddVoicemail(ctx, store.Voicemail{CallID: c.id, Box: r.Box, ANI: c.in.ANI, Path: path, CreatedAt: now})
	cancel()
	if err != nil {
		c.log.Error("voicemail not indexed", "path", path, "error", err)
	}
	c.vm = &voicemail{w: w, box: r.Box, path: path, started: now, id: id}
	c.caller.SetTap(c.vm)
	c.log.Info("recording voicemail", "box", r.Box, "path", path)
}

// stopVoicemail closes the message and tells the IVR it is done.
func (c *Call) stopVoicemail() {
	done := c.finishVoicemail()
	c.post(ctlEvent{fn: func() { c.feedRecordDone(done) }})
}

func (c *Call) feedRecordDone(d ivr.RecordDone) {
	if c.ivr != nil && !c.ended {
		c.ivrInput(d)
	}
}

// finishVoicemail closes the file, indexes it and publishes it; a no-op
// when nothing is being recorded.
func (c *Call) finishVoicemail() ivr.RecordDone {
	v := c.vm
	if v == nil {
		return ivr.RecordDone{}
	}
	c.vm = nil
	c.caller.SetTap(nil)
	v.mu.Lock()
	v.closed = true
	samples := v.w.Samples()
	err := v.w.Close()
	v.mu.Unlock()
	if err != nil {
		c.log.Error("voicemail incomplete", "path", v.path, "error", err)
	}
	dur := time.Duration(samples) * time.Second / 8000
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	id := v.id
	if err := c.sw.store.SetVoicemailDuration(ctx, id, max(dur.Milliseconds(), 1)); err != nil {
		c.log.Error("voicemail length not saved", "path", v.path, "error", err)
	}
	c.sw.publish(c.event("voicemail.recorded", func(e *cti.Event) {
		e.Reason = v.box
		e.Data = mergeInto(e.Data, map[string]string{"voicemail_path": v.path,
			"voicemail_id": strconv.FormatInt(id, 10), "voicemail_ms": strconv.FormatInt(dur.Milliseconds(), 10)})
	}))
	c.log.Info("voicemail left", "box", v.box, "path", v.path, "duration", dur)
	return ivr.RecordDone{Path: v.path, Dur: dur}
}

// recoverVoicemails gives messages a crash cut short their length, read
// from the WAV itself (its header is kept current while recording).
func (sw *Switch) recoverVoicemails(ctx context.Context) {
	vms, err := sw.store.UnfinishedVoicemails(ctx)
	if err != nil {
		sw.log.Error("voicemail recovery failed", "error", err)
		return
	}
	for _, v := range vms {
		ms := int64(1)
		if b, err := os.ReadFile(v.Path); err == nil {
			if w, err := media.ParseWAV(b); err == nil {
				ms = max(int64(w.Samples())*1000/8000, 1)
			}
		}
		if err := sw.store.SetVoicemailDuration(ctx, v.ID, ms); err == nil {
			sw.log.Warn("voicemail cut by the previous run recovered", "path", v.Path, "ms", ms)
		}
	}
}
