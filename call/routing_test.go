package call

import (
	"testing"

	"github.com/hotline/hotline/config"
)

func TestRoute(t *testing.T) {
	cfg := &config.Config{Trunks: []config.Trunk{
		{Name: "a", Routes: []config.Route{{Number: "5000", Flow: "main"}, {Number: "5001", Queue: "sales"}, {Number: "*", Flow: "other"}}},
		{Name: "b", Routes: []config.Route{{Number: "7000", Queue: "support"}}},
	}}
	cases := []struct {
		trunk, dnis string
		want        target
		ok          bool
	}{
		{"a", "5000", target{Flow: "main"}, true},
		{"a", "5001", target{Queue: "sales"}, true},
		{"a", "123", target{Flow: "other"}, true},
		{"b", "7000", target{Queue: "support"}, true},
		{"b", "5000", target{}, false},
		{"c", "5000", target{}, false},
	}
	for _, c := range cases {
		got, ok := route(cfg, c.trunk, c.dnis)
		if got != c.want || ok != c.ok {
			t.Errorf("route(%s, %s) = %+v, %v; want %+v, %v", c.trunk, c.dnis, got, ok, c.want, c.ok)
		}
	}
}
