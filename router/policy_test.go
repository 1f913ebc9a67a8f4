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

// loadCand is a candidate that gives its role and pool size, as the
// router's do.
type loadCand struct {
	fakeCand
	primary bool
	pool    int
}

func (c loadCand) Primary() bool { return c.primary }
func (c loadCand) PoolSize() int { return c.pool }

func TestLoadAndIsPrimary(t *testing.T) {
	tests := []struct {
		name    string
		c       Candidate
		load    float64
		primary bool
	}{
		{"plain candidate: load is in flight", fakeCand{inFlight: 3}, 3, false},
		{"pool of 4, 2 in flight", loadCand{fakeCand{inFlight: 2}, false, 4}, 0.5, false},
		{"primary, waiters beyond its pool", loadCand{fakeCand{inFlight: 6}, true, 4}, 1.5, true},
		{"unknown pool size", loadCand{fakeCand{inFlight: 2}, true, 0}, 2, true},
	}
	for _, tt := range tests {
		if got := Load(tt.c); got != tt.load {
			t.Errorf("%s: Load = %v, want %v", tt.name, got, tt.load)
		}
		if got := IsPrimary(tt.c); got != tt.primary {
			t.Errorf("%s: IsPrimary = %v, want %v", tt.name, got, tt.primary)
		}
	}
}

func TestLeastLoaded(t *testing.T) {
	rep := func(name string, inFlight int64, pool int) Candidate {
		return loadCand{fakeCand{name: name, inFlight: inFlight}, false, pool}
	}
	prim := func(inFlight int64, pool int) Candidate {
		return loadCand{fakeCand{name: "p", inFlight: inFlight}, true, pool}
	}
	tests := []struct {
		name  string
		cands []Candidate
		want  map[string]int // picks per name over 120 calls
	}{
		{"idle: replicas take turns, the primary waits for room",
			[]Candidate{rep("a", 0, 4), rep("b", 0, 4), prim(0, 4)}, map[string]int{"a": 60, "b": 60}},
		{"busy replicas, idle primary: the primary",
			[]Candidate{rep("a", 3, 4), rep("b", 4, 4), prim(0, 4)}, map[string]int{"p": 120}},
		{"primary busy with writes: the least loaded replica",
			[]Candidate{rep("a", 3, 4), rep("b", 2, 4), prim(4, 4)}, map[string]int{"b": 120}},
		{"primary strictly below every replica",
			[]Candidate{rep("a", 2, 4), rep("b", 2, 4), prim(1, 4)}, map[string]int{"p": 120}},
		{"load is per connection: 4 of 8 beats 3 of 4",
			[]Candidate{rep("a", 3, 4), rep("b", 4, 8)}, map[string]int{"b": 120}},
		{"equal loads of different pools take turns",
			[]Candidate{rep("a", 2, 4), rep("b", 4, 8), rep("c", 8, 8)}, map[string]int{"a": 60, "b": 60}},
		{"the primary alone", []Candidate{prim(9, 4)}, map[string]int{"p": 120}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := LeastLoaded()
			got := map[string]int{}
			for range 120 {
				got[tt.cands[p.Pick(tt.cands)].Name()]++
			}
			if len(got) != len(tt.want) {
				t.Fatalf("picks = %v, want %v", got, tt.want)
			}
			for k, v := range tt.want {
				if got[k] != v {
					t.Fatalf("picks = %v, want %v", got, tt.want)
				}
			}
		})
	}
}

// TestLeastLoadedSpreadsConcurrentLoad plays reads that start and stay in
// flight: each pick adds one to the chosen node. With equal pools the
// nodes fill evenly, the primary included, and a primary holding writes
// gets that many fewer reads.
func TestLeastLoadedSpreadsConcurrentLoad(t *testing.T) {
	for _, tt := range []struct {
		name        string
		primaryBusy int64 // writes in flight on the primary
		reads       int
		want        map[string]int64 // reads per node at the end
	}{
		{"idle primary takes a third", 0, 12, map[string]int64{"a": 4, "b": 4, "p": 4}},
		{"primary with 3 writes takes 3 fewer", 3, 12, map[string]int64{"a": 5, "b": 5, "p": 2}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			in := map[string]*int64{"a": new(int64), "b": new(int64), "p": new(int64)}
			*in["p"] = tt.primaryBusy
			p := LeastLoaded()
			for range tt.reads {
				cands := []Candidate{
					loadCand{fakeCand{name: "a", inFlight: *in["a"]}, false, 4},
					loadCand{fakeCand{name: "b", inFlight: *in["b"]}, false, 4},
					loadCand{fakeCand{name: "p", inFlight: *in["p"]}, true, 4},
				}
				*in[cands[p.Pick(cands)].Name()]++
			}
			*in["p"] -= tt.primaryBusy
			for k, v := range tt.want {
				if *in[k] != v {
					t.Fatalf("%s got %d reads, want %d (a=%d b=%d p=%d)", k, *in[k], v, *in["a"], *in["b"], *in["p"])
				}
			}
		})
	}
}
