package call

import "testing"

func TestMixPlan(t *testing.T) {
	C, A, T, S := roleCaller, roleAgent, roleThird, roleSupervisor
	type pair struct{ l, s role }
	all := []pair{{C, A}, {A, C}, {C, T}, {T, C}, {A, T}, {T, A}, {C, S}, {S, C}, {A, S}, {S, A}, {T, S}, {S, T}, {C, C}, {S, S}}
	cases := []struct {
		name string
		plan mixPlan
		yes  []pair // every other pair of all must not hear
	}{
		{"listen", mixPlan{mode: modeListen}, []pair{{C, A}, {A, C}, {S, C}, {S, A}, {S, T}}},
		{"whisper", mixPlan{mode: modeWhisper}, []pair{{C, A}, {A, C}, {S, C}, {S, A}, {S, T}, {A, S}}},
		{"barge", mixPlan{mode: modeBarge}, []pair{{C, A}, {A, C}, {S, C}, {S, A}, {S, T}, {A, S}, {C, S}, {T, S}}},
		{"consulting", mixPlan{consulting: true}, []pair{{A, T}, {T, A}, {S, C}, {S, A}, {S, T}}},
		{"conference", mixPlan{conference: true}, []pair{{C, A}, {A, C}, {C, T}, {T, C}, {A, T}, {T, A}, {S, C}, {S, A}, {S, T}}},
		{"consult while barging", mixPlan{consulting: true, mode: modeBarge}, []pair{{A, T}, {T, A}, {S, C}, {S, A}, {S, T}, {C, S}, {A, S}, {T, S}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want := map[pair]bool{}
			for _, p := range c.yes {
				want[p] = true
			}
			for _, p := range all {
				if got := c.plan.hears(p.l, p.s); got != want[p] {
					t.Errorf("%s hears %s: %v, want %v", p.l, p.s, got, want[p])
				}
			}
		})
	}
}

func TestRoleAndModeNames(t *testing.T) {
	for r, want := range map[role]string{roleCaller: "caller", roleAgent: "agent", roleThird: "third", roleSupervisor: "supervisor", role(9): "unknown"} {
		if r.String() != want {
			t.Errorf("%d: %q", r, r.String())
		}
	}
	for m, want := range map[superviseMode]string{modeListen: "listen", modeWhisper: "whisper", modeBarge: "barge", superviseMode(7): "unknown"} {
		if m.String() != want {
			t.Errorf("%d: %q", m, m.String())
		}
	}
}
