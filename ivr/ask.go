package ivr

import (
	"regexp"
	"time"
)

// ask (re)starts a menu, collect or survey node: lead (an invalid or
// timeout prompt) then the node's prompt, with digits accepted throughout.
func (s *Session) ask(now time.Time, lead string) {
	n := s.cur()
	s.got = nil
	if lead == "" && len(s.typed) > 0 {
		// Digits pressed during an earlier barge-in answer without a prompt.
		entry := s.entries
		for len(s.typed) > 0 && s.entries == entry && s.wait == waitAsk {
			d := s.typed[0]
			s.typed = s.typed[1:]
			s.onDigit(now, d)
		}
		return
	}
	if !s.play(now, true, lead, n.Prompt) {
		s.armAsk(now)
	}
}

// armAsk starts the no-input timer once the prompt is over.
func (s *Session) armAsk(now time.Time) {
	n := s.cur()
	t := n.Timeout.D()
	if n.Type == "collect" {
		if len(s.got) == 0 && n.FirstDigitTimeout > 0 {
			t = n.FirstDigitTimeout.D()
		}
		if len(s.got) > 0 {
			t = n.InterDigitTimeout.D()
			if t <= 0 {
				t = defaultInterDigit
			}
		}
	}
	if t <= 0 {
		t = defaultMenuTimeout
	}
	s.arm(now.Add(t))
}

func (s *Session) askDigit(now time.Time, d rune) {
	n := s.cur()
	switch n.Type {
	case "menu":
		next, ok := n.Options[string(d)]
		if !ok {
			s.retry(now, n.InvalidPrompt)
			return
		}
		s.emit(Event{Kind: EventDigits, Flow: s.flowName, Node: s.node, Digits: string(d)})
		s.goTo(now, next)
	case "survey":
		next, ok := n.Options[string(d)]
		if len(n.Options) == 0 {
			next, ok = n.Next, d >= '0' && d <= '9'
		}
		if !ok {
			s.retry(now, n.InvalidPrompt)
			return
		}
		s.emit(Event{Kind: EventDigits, Flow: s.flowName, Node: s.node, Digits: string(d)},
			SurveyAnswer{Question: s.node, Digit: d})
		s.goTo(now, next)
	case "collect":
		term := n.Terminator
		if term == "" {
			term = "#"
		}
		if string(d) == term {
			s.finishCollect(now)
			return
		}
		s.got = append(s.got, d)
		if n.MaxDigits > 0 && len(s.got) >= n.MaxDigits {
			s.finishCollect(now)
			return
		}
		if !s.playing {
			s.armAsk(now)
		}
	}
}

func (s *Session) finishCollect(now time.Time) {
	n := s.cur()
	digits := string(s.got)
	if len(s.got) < n.MinDigits {
		s.retry(now, n.InvalidPrompt)
		return
	}
	if n.Pattern != "" {
		re, err := regexp.Compile(n.Pattern)
		if err != nil {
			s.fail("ivr_error")
			return
		}
		if !re.MatchString(digits) {
			s.retry(now, n.InvalidPrompt)
			return
		}
	}
	if n.Var != "" {
		s.vars[n.Var] = digits
	}
	s.emit(Event{Kind: EventDigits, Flow: s.flowName, Node: s.node, Digits: digits})
	s.goTo(now, n.Next)
}

func (s *Session) askTimeout(now time.Time) {
	n := s.cur()
	if n.Type == "collect" && len(s.got) > 0 {
		s.finishCollect(now)
		return
	}
	s.retry(now, n.TimeoutPrompt)
}

// retry replays the node after a bad or missing answer, up to Retries
// times, then leaves through the fallback (hanging up when there is none).
func (s *Session) retry(now time.Time, lead string) {
	n := s.cur()
	s.attempts++
	if s.attempts > n.Retries {
		if n.Fallback != "" {
			s.goTo(now, n.Fallback)
			return
		}
		s.exit(ResultSelfServed)
		s.emit(Hangup{Reason: "no_input"})
		return
	}
	s.hasDeadline = false
	s.got = nil
	if !s.play(now, true, lead, n.Prompt) {
		s.armAsk(now)
	}
}
