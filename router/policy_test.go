package router

import (
	"testing"
	"time"
)

type fakeCand struct {
	name     string
	lag      time.Duration
	inFlight int64
}

func (c fakeCand) Name() string       { return c.name }
func (c fakeCand) Lag() time.Duration { return c.lag }
func (c fakeCand) InFlight() int64    { return c.inFlight }

func TestPolicies(t *testing.T) {
	cands := []Candidate{
		fakeCand{"a", 30 * time.Millisecond, 1},
		fakeCand{"b", 5 * time.Millisecond, 9},
		fakeCand{"c", 20 * time.Millisecond, 0},
	}
	tests := []struct {
		name   string
		policy Policy
		want   map[string]int // picks per name over 300 calls
	}{
		{"round robin spreads evenly", RoundRobin(), map[string]int{"a": 100, "b": 100, "c": 100}},
		{"least lag", LeastLag(), map[string]int{"b": 300}},
		{"least in flight", LeastInFlight(), map[string]int{"c": 300}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := map[string]int{}
			for range 300 {
				got[cands[tt.policy.Pick(cands)].Name()]++
			}
			for k, v := range tt.want {
				if got[k] != v {
					t.Fatalf("picks = %v, want %v", got, tt.want)
				}
			}
		})
	}
}

func TestLeastLagTiesShareLoad(t *testing.T) {
	cands := []Candidate{fakeCand{name: "a"}, fakeCand{name: "b"}}
	p := LeastLag()
	got := map[string]int{}
	for range 100 {
		got[cands[p.Pick(cands)].Name()]++
	}
	if got["a"] != 50 || got["b"] != 50 {
		t.Fatalf("equal replicas got %v, want an even split", got)
	}
}
