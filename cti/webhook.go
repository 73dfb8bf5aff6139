package cti

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Webhook delivers the bus's events to a URL, for systems that cannot hold
// a socket: one POST per event, the same JSON as on the socket, signed with
// HMAC-SHA256 over the body (header X-Hotline-Signature: sha256=<hex>),
// retried with backoff. Each hook has its own subscriber, so a slow or dead
// receiver never holds up calls or the other hooks; one that falls behind
// the ring buffer loses the events it missed, and says so in the log.
type Webhook struct {
	URL    string
	Secret string
	Kinds  []string // event kinds to send; empty = all
}

// Webhooks runs the configured hooks until Close.
type Webhooks struct {
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// WebhookOptions tunes delivery; zero values take the defaults.
type WebhookOptions struct {
	Client   *http.Client  // default: 5 s timeout
	Attempts int           // per event; default 5
	Backoff  time.Duration // first retry delay, doubling; default 200 ms
	Logger   *slog.Logger
}

// StartWebhooks subscribes one deliverer per hook.
func StartWebhooks(bus *Bus, hooks []Webhook, o WebhookOptions) *Webhooks {
	if o.Client == nil {
		o.Client = &http.Client{Timeout: 5 * time.Second}
	}
	if o.Attempts <= 0 {
		o.Attempts = 5
	}
	if o.Backoff <= 0 {
		o.Backoff = 200 * time.Millisecond
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	ctx, cancel := context.WithCancel(context.Background())
	w := &Webhooks{ctx: ctx, cancel: cancel}
	for _, h := range hooks {
		w.wg.Add(1)
		go w.run(bus, h, o)
	}
	return w
}

// Close stops delivery (an event being retried is abandoned).
func (w *Webhooks) Close() {
	w.cancel()
	w.wg.Wait()
}

func (w *Webhooks) run(bus *Bus, h Webhook, o WebhookOptions) {
	defer w.wg.Done()
	log := o.Logger.With("webhook", h.URL)
	var next uint64 // first seq not yet delivered; 0 = from now
	for w.ctx.Err() == nil {
		sub, err := bus.Subscribe(Filter{Kinds: h.Kinds}, 4096, next)
		if errors.Is(err, ErrResumeGap) {
			log.Warn("webhook fell behind; events lost", "from_seq", next, "now", bus.LastSeq())
			next = 0
			continue
		}
		if err != nil {
			log.Error("webhook stopped", "error", err)
			return
		}
		w.drain(sub, h, o, log, &next)
		sub.Close()
	}
}

// drain delivers until the subscription ends (closed bus, cut off, Close).
func (w *Webhooks) drain(sub *Subscription, h Webhook, o WebhookOptions, log *slog.Logger, next *uint64) {
	for {
		select {
		case <-w.ctx.Done():
			return
		case ev, ok := <-sub.C():
			if !ok {
				return
			}
			w.deliver(ev, h, o, log)
			*next = ev.Seq + 1
		}
	}
}

// Sign is the X-Hotline-Signature value for a body.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

func (w *Webhooks) deliver(ev Event, h Webhook, o WebhookOptions, log *slog.Logger) {
	body, err := ev.MarshalJSON()
	if err != nil {
		return
	}
	delay := o.Backoff
	for attempt := 1; attempt <= o.Attempts; attempt++ {
		req, err := http.NewRequestWithContext(w.ctx, http.MethodPost, h.URL, bytes.NewReader(body))
		if err != nil {
			log.Error("webhook URL unusable", "error", err)
			return
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Hotline-Event", ev.Kind)
		req.Header.Set("X-Hotline-Seq", strconv.FormatUint(ev.Seq, 10))
		req.Header.Set("X-Hotline-Signature", Sign(h.Secret, body))
		res, err := o.Client.Do(req)
		if err == nil {
			res.Body.Close()
			if res.StatusCode < 300 {
				return
			}
			err = errors.New(res.Status)
		}
		if attempt == o.Attempts {
			log.Warn("webhook delivery failed; event dropped", "seq", ev.Seq, "event", ev.Kind, "error", err)
			return
		}
		select {
		case <-w.ctx.Done():
			return
		case <-time.After(delay):
		}
		delay = min(2*delay, 5*time.Second)
	}
}
