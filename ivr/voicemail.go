package ivr

import (
	"strings"
	"time"
)

// Defaults for voicemail and callback nodes.
const (
	defaultVoicemailMax = 2 * time.Minute
	defaultVoicemailBox = "general"
	// recordStopSlack bounds the wait for RecordDone after StopRecord, so a
	// lost completion cannot hold the caller in the IVR.
	recordStopSlack = 5 * time.Second
)

// startRecord begins a voicemail node's recording once its prompts (and the
// beep) have played: the caller ends it with #, by hanging up, or by
// reaching max_length.
func (s *Session) startRecord(now time.Time, n *Node) {
	box := strings.TrimSpace(s.expand(n.Box))
	if box == "" {
		box = defaultVoicemailBox
	}
	max := n.MaxLength.D()
	if max <= 0 {
		max = defaultVoicemailMax
	}
	s.wait = waitRecord
	s.arm(now.Add(max))
	s.emit(Record{MaxLength: max, Box: box})
}

func (s *Session) stopRecord(now time.Time) {
	s.wait = waitRecordStop
	s.arm(now.Add(recordStopSlack))
	s.emit(StopRecord{})
}

// recordStopTimeout: RecordDone never came; go on as if it had.
func (s *Session) recordStopTimeout(now time.Time) { s.afterRecord(now) }

// afterRecord leaves a voicemail node: on to next (a thank-you, say) or, by
// default, the end of the call.
func (s *Session) afterRecord(now time.Time) {
	n := s.cur()
	if n.Next != "" {
		s.goTo(now, n.Next)
		return
	}
	s.exit(ResultSelfServed)
	s.emit(Hangup{Reason: "voicemail_left"})
}

// scheduleCallback files a callback for the caller and goes on to next
// (a confirmation) or ends the call. A time the caller typed that is not
// HHMM is ignored: the call back then comes as soon as an agent is free.
func (s *Session) scheduleCallback(now time.Time, n *Node) {
	num := strings.TrimSpace(s.expand(n.Number))
	if num == "" {
		num = s.call.ANI
	}
	var at time.Time
	if hhmm := strings.TrimSpace(s.expand(n.At)); hhmm != "" {
		at = nextClock(now, hhmm, n.TimeZone)
	}
	s.emit(Callback{Number: num, Queue: s.expand(n.Queue), At: at})
	if n.Next != "" {
		s.goTo(now, n.Next)
		return
	}
	s.exit(ResultSelfServed)
	s.emit(Hangup{Reason: "callback_scheduled"})
}

// nextClock is the next moment at or after now whose wall clock in zone
// reads hhmm (e.g. "0930"); zero when hhmm is not a valid time of day.
func nextClock(now time.Time, hhmm, zone string) time.Time {
	if len(hhmm) != 4 {
		return time.Time{}
	}
	t, err := time.Parse("1504", hhmm)
	if err != nil {
		return time.Time{}
	}
	loc := time.UTC
	if zone != "" {
		if l, err := time.LoadLocation(zone); err == nil {
			loc = l
		}
	}
	local := now.In(loc)
	at := time.Date(local.Year(), local.Month(), local.Day(), t.Hour(), t.Minute(), 0, 0, loc)
	if at.Before(local) {
		// time.Date normalises across DST, so the next day's wall clock is kept.
		at = time.Date(local.Year(), local.Month(), local.Day()+1, t.Hour(), t.Minute(), 0, 0, loc)
	}
	return at
}
