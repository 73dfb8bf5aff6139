package staffing

import (
	"errors"
	"fmt"
	"math"
	"testing"
	"time"
)

// The metrics.md test vector: 100 calls per 30 min, AHT 180 s, T 20 s.
const (
	vecCalls    = 100.0
	vecInterval = 30 * time.Minute
	vecAHT      = 180 * time.Second
	vecT        = 20 * time.Second
)

func TestMetricsVector(t *testing.T) {
	r13 := Evaluate(13, vecCalls, vecInterval, vecAHT, vecT)
	if got := fmt.Sprintf("%.2f", r13.Traffic); got != "10.00" {
		t.Errorf("A = %s, want 10.00", got)
	}
	if got := fmt.Sprintf("%.2f%%", 100*r13.ServiceLevel); got != "79.56%" {
		t.Errorf("N=13 SL = %s, want 79.56%%", got)
	}
	r14 := Evaluate(14, vecCalls, vecInterval, vecAHT, vecT)
	for _, c := range []struct{ name, got, want string }{
		{"P(wait)", fmt.Sprintf("%.4f", r14.PWait), "0.1741"},
		{"SL", fmt.Sprintf("%.2f%%", 100*r14.ServiceLevel), "88.84%"},
		{"ASA", fmt.Sprintf("%.2f s", r14.ASA), "7.84 s"},
		{"occupancy", fmt.Sprintf("%.1f%%", 100*r14.Occupancy), "71.4%"},
	} {
		if c.got != c.want {
			t.Errorf("N=14 %s = %s, want %s", c.name, c.got, c.want)
		}
	}
	r, err := Plan(vecCalls, vecInterval, vecAHT, vecT, 0.80, 0.3)
	if err != nil {
		t.Fatal(err)
	}
	if r.Agents != 14 || r.Rostered != 20 {
		t.Errorf("Plan 80/20 = %d agents, %d rostered; want 14, 20", r.Agents, r.Rostered)
	}
	if r.ServiceLevel != r14.ServiceLevel {
		t.Errorf("Plan SL %v != Evaluate SL %v", r.ServiceLevel, r14.ServiceLevel)
	}
}

func TestErlangC(t *testing.T) {
	tests := []struct {
		name    string
		agents  int
		traffic float64
		want    float64
	}{
		{"no traffic", 5, 0, 0},
		{"no agents", 0, 3, 1},
		{"agents equal traffic", 10, 10, 1},
		{"agents below traffic", 9, 10, 1},
		{"single server is rho", 1, 0.5, 0.5}, // M/M/1: P(wait) = ρ
		{"vector", 14, 10, 0.17413193359504983},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ErlangC(tt.agents, tt.traffic); math.Abs(got-tt.want) > 1e-12 {
				t.Errorf("ErlangC(%d, %v) = %v, want %v", tt.agents, tt.traffic, got, tt.want)
			}
		})
	}
}

// Factorial-based formulas overflow past ~170 agents; the recursion must not.
func TestErlangCLarge(t *testing.T) {
	for _, n := range []int{171, 500, 1000, 5000} {
		a := float64(n) * 0.9
		c := ErlangC(n, a)
		if math.IsNaN(c) || c <= 0 || c >= 1 {
			t.Errorf("ErlangC(%d, %v) = %v, want in (0,1)", n, a, c)
		}
	}
	// Larger groups at the same occupancy wait less (economy of scale).
	if !(ErlangC(1000, 900) < ErlangC(100, 90)) {
		t.Error("P(wait) should fall with group size at equal occupancy")
	}
}

func TestPlanEdges(t *testing.T) {
	tests := []struct {
		name      string
		calls     float64
		interval  time.Duration
		aht, tgt  time.Duration
		goal, shr float64
		wantErr   error
		wantN     int
	}{
		{"zero calls", 0, vecInterval, vecAHT, vecT, 0.8, 0, nil, 0},
		{"one call", 1, time.Hour, vecAHT, vecT, 0.8, 0, nil, 1},
		{"T zero", vecCalls, vecInterval, vecAHT, 0, 0.8, 0, nil, 14},
		{"large centre", 10000, vecInterval, vecAHT, vecT, 0.8, 0, nil, 1020},
		{"negative calls", -1, vecInterval, vecAHT, vecT, 0.8, 0, ErrCalls, 0},
		{"NaN calls", math.NaN(), vecInterval, vecAHT, vecT, 0.8, 0, ErrCalls, 0},
		{"zero interval", 1, 0, vecAHT, vecT, 0.8, 0, ErrInterval, 0},
		{"zero aht", 1, vecInterval, 0, vecT, 0.8, 0, ErrAHT, 0},
		{"negative T", 1, vecInterval, vecAHT, -time.Second, 0.8, 0, ErrTarget, 0},
		{"goal 1", 1, vecInterval, vecAHT, vecT, 1, 0, ErrGoal, 0},
		{"goal 0", 1, vecInterval, vecAHT, vecT, 0, 0, ErrGoal, 0},
		{"shrinkage 1", 1, vecInterval, vecAHT, vecT, 0.8, 1, ErrShrinkage, 0},
		{"negative shrinkage", 1, vecInterval, vecAHT, vecT, 0.8, -0.1, ErrShrinkage, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Plan(tt.calls, tt.interval, tt.aht, tt.tgt, tt.goal, tt.shr)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if tt.name == "large centre" {
				// Not a fixed vector: check minimality rather than the count.
				if r.ServiceLevel < tt.goal || Evaluate(r.Agents-1, tt.calls, tt.interval, tt.aht, tt.tgt).ServiceLevel >= tt.goal {
					t.Errorf("N = %d is not the minimum meeting the goal", r.Agents)
				}
				return
			}
			if r.Agents != tt.wantN {
				t.Errorf("agents = %d, want %d", r.Agents, tt.wantN)
			}
		})
	}
}

