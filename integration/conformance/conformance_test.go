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
	var qs []question
	qs = append(qs, coreQuestions()...)
	qs = append(qs, ormQuestions()...)
	qs = append(qs, writeQuestions()...)
	return qs
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
	return &env{name: name, db: db, or: or, n: n, tables: buildTables(n), reg: registry(t, n)}
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
			line := fmt.Sprintf("conformance %s: %d questions, %d passed, %d failed, %d known bugs, %d not applicable (%v)",
				d.name, len(qs), tl.counts[passed], tl.counts[failed], tl.counts[known], tl.counts[notApplicable], time.Since(start).Round(time.Millisecond))
			report(t, line)
			if len(tl.known) > 0 {
				t.Logf("%s known bugs: %s", d.name, strings.Join(tl.known, "; "))
			}
			if len(tl.fixed) > 0 {
				t.Logf("%s marked known bugs that now pass: %s", d.name, strings.Join(tl.fixed, "; "))
			}
			if len(tl.failed) > 0 {
				t.Logf("%s failed: %s", d.name, strings.Join(tl.failed, "; "))
			}
		})
	}
}
