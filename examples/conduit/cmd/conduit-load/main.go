// Command conduit-load runs a load test against a RealWorld ("Conduit") API
// server, such as examples/conduit, and prints a table of throughput,
// latencies and errors per operation. It seeds the server first (users,
// articles with tags, follows, favorites, comments), then runs the mix for
// the given duration.
//
//	conduit-load -target http://localhost:8080/api -duration 30s -concurrency 32
//
// It exits 1 when seeding fails or any response was unexpected (the report
// is printed first), 2 on bad flags.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/athanor-orm/athanor/examples/conduit/load"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("conduit-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	target := fs.String("target", "http://localhost:8080/api", "API root of the Conduit server (the spec's paths hang off it)")
	duration := fs.Duration("duration", 30*time.Second, "length of the timed phase, after seeding")
	concurrency := fs.Int("concurrency", 16, "simulated clients, each with its own login and cookie jar")
	users := fs.Int("seed-users", 20, "users registered before the timed phase (at least 2)")
	articles := fs.Int("seed-articles", 100, "articles created before the timed phase")
	mixFlag := fs.String("mix", "default", "operation mix: default, read-only, write-heavy, or name=weight,... (names: the report's operation column)")
	seed := fs.Int64("seed", 1, "seed of the random choices")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "conduit-load: unexpected arguments %q\n", fs.Args())
		return 2
	}
	mix, err := load.ParseMix(*mixFlag)
	if err != nil {
		fmt.Fprintf(stderr, "conduit-load: -mix: %v\n", err)
		return 2
	}
	r, err := load.Run(ctx, load.Config{
		BaseURL: *target, Duration: *duration, Concurrency: *concurrency,
		Users: *users, Articles: *articles, Seed: *seed, Mix: mix,
	})
	if r != nil {
		fmt.Fprint(stdout, r)
	}
	switch {
	case err != nil:
		fmt.Fprintf(stderr, "conduit-load: %v\n", err)
		return 1
	case r.Total.Errors > 0:
		fmt.Fprintf(stderr, "conduit-load: %d unexpected responses (see the errors column)\n", r.Total.Errors)
		return 1
	}
	return 0
}
