package core

// Invalid is an expression that fails to compile with err. A builder
// outside this package that returns an Expr (the session's relationship
// criteria, for one) reports a construction error through it when the
// statement is compiled, before anything is sent, and stays chainable.
// A nil err fails with an error of its own.
func Invalid(err error) Expr {
	if err == nil {
		return errNode("core: Invalid(nil)")
	}
	return errExpr{err: err}
}
