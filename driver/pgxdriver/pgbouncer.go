package pgxdriver

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// PgBouncerParam is the DSN parameter that makes connections work through
// a transaction-pooling PgBouncer ("…/shop?pgbouncer=true", or
// "pgbouncer=true" in keyword/value form). See the package doc.
const PgBouncerParam = "pgbouncer"

// ErrNamedStatementLost is matched (errors.Is) by the error of a statement
// whose named prepared statement the server did not have, or already had
// under another use: what pgx's default statement cache meets when
// consecutive statements of one connection reach different server
// connections, as through PgBouncer in transaction pooling mode. The
// server's *pgconn.PgError stays reachable with errors.As. Nothing was
// executed: the server refused the statement before running it.
var ErrNamedStatementLost = errors.New("pgxdriver: the server lost this connection's named prepared statement, " +
	"as happens through a transaction-pooling PgBouncer; add pgbouncer=true to the DSN " +
	"(or set default_query_exec_mode=cache_describe)")

// applyPgBouncer takes the pgbouncer parameter out of pc's runtime
// parameters (the server must not see it) and, when it is true, picks an
// exec mode that uses no named prepared statement across transactions:
// pgx's default cache_statement becomes cache_describe (statement
// descriptions stay cached, statements are unnamed, so every statement is
// one Parse/Bind/Execute/Sync that a pooler can send to any server
// connection). exec and simple_protocol are kept; describe_exec, which
// describes and executes in two round trips that may reach two server
// connections, is refused.
func applyPgBouncer(pc *pgx.ConnConfig) error {
	v, ok := pc.RuntimeParams[PgBouncerParam]
	if !ok {
		return nil
	}
	delete(pc.RuntimeParams, PgBouncerParam)
	on, err := strconv.ParseBool(strings.TrimSpace(v))
	if err != nil {
		return fmt.Errorf("engine: parse postgres dsn: %s must be true or false", PgBouncerParam)
	}
	if !on {
		return nil
	}
	switch pc.DefaultQueryExecMode {
	case pgx.QueryExecModeCacheStatement:
		pc.DefaultQueryExecMode = pgx.QueryExecModeCacheDescribe
	case pgx.QueryExecModeDescribeExec:
		return fmt.Errorf("engine: parse postgres dsn: default_query_exec_mode=describe_exec does not work with %s=true "+
			"(its describe and execute may reach two server connections); use cache_describe, exec or simple_protocol", PgBouncerParam)
	}
	return nil
}

// statementLost reports a PostgreSQL error about one of pgx's named
// cached statements ("stmtcache_…"): 26000 (does not exist) or 42P05
// (already exists).
func statementLost(e *pgconn.PgError) bool {
	return (e.Code == "26000" || e.Code == "42P05") && strings.Contains(e.Message, `"stmtcache_`)
}

// lostError wraps a statementLost error.
type lostError struct{ err error }

func (e *lostError) Error() string   { return ErrNamedStatementLost.Error() + ": " + e.err.Error() }
func (e *lostError) Unwrap() []error { return []error{ErrNamedStatementLost, e.err} }
