package router_test

import (
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/router"
)

// A router and its transactions are executors like an engine's.
var (
	_ engine.Executor = (*router.Router)(nil)
	_ engine.Executor = (*router.Tx)(nil)
)
