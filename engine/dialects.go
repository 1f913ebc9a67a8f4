package engine

import (
	"github.com/athanor-orm/athanor/core"
	mydialect "github.com/athanor-orm/athanor/dialect/mysql"
	pgdialect "github.com/athanor-orm/athanor/dialect/postgres"
	litedialect "github.com/athanor-orm/athanor/dialect/sqlite"
)

// mariaDBDialect is the dialect for MariaDB servers.
func mariaDBDialect() core.Dialect { return mydialect.MariaDB }

// defaultDialect is the dialect of a driver when the config names none.
func defaultDialect(d Driver, mariadb bool) core.Dialect {
	switch d {
	case Postgres:
		return pgdialect.Dialect
	case MySQL:
		if mariadb {
			return mydialect.MariaDB
		}
		return mydialect.Dialect
	default:
		return litedialect.Dialect
	}
}

// classifier returns the dialect's error classification for a driver.
func classifier(d Driver) func(error) error {
	switch d {
	case Postgres:
		return pgdialect.Classify
	case MySQL:
		return mydialect.Classify
	default:
		return litedialect.Classify
	}
}
