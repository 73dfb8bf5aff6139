package wallboard

import "time"

// Figures are a queue's service figures over a window. Segments count in
// the window in which they ended (answer, abandon or exit): a live board
// shows what just happened, unlike the reports, which attribute a segment
// to the interval it joined.
type Figures struct {
	Offered      int     `json:"offered"` // joined the queue in the window
	Answered     int     `json:"answered"`
	Abandoned    int     `json:"abandoned"`
	Short        int     `json:"short_abandons"`
	AnsweredInSL int     `json:"answered_in_sl"`
	SL           float64 `json:"sl"`           // percent; answered in SL / (answered + abandoned - short)
	SLKnown      bool    `json:"sl_known"`     // false while that base is 0
	ASA          float64 `json:"asa_s"`        // seconds
	AbandonRate  float64 `json:"abandon_rate"` // percent; (abandoned - short) / (offered - short)
}

type segKind uint8

const (
	segJoined segKind = iota
	segAnswered
	segAbandoned
	segExited
)

type seg struct {
	at   time.Time
	kind segKind
	wait time.Duration
}

// Stats keeps the recent queue segments to compute today's and rolling
// figures. It is pure: times come with the events and with each query.
type Stats struct {
	short time.Duration
	segs  map[string][]seg // per queue, in arrival order
}

// NewStats counts abandons shorter than short as short abandons.
func NewStats(short time.Duration) *Stats {
	return &Stats{short: short, segs: map[string][]seg{}}
}

func (s *Stats) add(queue string, g seg) {
	if queue != "" {
		s.segs[queue] = append(s.segs[queue], g)
	}
}

// Joined records a caller joining queue at t.
func (s *Stats) Joined(queue string, t time.Time) { s.add(queue, seg{at: t, kind: segJoined}) }

// Answered records a call answered at t after waiting wait (ringing included).
func (s *Stats) Answered(queue string, t time.Time, wait time.Duration) {
	s.add(queue, seg{at: t, kind: segAnswered, wait: wait})
}

// Abandoned records a caller hanging up while queued.
func (s *Stats) Abandoned(queue string, t time.Time, wait time.Duration) {
	s.add(queue, seg{at: t, kind: segAbandoned, wait: wait})
}

// Exited records a caller leaving the queue otherwise (timeout, overflow…).
func (s *Stats) Exited(queue string, t time.Time, wait time.Duration) {
	s.add(queue, seg{at: t, kind: segExited, wait: wait})
}

// Prune forgets segments before cutoff.
func (s *Stats) Prune(cutoff time.Time) {
	for q, list := range s.segs {
		i := 0
		for i < len(list) && list[i].at.Before(cutoff) {
			i++
		}
		if i == len(list) {
			delete(s.segs, q)
		} else if i > 0 {
			s.segs[q] = append(list[:0], list[i:]...)
		}
	}
}

// Figures computes queue's figures over [from, to] with SL threshold sl.
func (s *Stats) Figures(queue string, from, to time.Time, sl time.Duration) Figures {
	var f Figures
	var waited time.Duration
	for _, g := range s.segs[queue] {
		if g.at.Before(from) || g.at.After(to) {
			continue
		}
		switch g.kind {
		case segJoined:
			f.Offered++
		case segAnswered:
			f.Answered++
			waited += g.wait
			if g.wait <= sl {
				f.AnsweredInSL++
			}
		case segAbandoned:
			f.Abandoned++
			if g.wait < s.short {
				f.Short++
			}
		}
	}
	if base := f.Answered + f.Abandoned - f.Short; base > 0 {
		f.SL, f.SLKnown = 100*float64(f.AnsweredInSL)/float64(base), true
	}
	if f.Answered > 0 {
		f.ASA = (waited / time.Duration(f.Answered)).Seconds()
	}
	if base := f.Offered - f.Short; base > 0 {
		f.AbandonRate = 100 * float64(f.Abandoned-f.Short) / float64(base)
	}
	return f
}
