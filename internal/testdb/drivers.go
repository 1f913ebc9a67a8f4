package testdb

// Tests open engines by DSN on every dialect; importing testdb registers
// the three drivers for them.
import (
	_ "github.com/athanor-orm/athanor/driver/mysqldriver"
	_ "github.com/athanor-orm/athanor/driver/pgxdriver"
	_ "github.com/athanor-orm/athanor/driver/sqlitedriver"
)
