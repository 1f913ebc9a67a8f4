// Package router owns the routing of statements among databases: named
// bind groups, each a primary and its replicas; the choice of node for each
// statement (writes, locking reads and read-write transactions on the
// primary, plain reads on a replica chosen by policy); causal tokens that
// make a caller read its own writes; and the health and lag monitor that
// takes failing or lagging replicas out and puts them back.
//
// It routes on what a statement is (core.Statement.Writes and the tables it
// touches), never on SQL text. It does not own connections or SQL
// rendering: each node is an engine.
package router
