package call

import (
	"time"

	"github.com/hotline/hotline/acd"
	"github.com/hotline/hotline/ivr"
)

// announcement is what a waiting caller hears: "you are caller number N;
// your expected wait is about M minutes", then the music resumes.
func announcement(lang string, position int, ewt time.Duration) []ivr.PromptRef {
	p := func(ref string) ivr.PromptRef { return ivr.PromptRef{Lang: lang, Ref: ref} }
	refs := []ivr.PromptRef{p("queue_position")}
	refs = append(refs, ivr.SayNumber(int64(position), lang)...)
	if ewt > 0 {
		mins := int64((ewt + 30*time.Second) / time.Minute)
		if mins < 1 {
			mins = 1
		}
		refs = append(refs, p("queue_wait"))
		refs = append(refs, ivr.SayNumber(mins, lang)...)
		refs = append(refs, p("minutes"))
	}
	return refs
}

// announce interrupts the music with the caller's position and wait.
func (c *Call) announce(a acd.Announce) {
	if c.phase != phaseQueued || a.Position <= 0 {
		return
	}
	lang := c.lang
	if lang == "" {
		lang = "en"
	}
	c.log.Info("announce", "position", a.Position, "ewt", a.EWT.Round(time.Second))
	c.announcing = true
	c.playOnCaller(c.sw.promptWAVs(announcement(lang, a.Position, a.EWT)), false)
}

// announcementDone resumes music on hold after an announcement.
func (c *Call) announcementDone() {
	c.announcing = false
	if c.phase == phaseQueued {
		c.playOnCaller(c.sw.mohWAVs(c.queue), true)
	}
}

// announcementRefs names built-in prompts in a language.
func announcementRefs(lang string, names ...string) []ivr.PromptRef {
	if lang == "" {
		lang = "en"
	}
	out := make([]ivr.PromptRef, len(names))
	for i, n := range names {
		out[i] = ivr.PromptRef{Lang: lang, Ref: n}
	}
	return out
}
