package call

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"time"

	"github.com/hotline/hotline/cti"
	"github.com/hotline/hotline/ivr"
)

// startFlow puts the caller into an IVR flow.
func (c *Call) startFlow(name string) {
	c.phase = phaseIVR
	c.flow = name
	s, err := ivr.NewSession(c.sw.cfg().Flows, name, ivr.CallInfo{
		CallID: c.id, ANI: c.in.ANI, DNIS: c.in.DNIS, Trunk: c.in.Trunk, Vars: c.vars,
	})
	if err != nil {
		c.log.Error("starting flow failed", "flow", name, "error", err)
		c.end("switch", "flow_error", "failed")
		return
	}
	c.ivr = s
	c.lang = c.sw.cfg().Flows[name].Language
	c.runIVR(s.Start(c.sw.now()))
}

func (c *Call) ivrInput(in ivr.Input) {
	c.runIVR(c.ivr.Input(c.sw.now(), in))
}

// runIVR executes what the interpreter asked for, then re-arms its timer.
func (c *Call) runIVR(actions []ivr.Action) {
	for _, a := range actions {
		if c.ended {
			return
		}
		switch a := a.(type) {
		case ivr.Play:
			c.playOnCaller(c.sw.promptWAVs(a.Prompts), false)
		case ivr.StopPlayback:
			c.stopPlayback()
		case ivr.Event:
			c.publishIVR(a)
		case ivr.HTTPRequest:
			go c.doHTTP(a)
		case ivr.Enqueue:
			c.mergeVars(c.ivr.Vars()) // IVR and CRM results travel with the call
			c.mergeVars(a.Vars)
			c.ivr = nil
			c.updateRecord(storeUpdateFlow(c.flow, c.digits.String()))
			if len(c.vars) > 0 {
				c.updateRecord(storeUpdateData(c.vars))
			}
			c.enqueue(a.Queue, a.Priority, a.Skills)
			return
		case ivr.SurveyAnswer:
			c.sw.publish(c.event("survey.answered", func(e *cti.Event) {
				e.Reason = a.Question
				e.Digits = string(a.Digit)
				e.AgentID = c.vars["agent"] // the agent the caller just spoke to
			}))
		case ivr.Transfer:
			c.ivrTransfer(a)
			return
		case ivr.Record:
			c.startVoicemail(a)
		case ivr.StopRecord:
			c.stopVoicemail()
		case ivr.Callback:
			c.ivrCallback(a)
		case ivr.Hangup:
			c.updateRecord(storeUpdateFlow(c.flow, c.digits.String()))
			disp := "self_served"
			if c.phase == phaseSurvey {
				disp = "answered"
			}
			c.end("switch", "ivr_hangup", disp)
			return
		case ivr.Exit:
			// Reported via Event; the terminal action follows.
		}
	}
	if c.ivr == nil || c.ended {
		return
	}
	c.timer.Stop()
	if at, ok := c.ivr.Deadline(); ok {
		c.timer.Reset(max(at.Sub(c.sw.now()), 0))
	}
}

func (c *Call) publishIVR(a ivr.Event) {
	c.sw.publish(c.event(a.Kind, func(e *cti.Event) {
		if a.Digits != "" {
			e.Digits = a.Digits
		}
		e.Reason, e.Flow = a.Node, a.Flow
		if a.Result != "" {
			e.Reason = string(a.Result)
		}
	}))
}

func (c *Call) mergeVars(v map[string]string) {
	if len(v) == 0 {
		return
	}
	if c.vars == nil {
		c.vars = map[string]string{}
	}
	for k, val := range v {
		c.vars[k] = val
	}
	c.refreshContext()
}

// doHTTP performs an IVR http node's request off the actor goroutine and
// posts the result back.
func (c *Call) doHTTP(r ivr.HTTPRequest) {
	timeout := r.Timeout
	if timeout <= 0 {
		timeout = 3 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, r.Method, r.URL, bytes.NewReader(r.Body))
	if err != nil {
		c.post(httpDone{ivr.HTTPResult{Err: err}})
		return
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.post(httpDone{ivr.HTTPResult{Err: err}})
		return
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	c.post(httpDone{ivr.HTTPResult{Status: res.StatusCode, Body: body, Err: err}})
}
