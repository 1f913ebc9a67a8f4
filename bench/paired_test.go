package bench

import (
	"context"
	"flag"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Paired, interleaved measurement of each implementation against the floor.
//
// Separate sub-benchmarks run seconds apart, and on a machine whose two
// vCPUs are shared with the database server the same benchmark moves a
// lot between runs, so "athanor is within 10 % of pgx" cannot be read off
// two ns/op figures. BenchmarkPaired/<workload>/<impl> (and
// BenchmarkMariaDBPaired, floor database/sql) instead runs, in one
// sub-benchmark, alternating blocks of -paired.block operations of the
// floor (A) and of the implementation under test (B), in the order
// AB BA AB BA …, and times every block. Each pair gives one ratio B/A of
// two equal blocks run back to back in one process, so whatever slows the
// machine for longer than a pair (other processes, the server's
// checkpoints, CPU frequency) slows both sides of it; alternating the
// order puts each side first in half the pairs. The median over the pairs
// drops the pairs that a burst of interference hit on one side only.
//
// Metrics:
//
//	ratio                median of the per-pair ratios impl/floor
//	ratio-p25, ratio-p75 quartiles of the per-pair ratios: the spread of one
//	                     pair, not the uncertainty of the median (with n
//	                     pairs a 95 % interval for the median is about
//	                     ±1.8·(p75−p25)/√n)
//	delta-ns             median time of the implementation's blocks minus
//	                     the floor's, per operation: what the library adds
//	                     to a typical operation in absolute terms, which
//	                     tells a fixed cost per operation (the same
//	                     microseconds on every workload) from one that
//	                     grows with the rows
//	ns/op                the implementation's time only: the sum of its
//	                     blocks over b.N, its number of operations (the
//	                     floor's b.N operations are extra work, so the
//	                     wall time is about twice b.N × ns/op)
//	B/op, allocs/op      the implementation's alone, from allocRuns more
//	                     of its operations after the pairs
//
// So ns/op, B/op and allocs/op mean what they mean in BenchmarkReadByPK
// and the others (the framework's own figures would mix both libraries,
// and stopping its timer around the floor's blocks costs two
// stop-the-world ReadMemStats per pair, right before one side's block).
// The ratio is the typical operation's: a cost paid in rare bursts (a GC
// cycle every few MB allocated) is under-weighted by the median, and shows
// in ns/op and allocs/op instead.
//
// The first impl of every workload is the A/A control, <floor>-again: the
// floor's code on a second handle opened like the floor's. The two sides
// then differ only in their server connections, so its distance from 1 is
// the run's noise floor (doc.go says how to read a ratio against it).
// -paired.floor athanor-core makes the engine the CRUD workloads' floor;
// the athanor session runs on the same engine, so the two share a pool
// and, one operation at a time, a server connection.
//
// Both sides run the impl funcs of crud_test.go, so they do exactly the
// work of the unpaired workloads. In UpdateOne both write row 1 from one
// shared, increasing counter (so every operation is a real change, also
// for the athanor session, which only writes what changed); each must
// affect one row where the API says, and the row must hold the last
// counter written afterwards.
//
// The block size defaults to 1 (ABBA of single operations): interference
// comes in bursts, so the shorter the pair, the more pairs no burst
// touches (the README has the runs behind the choice, and those behind
// keeping the ratio per pair rather than per quad AB BA). Clock reads
// cost tens of nanoseconds per block, negligible against the fastest
// operation.
//
// Give each sub-benchmark about a second: the default -benchtime 1s does
// (the framework times both sides, so 1s is the whole pairing). A fixed
// count of a few hundred operations (-benchtime Nx gives N/block pairs)
// is too short for the fast workloads on a loaded machine: the README
// shows such runs off by up to 2× for their whole duration.
var pairedBlock = flag.Int("paired.block", 1, "operations per timed block in BenchmarkPaired and BenchmarkMariaDBPaired")

// pairedWorkload is one CRUD workload as a single operation of an impl.
type pairedWorkload struct {
	name string
	rows int // rows seeded before the workload (ids 1..rows)
	// op returns im's operation; counter is shared by both sides of a
	// workload (UpdateOne's values).
	op func(im impl, counter *int64) func(context.Context) error
	// verify, when set, runs after the timed pairs.
	verify func(b *testing.B, e *env, counter int64)
}

var pairedWorkloads = []pairedWorkload{
	{name: "ReadByPK", rows: 1, op: func(im impl, _ *int64) func(context.Context) error {
		return func(ctx context.Context) error { return im.readByPK(ctx, 1) }
	}},
	{name: "ReadSlice100", rows: 100, op: func(im impl, _ *int64) func(context.Context) error {
		return im.readSlice100
	}},
	{name: "InsertOne", rows: 0, op: func(im impl, _ *int64) func(context.Context) error {
		return im.insertOne
	}},
	{name: "InsertMulti100", rows: 0, op: func(im impl, _ *int64) func(context.Context) error {
		return im.insertMulti100
	}},
	// InsertMulti100 with rows that differ from one operation to the
	// next (their counters). InsertMulti100's rows are the same in every
	// operation, so a library that writes the values into the SQL text
	// (Bun) sends the same statement each time, which pgx's statement
	// cache prepares once; here its every statement is new to the
	// server, as with real data. Libraries that bind are unaffected.
	{name: "InsertMulti100Distinct", rows: 0, op: func(im impl, _ *int64) func(context.Context) error {
		return func(ctx context.Context) error {
			distinctRows.Store(true)
			defer distinctRows.Store(false)
			return im.insertMulti100(ctx)
		}
	}},
	{name: "UpdateOne", rows: 1,
		op: func(im impl, counter *int64) func(context.Context) error {
			return func(ctx context.Context) error {
				*counter++
				n, err := im.updateOne(ctx, 1, *counter)
				if err != nil {
					return err
				}
				if n != -1 && n != 1 {
					return fmt.Errorf("%s: update affected %d rows, want 1", im.name, n)
				}
				return nil
			}
		},
		verify: func(b *testing.B, e *env, counter int64) {
			if got := e.counterOf(b, 1); got != counter {
				b.Fatalf("row 1 has counter %d after the updates, want %d", got, counter)
			}
		},
	},
}

// pairedCPU adds the client's side of each pair: the process's CPU time
// in each block (every goroutine's, the collector's included), read after
// every block. The CPU a library adds to a pair tells its own work apart
// from time spent waiting on the server (bench/README, "Where a gap
// goes: client CPU"). Off by default: reading the clock is a system call.
var pairedCPU = flag.Bool("paired.cpu", false,
	"in BenchmarkPaired and BenchmarkMariaDBPaired, also report the client CPU of each pair (cpu-ratio, cpu-delta-ns)")

// pairedFresh and settleFlag are for studying the server connections' part
// in a ratio (bench/README, "Server connections: two effects"); neither
// is the default method yet.
var (
	pairedFresh = flag.Bool("paired.fresh", false,
		"close every handle's idle server connections before each pairing in BenchmarkPaired and BenchmarkMariaDBPaired, so both sides run on new ones")
	settleFlag = flag.Bool("settle", false,
		"make every new PostgreSQL connection of the benchmarks first run one in-memory sort of over a megabyte (settleSQL)")
)

// pairedRotate counterbalances the order of the impls. Within a workload
// every impl but the control runs after the ones before it in the list,
// on a floor connection they have used, and a position has moved a
// ratio by a few percent (bench/README, "Order of the impls"). So the
// rounds of a measurement (cmd/report's; separate go test processes)
// pass 0, 1, 2, …: over as many rounds as there are impls, each impl
// holds each position once, and the median over the rounds carries the
// same mix of positions for every impl.
var pairedRotate = flag.Int("paired.rotate", 0,
	"in BenchmarkPaired and BenchmarkMariaDBPaired, rotate the order of the impls after the A/A control left by this many places")

// rotated returns ims rotated left by -paired.rotate places.
func rotated[T any](ims []T) []T {
	if len(ims) == 0 {
		return ims
	}
	k := *pairedRotate % len(ims)
	return append(slices.Clone(ims[k:]), ims[:k]...)
}

// pairedFloorFlag chooses the CRUD workloads' floor; see pairedFloorName.
var pairedFloorFlag = flag.String("paired.floor", "library",
	"floor of the CRUD workloads in BenchmarkPaired and BenchmarkMariaDBPaired: "+
		"library (pgx on PostgreSQL, database/sql on MariaDB; also accepted by those names) or athanor-core")

// pairedFloorName resolves the -paired.floor value v on one server family
// to the name of the impl that is the CRUD workloads' floor.
func pairedFloorName(v string, pg bool) (string, error) {
	lib, server := "database/sql", "MariaDB"
	if pg {
		lib, server = "pgx", "PostgreSQL"
	}
	switch v {
	case "library", lib:
		return lib, nil
	case "athanor-core":
		return v, nil
	}
	return "", fmt.Errorf("-paired.floor %q: not a floor on %s; want library, %s or athanor-core", v, server, lib)
}

// againSuffix names the A/A control: the floor's own code on a second,
// independently opened handle (same configuration and connection limit).
const againSuffix = "-again"

func BenchmarkPaired(b *testing.B)        { benchPaired(b, true, setupPG) }
func BenchmarkMariaDBPaired(b *testing.B) { benchPaired(b, false, setupMySQL) }

// benchPaired runs every workload for the A/A control and every impl but
// the floor, on the database setup opens (the flags checked first).
func benchPaired(b *testing.B, pg bool, setup func(testing.TB) *env) {
	if *pairedBlock < 1 {
		b.Fatalf("-paired.block %d: want at least 1", *pairedBlock)
	}
	if *pairedRotate < 0 {
		b.Fatalf("-paired.rotate %d: want 0 or more", *pairedRotate)
	}
	floorName, err := pairedFloorName(*pairedFloorFlag, pg)
	if err != nil {
		b.Fatal(err)
	}
	e := setup(b)
	// A configuration line ("key: value", as goos: and cpu: are), so that
	// benchstat keeps runs against different floors apart.
	fmt.Printf("paired-floor: %s\n", floorName)
	twin := e.twin(b, floorName == "athanor-core")
	defer b.Run("EagerLoad", func(b *testing.B) { pairedEagerLoad(b, e, twin) })
	for _, w := range pairedWorkloads {
		b.Run(w.name, func(b *testing.B) {
			e.seed(b, w.rows)
			// Fresh per workload: the athanor UpdateOne session loads row 1
			// after seeding.
			floor, ims := splitFloor(e.impls(), floorName)
			control, _ := splitFloor(twin.impls(), floorName)
			control.name += againSuffix
			ims = rotated(ims)
			// One counter for the workload, across impls and across the
			// framework's calls of each sub-benchmark (b.N = 1, then the
			// -benchtime): every update writes a new value.
			var counter int64 = 1 << 20
			for _, im := range append([]impl{control}, ims...) {
				b.Run(im.name, func(b *testing.B) {
					if *pairedFresh {
						e.reconnect(b)
						twin.reconnect(b)
					}
					runPaired(b, w.op(floor, &counter), w.op(im, &counter))
					if w.verify != nil {
						w.verify(b, e, counter)
					}
				})
			}
		})
	}
}

// splitFloor returns the impl named floor and the others, in order.
func splitFloor(ims []impl, floor string) (impl, []impl) {
	i := slices.IndexFunc(ims, func(im impl) bool { return im.name == floor })
	if i < 0 {
		panic("bench: no impl named " + floor)
	}
	return ims[i], slices.Delete(slices.Clone(ims), i, i+1)
}

// pairedEagerLoad is the EagerLoad workload paired: each ORM against the
// hand-written three-query load (pgx on PostgreSQL, sqlx on MariaDB,
// whatever -paired.floor says: athanor-core has no eager load), and the
// A/A control, that load on twin's handle.
func pairedEagerLoad(b *testing.B, e, twin *env) {
	e.seedEager(b)
	e.bun.RegisterModel((*bBookTag)(nil))
	floor, control, name := e.eagerSQLX, twin.eagerSQLX, "sqlx"
	if e.pg {
		floor, control, name = e.eagerPgx, twin.eagerPgx, "pgx"
	}
	type eagerImpl struct {
		name string
		fn   func(context.Context) error
	}
	ims := rotated([]eagerImpl{
		{"athanor", e.eagerAthanor},
		{"gorm", e.eagerGorm},
		{"bun", e.eagerBun},
	})
	for _, im := range append([]eagerImpl{{name + againSuffix, control}}, ims...) {
		b.Run(im.name, func(b *testing.B) {
			if *pairedFresh {
				e.reconnect(b)
				twin.reconnect(b)
			}
			runPaired(b, floor, im.fn)
		})
	}
}

// runPaired times b.N operations of op, in blocks alternating with blocks
// of the same size of floorOp (AB BA …), and reports the per-pair ratios,
// op's own ns/op, and op's B/op and allocs/op from a separate pass.
func runPaired(b *testing.B, floorOp, op func(context.Context) error) {
	ctx := context.Background()
	warm(b, func() error { return floorOp(ctx) })
	warm(b, func() error { return op(ctx) })
	if *pairedFresh {
		// The connections just closed and opened (each with its own type
		// map and buffers) leave garbage whose collection would otherwise
		// fall on the timed pairs, mostly on the side allocating more.
		runtime.GC()
	}
	// cpu is the process's CPU time at the end of the last block (with
	// -paired.cpu): each block's is the difference from the one before.
	var cpu time.Duration
	block := func(fn func(context.Context) error, n int) (time.Duration, time.Duration) {
		c0 := cpu
		t0 := time.Now()
		for range n {
			if err := fn(ctx); err != nil {
				b.Fatal(err)
			}
		}
		d := time.Since(t0)
		if *pairedCPU {
			cpu = pairCPU()
		}
		return d, cpu - c0
	}
	k := *pairedBlock
	ratios := make([]float64, 0, b.N/k+1)
	floorTimes := make([]float64, 0, b.N/k+1)
	implTimes := make([]float64, 0, b.N/k+1)
	var cpuRatios []float64
	var implTime, cpuDelta time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	for pair, done := 0, 0; done < b.N; pair++ {
		n := min(k, b.N-done)
		if *pairedCPU {
			cpu = pairCPU()
		}
		var tFloor, tImpl, cFloor, cImpl time.Duration
		if pair%2 == 0 {
			tFloor, cFloor = block(floorOp, n)
			tImpl, cImpl = block(op, n)
		} else {
			tImpl, cImpl = block(op, n)
			tFloor, cFloor = block(floorOp, n)
		}
		ratios = append(ratios, float64(tImpl)/float64(tFloor))
		floorTimes = append(floorTimes, float64(tFloor)/float64(n))
		implTimes = append(implTimes, float64(tImpl)/float64(n))
		implTime += tImpl
		if *pairedCPU && cFloor > 0 {
			cpuRatios = append(cpuRatios, float64(cImpl)/float64(cFloor))
			cpuDelta += cImpl - cFloor
		}
		done += n
	}
	b.StopTimer()
	slices.Sort(ratios)
	b.ReportMetric(quantile(ratios, 0.5), "ratio")
	b.ReportMetric(quantile(ratios, 0.25), "ratio-p25")
	b.ReportMetric(quantile(ratios, 0.75), "ratio-p75")
	slices.Sort(floorTimes)
	slices.Sort(implTimes)
	b.ReportMetric(quantile(implTimes, 0.5)-quantile(floorTimes, 0.5), "delta-ns")
	b.ReportMetric(float64(implTime.Nanoseconds())/float64(b.N), "ns/op")
	if *pairedCPU && len(cpuRatios) > 0 {
		slices.Sort(cpuRatios)
		b.ReportMetric(quantile(cpuRatios, 0.5), "cpu-ratio")
		// A mean, not a median: CPU time adds up, and the collector's
		// work lands in whichever blocks it runs in.
		b.ReportMetric(float64(cpuDelta.Nanoseconds())/float64(b.N), "cpu-delta-ns")
	}

	// The framework's B/op and allocs/op would count both sides: measure
	// op alone instead, untimed, as testing.AllocsPerRun does.
	n := min(b.N, allocRuns)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	block(op, n)
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(n), "B/op")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(n), "allocs/op")
}

