package call

import (
	"github.com/hotline/hotline/config"
)

// target is where a dialled number goes: an IVR flow or straight to a queue.
type target struct {
	Flow  string
	Queue string
}

// route picks the first route of the trunk whose number matches the DNIS;
// "*" matches anything, so it belongs last.
func route(cfg *config.Config, trunk, dnis string) (target, bool) {
	for _, t := range cfg.Trunks {
		if t.Name != trunk {
			continue
		}
		for _, r := range t.Routes {
			if r.Number == dnis || r.Number == "*" {
				return target{Flow: r.Flow, Queue: r.Queue}, true
			}
		}
	}
	return target{}, false
}

// transferQueue resolves a transfer target: a queue's name, or a number one
// of the trunks routes to a queue; "" when neither.
func (sw *Switch) transferQueue(target string) string {
	cfg := sw.cfg()
	for _, q := range cfg.Queues {
		if q.Name == target {
			return q.Name
		}
	}
	for _, t := range cfg.Trunks {
		for _, r := range t.Routes {
			if r.Number == target && r.Queue != "" {
				return r.Queue
			}
		}
	}
	return ""
}