func TestEvaluateOverloaded(t *testing.T) {
	r := Evaluate(10, vecCalls, vecInterval, vecAHT, vecT)
	if r.PWait != 1 || r.ServiceLevel != 0 || !math.IsInf(r.ASA, 1) || r.Occupancy != 1 {
		t.Errorf("N = A should be unstable, got %+v", r)
	}
}

func TestRostered(t *testing.T) {
	for _, c := range []struct {
		n    int
		s    float64
		want int
	}{{14, 0, 14}, {14, 0.3, 20}, {14, 0.25, 19}, {1, 0.5, 2}} {
		if got := rostered(c.n, c.s); got != c.want {
			t.Errorf("rostered(%d, %v) = %d, want %d", c.n, c.s, got, c.want)
		}
	}
}

func TestErlangANeedsNoMoreThanErlangC(t *testing.T) {
	for _, calls := range []float64{20, 100, 500, 3000} {
		for _, pat := range []time.Duration{20 * time.Second, time.Minute, 5 * time.Minute, time.Hour} {
			c, err := Plan(calls, vecInterval, vecAHT, vecT, 0.8, 0.3)
			if err != nil {
				t.Fatal(err)
			}
			a, err := PlanErlangA(calls, vecInterval, vecAHT, vecT, 0.8, 0.3, pat)
			if err != nil {
				t.Fatal(err)
			}
			if a.Agents > c.Agents {
				t.Errorf("calls %v patience %v: Erlang A %d > Erlang C %d", calls, pat, a.Agents, c.Agents)
			}
			if a.ServiceLevel < 0.8 || a.PAbandon <= 0 || a.PAbandon >= 1 {
				t.Errorf("calls %v patience %v: implausible %+v", calls, pat, a)
			}
		}
	}
}

func TestErlangAApproachesErlangC(t *testing.T) {
	lambda, mu := vecCalls/vecInterval.Seconds(), 1/vecAHT.Seconds()
	for _, n := range []int{11, 13, 14, 20} {
		c := Evaluate(n, vecCalls, vecInterval, vecAHT, vecT)
		a, ok := evalErlangA(n, lambda, mu, 1e-9, vecT.Seconds())
		if !ok {
			t.Fatalf("N=%d: queue not representable", n)
		}
		// θ = 1e-9/s perturbs each figure by roughly θ·ASA relative.
		near := func(x, y float64) bool { return math.Abs(x-y) <= 1e-5*math.Max(1, math.Abs(y)) }
		if !near(a.PWait, c.PWait) || !near(a.ServiceLevel, c.ServiceLevel) || !near(a.ASA, c.ASA) ||
			!near(a.Occupancy, c.Occupancy) || a.PAbandon > 1e-5 {
			t.Errorf("N=%d: Erlang A %+v not close to Erlang C %+v", n, a, c)
		}
	}
	r, err := PlanErlangA(vecCalls, vecInterval, vecAHT, vecT, 0.8, 0, 1e9*time.Second)
	if err != nil || r.Agents != 14 {
		t.Errorf("PlanErlangA with huge patience = %d, %v; want 14", r.Agents, err)
	}
}

// Abandonment probability must agree with Little's law: abandon rate θ·E[queue].
func TestErlangALittle(t *testing.T) {
	lambda, mu, theta := vecCalls/vecInterval.Seconds(), 1/vecAHT.Seconds(), 1/60.0
	for _, n := range []int{5, 10, 13} {
		r, ok := evalErlangA(n, lambda, mu, theta, 20)
		if !ok {
			t.Fatal("not representable")
		}
		// Carried load equals busy agents: λ(1−P(ab))/μ = N·occupancy.
		if got := r.Occupancy * float64(n); math.Abs(got-lambda*(1-r.PAbandon)/mu) > 1e-9 {
			t.Errorf("N=%d: busy agents %v inconsistent", n, got)
		}
		if r.ServiceLevel < 1-r.PWait || r.ServiceLevel > 1-r.PAbandon {
			t.Errorf("N=%d: SL %v outside [1−P(wait), 1−P(ab)]", n, r.ServiceLevel)
		}
	}
}

func TestPlanErlangAErrors(t *testing.T) {
	if _, err := PlanErlangA(1, vecInterval, vecAHT, vecT, 0.8, 0, 0); !errors.Is(err, ErrPatience) {
		t.Errorf("err = %v, want ErrPatience", err)
	}
	if _, err := PlanErlangA(1, vecInterval, 0, vecT, 0.8, 0, time.Minute); !errors.Is(err, ErrAHT) {
		t.Errorf("err = %v, want ErrAHT", err)
	}
	if r, err := PlanErlangA(0, vecInterval, vecAHT, vecT, 0.8, 0, time.Minute); err != nil || r.Agents != 0 {
		t.Errorf("zero calls = %+v, %v", r, err)
	}
}

func BenchmarkPlan(b *testing.B) {
	for b.Loop() {
		if _, err := Plan(2000, vecInterval, vecAHT, vecT, 0.8, 0.3); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPlanErlangA(b *testing.B) {
	for b.Loop() {
		if _, err := PlanErlangA(2000, vecInterval, vecAHT, vecT, 0.8, 0.3, time.Minute); err != nil {
			b.Fatal(err)
		}
	}
}
