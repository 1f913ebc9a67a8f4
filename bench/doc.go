// Package bench holds benchmarks of Athanor against the floor (raw pgx)
// on the models table of the go-orm-benchmarks suite. It is its own module
// so that the peers' dependencies stay out of Athanor's.
//
// Each benchmark has one sub-benchmark per implementation: pgx (a raw
// pgxpool, the floor) and athanor-core (engine + core statements). Run
// them against the PostgreSQL that scripts/dbup starts (ATHANOR_PG_PRIMARY)
// and compare the implementations as ratios:
//
//	eval "$(../scripts/dbup)"
//	go test -run '^$' -bench . -benchmem -count 6 . | tee new.txt
//	for i in pgx athanor-core; do
//		{ head -4 new.txt; grep "/$i-[0-9]" new.txt | sed "s#/$i-#-#"; } > $i.txt
//	done
//	go run golang.org/x/perf/cmd/benchstat@latest pgx.txt athanor-core.txt
package bench