// allocRuns is how many extra operations of the implementation measure its
// B/op and allocs/op after the paired blocks.
const allocRuns = 100

// quantile is the q-quantile of sorted v, interpolated linearly between
// order statistics (NaN for an empty v).
func quantile(v []float64, q float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	pos := q * float64(len(v)-1)
	i := int(pos)
	if i+1 >= len(v) {
		return v[len(v)-1]
	}
	return v[i] + (pos-float64(i))*(v[i+1]-v[i])
}

func TestPairedFloorName(t *testing.T) {
	for _, c := range []struct {
		v    string
		pg   bool
		want string
	}{
		{"library", true, "pgx"}, {"pgx", true, "pgx"}, {"athanor-core", true, "athanor-core"},
		{"library", false, "database/sql"}, {"database/sql", false, "database/sql"}, {"athanor-core", false, "athanor-core"},
	} {
		if got, err := pairedFloorName(c.v, c.pg); err != nil || got != c.want {
			t.Errorf("pairedFloorName(%q, pg=%v) = %q, %v; want %q", c.v, c.pg, got, err, c.want)
		}
	}
	for _, c := range []struct {
		v  string
		pg bool
	}{{"database/sql", true}, {"pgx", false}, {"athanor", true}, {"", false}, {"Pgx", true}} {
		_, err := pairedFloorName(c.v, c.pg)
		if err == nil || !strings.Contains(err.Error(), strconv.Quote(c.v)) || !strings.Contains(err.Error(), "athanor-core") {
			t.Errorf("pairedFloorName(%q, pg=%v): error %v, want one naming the value and the allowed ones", c.v, c.pg, err)
		}
	}
}

