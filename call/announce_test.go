package call

import (
	"strings"
	"testing"
	"time"

	"github.com/hotline/hotline/ivr"
)

func refs(rs []ivr.PromptRef) string {
	var s []string
	for _, r := range rs {
		s = append(s, r.Lang+"/"+r.Ref)
	}
	return strings.Join(s, " ")
}

func TestAnnouncement(t *testing.T) {
	cases := []struct {
		lang string
		pos  int
		ewt  time.Duration
		want string
	}{
		{"en", 3, 0, "en/queue_position en/d_3"},
		{"en", 1, 10 * time.Second, "en/queue_position en/d_1 en/queue_wait en/d_1 en/minutes"},
		{"en", 12, 4*time.Minute + 40*time.Second, "en/queue_position en/n_12 en/queue_wait en/d_5 en/minutes"},
		{"zh", 2, 2 * time.Minute, "zh/queue_position zh/d_2 zh/queue_wait zh/d_2 zh/minutes"},
	}
	for _, c := range cases {
		if got := refs(announcement(c.lang, c.pos, c.ewt)); got != c.want {
			t.Errorf("announcement(%s, %d, %v) = %q, want %q", c.lang, c.pos, c.ewt, got, c.want)
		}
	}
}
