package engine_test

import "github.com/athanor-orm/athanor/engine"

// The pool and its transactions run statements through one interface.
var (
	_ engine.Executor = (*engine.DB)(nil)
	_ engine.Executor = (*engine.Tx)(nil)
)