func TestSplitFloor(t *testing.T) {
	ims := []impl{{name: "pgx"}, {name: "athanor-core"}, {name: "athanor"}}
	floor, rest := splitFloor(ims, "athanor-core")
	if floor.name != "athanor-core" || len(rest) != 2 || rest[0].name != "pgx" || rest[1].name != "athanor" {
		t.Errorf("splitFloor(athanor-core) = %q, %v", floor.name, rest)
	}
	if ims[1].name != "athanor-core" {
		t.Errorf("splitFloor changed its argument: %v", ims)
	}
}

func TestQuantile(t *testing.T) {
	v := []float64{1, 2, 3, 4, 5}
	for _, c := range []struct{ q, want float64 }{{0.5, 3}, {0.25, 2}, {0.75, 4}, {0, 1}, {1, 5}} {
		if got := quantile(v, c.q); got != c.want {
			t.Errorf("quantile(%v, %v) = %v, want %v", v, c.q, got, c.want)
		}
	}
	if got := quantile([]float64{1, 2}, 0.5); got != 1.5 {
		t.Errorf("quantile([1 2], 0.5) = %v, want 1.5", got)
	}
}

// TestPairedControl checks that the A/A control is what it claims: the
// floor's code on handles of its own, with server connections of its own
// (sharing e's would make it read 1 by construction).
func TestPairedControl(t *testing.T) {
	ctx := context.Background()
	t.Run("PostgreSQL", func(t *testing.T) {
		e := setupPG(t)
		e.seed(t, 1)
		twin := e.twin(t, true)
		if twin.pool == e.pool || twin.db == e.db {
			t.Fatal("twin shares e's pgx pool or engine")
		}
		control, _ := splitFloor(twin.impls(), "pgx")
		before := e.pool.Stat().AcquireCount()
		if err := control.readByPK(ctx, 1); err != nil {
			t.Fatal(err)
		}
		if n := twin.pool.Stat().AcquireCount(); n == 0 || e.pool.Stat().AcquireCount() != before {
			t.Errorf("the control's operation acquired %d of the twin's connections and %d of e's; want them all the twin's",
				n, e.pool.Stat().AcquireCount()-before)
		}
		var pid, twinPID int
		if err := e.pool.QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&pid); err != nil {
			t.Fatal(err)
		}
		if err := twin.pool.QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&twinPID); err != nil {
			t.Fatal(err)
		}
		if pid == twinPID {
			t.Errorf("both pools talk to server backend %d", pid)
		}
		core, _ := splitFloor(twin.impls(), "athanor-core")
		if err := core.readByPK(ctx, 1); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("MariaDB", func(t *testing.T) {
		e := setupMySQL(t)
		e.seed(t, 1)
		twin := e.twin(t, false)
		if twin.std == e.std || twin.sqlx == e.sqlx || twin.sqlx.DB != twin.std {
			t.Fatal("twin shares e's database/sql handle, or its sqlx is not over its own")
		}
		if twin.db != e.db {
			t.Error("twin opened an engine it was not asked for")
		}
		control, _ := splitFloor(twin.impls(), "database/sql")
		if err := control.readByPK(ctx, 1); err != nil {
			t.Fatal(err)
		}
		if s := twin.std.Stats(); s.OpenConnections == 0 {
			t.Error("the control's operation opened none of the twin's connections")
		}
		var id, twinID int64
		if err := e.std.QueryRowContext(ctx, "SELECT CONNECTION_ID()").Scan(&id); err != nil {
			t.Fatal(err)
		}
		if err := twin.std.QueryRowContext(ctx, "SELECT CONNECTION_ID()").Scan(&twinID); err != nil {
			t.Fatal(err)
		}
		if id == twinID {
			t.Errorf("both handles talk to server connection %d", id)
		}
	})
}

// TestRotated checks -paired.rotate's order: left by k, modulo the
// list's length, the list itself untouched.
func TestRotated(t *testing.T) {
	defer func(k int) { *pairedRotate = k }(*pairedRotate)
	ims := []string{"a", "b", "c", "d", "e"}
	for _, c := range []struct {
		k    int
		want []string
	}{
		{0, []string{"a", "b", "c", "d", "e"}},
		{1, []string{"b", "c", "d", "e", "a"}},
		{4, []string{"e", "a", "b", "c", "d"}},
		{7, []string{"c", "d", "e", "a", "b"}},
	} {
		*pairedRotate = c.k
		if got := rotated(ims); !slices.Equal(got, c.want) {
			t.Errorf("-paired.rotate %d: %v, want %v", c.k, got, c.want)
		}
	}
	if !slices.Equal(ims, []string{"a", "b", "c", "d", "e"}) {
		t.Errorf("rotated changed its argument: %v", ims)
	}
	*pairedRotate = 3
	if got := rotated([]string(nil)); len(got) != 0 {
		t.Errorf("rotated(nil) = %v", got)
	}
}
