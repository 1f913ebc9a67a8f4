// Package integration holds Athanor's cross-package tests against real
// PostgreSQL and MariaDB primaries with real streaming replicas (see
// internal/testdb and scripts/dbup). It has no non-test code.
package integration
