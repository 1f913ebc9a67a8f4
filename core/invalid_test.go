package core_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/dialect/postgres"
)

func TestInvalidFailsCompile(t *testing.T) {
	cause := errors.New("model X has no relationship Y")
	tb := core.MustTable(core.TableDef{Name: "t", Columns: []core.Column{{Name: "id", Type: core.BigInt(), PrimaryKey: true}}})
	// Inside Not and Or, twice (the second compile meets the shape cache).
	s := core.Select(tb.C("id")).From(tb).Where(core.Or(core.Eq(tb.C("id"), 1), core.Not(core.Invalid(cause))))
	for range 2 {
		if _, err := core.Compile(postgres.Dialect, s); !errors.Is(err, cause) {
			t.Fatalf("compile: %v", err)
		}
	}
	if _, err := core.Compile(postgres.Dialect, core.Select(core.Invalid(nil))); err == nil || !strings.Contains(err.Error(), "Invalid(nil)") {
		t.Fatalf("nil: %v", err)
	}
}
