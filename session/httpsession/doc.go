// Package httpsession scopes a session to an HTTP request: a net/http
// middleware that opens one session.Session per request, hands it to the
// handler in the request's context, commits it (or rolls it back) when the
// handler's response status is known, and carries the session's causal
// token between the requests of one client in a cookie or a header, so
// that a client reads its own writes through a router whose replicas lag.
//
// It owns the request's session and the token's transport; it does not
// own the unit of work (package session), the routing of reads (package
// router) or the handler's errors (the handler chooses its status).
//
// # Smallest use
//
//	r, _ := router.New(router.Config{…})
//	mw := httpsession.Middleware(r, httpsession.Options{})
//	http.Handle("/notes", mw(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
//		s := httpsession.From(req.Context())
//		s.Add(&Note{Body: req.FormValue("body")})
//		w.WriteHeader(http.StatusCreated) // commits first, then sends the cookie and 201
//	})))
//
// # The end of a request
//
// The response's header must leave before its body, and the token cookie
// is in the header, so the session cannot commit after the handler
// returns. The middleware hands the handler a ResponseWriter that commits
// at the first WriteHeader, Write, Flush or Hijack (a handler that writes
// nothing gets an implicit 200 when it returns):
//
//   - a status below 400 (1xx other than 101 excepted: those pass through,
//     the final status is still to come): the session commits (flush
//     included), with the request's context, and the response carries the
//     session's token. Should the commit fail, the database is rolled back
//     and the client does not get the handler's status: the header the
//     handler set is dropped (back to what it was when the middleware was
//     called), Options.ErrorHandler writes the response (default: 500
//     Internal Server Error, no detail), and the handler's later writes
//     are discarded, returning an error matching ErrCommitFailed and the
//     commit's.
//   - a status of 400 or above: the session rolls back.
//
// Either way, once the status is written the session stays usable, but
// nothing the handler does through it afterwards is committed unless the
// handler commits it itself (its token then cannot reach the client): when
// the handler returns, the session is closed, which rolls back whatever
// is left open. A panicking handler's session is closed (rolled back)
// and the panic goes on. A request whose context is cancelled before its
// status is written rolls back: the commit fails on that context. The rollback
// of Close runs on a context detached from the request's cancellation,
// bounded by CloseTimeout, so the connection goes back to the pool clean.
//
// The middleware owns the session: handlers must not Close it, nor keep
// it past the request. Handlers may commit themselves (s.Commit,
// s.RunInTx): the commit at the
// first write then has nothing left to do, a rollback on a 4xx or 5xx
// undoes only what is not committed, and the token sent is the merge of
// every commit's.
//
// The writer implements http.Flusher and Unwrap, so
// http.NewResponseController reaches the connection's other features, and
// http.Hijacker (committing as for a 101 first).
//
// # The token
//
// The token of the request (cookie Options.Cookie.Name, header
// Options.Header, or both: all found are merged) becomes the session's
// Options.Token: its reads go to a replica that has replayed the client's
// last commits, or to the primary. The response carries the session's
// token: in the header on every response where it is not zero; in a
// Set-Cookie when this request's commits changed it (the cookie the client
// holds is still good otherwise). Over a single database there are no
// tokens, and no cookie is sent.
//
// A token that does not parse, or (through a *router.Router) holds a
// position of another replication scheme than its group's, cannot be
// trusted to cover the client's writes, yet ignoring it would read from
// replicas that may miss them. So the request runs with every read on the
// primary (its context carries router.PrimaryPosition for every group of
// the router), Options.OnError is told, and the response replaces the bad
// cookie: by the token of this request's commits, or by an expired cookie
// when it committed nothing. Only a *router.Router passed to Middleware is
// seen: over session.Router(r) or another Backend, a bad token is dropped.
package httpsession
