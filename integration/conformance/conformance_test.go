// Package conformance asks the Chinook sample database (testdata; loaded
// once per run into PostgreSQL, MariaDB and SQLite with the plain drivers)
// the same questions through Athanor — Core statements on the engine, and
// the ORM: queries, Get, every relationship load strategy, unit-of-work
// writes — and through hand-written SQL on the plain driver (the oracle),
// and requires the same answer: same rows, in the same order where the
// question orders them, values compared as normalised text (decimals
// exact, times as UTC instants).
//
// A question is a name, an Athanor function and the oracle's SQL (shared,
// with per-dialect overrides); see harness_test.go. Reads share one loaded
// database per dialect; write questions run after them, one at a time: the
// oracle makes the same change in a transaction it rolls back, reading the
// expected state, then Athanor makes it for real and the oracle reads again.
// Every wrong answer fails: no question is excused as a known bug.
// Decimal questions (question.exact) allow no binary float in either
// answer.
//
// Each dialect's pass/fail counts go to the test log and to the
// ATHANOR_TEST_REPORT file that `make test` prints.
package conformance

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/athanor-orm/athanor/engine"
)

// questions is every question, reads first: write questions run after all
// reads, one at a time, each on rows of its own.
func questions() []question {
	var all []question
	all = append(all, coreQuestions()...)
	all = append(all, ormQuestions()...)
	all = append(all, edgeQuestions()...)
	all = append(all, moreQuestions()...)
	all = append(all, m2mQuestions()...)
	all = append(all, computedQuestions()...)
	all = append(all, scanQuestions()...)
	all = append(all, keysetQuestions()...)
	all = append(all, criteriaQuestions()...)
	all = append(all, writeQuestions()...)
	var reads, writes []question
	for _, q := range all {
		if q.write != "" {
			writes = append(writes, q)
		} else {
			reads = append(reads, q)
		}
	}
	return append(reads, writes...)
}

type dialectSetup struct {
	name string
	open func(t *testing.T) *env
}

var dialects = []dialectSetup{
	{pg, func(t *testing.T) *env {
		or, cl := loadPG(t)
		return newEnv(t, pg, cl.Primary.URL(), or, snake)
	}},
	{maria, func(t *testing.T) *env {
		or, cl := loadMySQL(t)
		return newEnv(t, maria, cl.Primary.URL(), or, identity)
	}},
	{lite, func(t *testing.T) *env {
		or, path := loadSQLite(t)
		return newEnv(t, lite, "sqlite://"+path, or, identity)
	}},
}

func newEnv(t *testing.T, name, dsn string, or oracle, n func(string) string) *env {
	t.Helper()
	db, err := engine.Open(context.Background(), dsn)
	if err != nil {
		t.Fatalf("open %s: %v", name, err)
	}
	t.Cleanup(func() { db.Close() })
	reg := registry(t, n)
	return &env{name: name, db: db, or: or, n: n, tables: buildTables(n), reg: reg, m2mReg: m2mRegistry(t, reg, n("InvoiceLine") == "InvoiceLine")}
}

// TestConformance loads Chinook once per dialect and asks every question
// of it, comparing Athanor's answers with the plain driver's.
func TestConformance(t *testing.T) {
	qs := questions()
	seen := map[string]bool{}
	for _, q := range qs {
		if seen[q.name] {
			t.Fatalf("two questions named %q", q.name)
		}
		seen[q.name] = true
	}
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			e := d.open(t)
			var tl tally
			for _, q := range qs {
				t.Run(q.name, func(t *testing.T) { ask(t, e, q, &tl) })
			}
			line := fmt.Sprintf("conformance %s: %d questions, %d passed, %d failed, %d not applicable (%v)",
				d.name, len(qs), tl.counts[passed], tl.counts[failed], tl.counts[notApplicable], time.Since(start).Round(time.Millisecond))
			report(t, line)
			if len(tl.failed) > 0 {
				t.Logf("%s failed: %s", d.name, strings.Join(tl.failed, "; "))
			}
		})
	}
}
