// Package load is a load generator for a RealWorld ("Conduit") API server,
// such as the one in examples/conduit. It speaks only HTTP, with the paths,
// JSON bodies and `Authorization: Token <jwt>` header of the RealWorld
// OpenAPI spec, so it runs against any implementation of it.
//
// Run first seeds the server (users, articles with tags, follows, favorites,
// comments), then runs Config.Concurrency simulated clients for
// Config.Duration. Each client has its own cookie jar, where the server may
// keep a causal token so the client reads its own writes from replicas, and
// its own login. Each client draws operations from a Mix (DefaultMix: about
// 80% reads, article lists filtered by tag, author and favorites with
// limit/offset, the feed, single articles, comments, profiles and tags;
// about 20% writes, registrations, new and updated articles, favorites and
// unfavorites, comments, follows and unfollows). A client reads only seeded
// data and its own writes, never another client's fresh writes, which a
// replica may rightly not have yet: any non-2xx response is an error.
//
// The Report counts completed requests and errors per operation (errors
// split by status), read and write throughput, and p50/p99 latencies from a
// log-linear histogram:
//
//	r, err := load.Run(ctx, load.Config{
//		BaseURL:     "http://localhost:8080/api",
//		Duration:    30 * time.Second,
//		Concurrency: 32,
//	})
//	if err != nil {
//		return err
//	}
//	fmt.Print(r)
//
// Package loadtest has an in-memory Conduit server to run it against in
// tests; cmd/conduit-load runs it from the command line.
package load
