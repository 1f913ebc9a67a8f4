// Command service is a small HTTP job queue built on Athanor's request
// scope: one session per request (package session/httpsession), a
// transaction retried on conflicts (Session.RunInTx), and a locking read
// that lets many workers take different jobs (ForUpdate with SkipLocked).
//
// With no arguments it runs on embedded SQLite in a temporary file, sends
// itself a few requests through httptest and prints what they returned:
//
//	go run ./examples/service
//	go run ./examples/service -serve :8080   # keep serving instead
//	curl -X POST 'localhost:8080/jobs?payload=resize+cat.png'
//	curl -X POST localhost:8080/jobs/take
//
// Given a router instead of the single database (Middleware(r, …)), the
// middleware's cookie carries the causal token of each request's commits,
// so the next request of the same client reads its writes from a replica
// that has them, or from the primary.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"

	"github.com/athanor-orm/athanor"
	"github.com/athanor-orm/athanor/core"
	_ "github.com/athanor-orm/athanor/driver/mysqldriver"  // mysql://, mariadb://
	_ "github.com/athanor-orm/athanor/driver/pgxdriver"    // postgres://
	_ "github.com/athanor-orm/athanor/driver/sqlitedriver" // sqlite:// (the default)
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/mapper"
	"github.com/athanor-orm/athanor/session"
	"github.com/athanor-orm/athanor/session/httpsession"
)

// Job is one unit of work: queued, then taken by a worker.
type Job struct {
	_       struct{} `athanor:",table:svc_jobs"`
	ID      int64
	Payload string `athanor:",size:200"`
	State   string `athanor:",size:10,index"` // "queued" or "taken"
}

func main() {
	dsn := flag.String("db", "", "database DSN (postgres://…, mysql://…); default: embedded SQLite")
	serve := flag.String("serve", "", "listen on this address (e.g. :8080) instead of running the demo")
	flag.Parse()
	if err := run(context.Background(), os.Stdout, *dsn, *serve); err != nil {
		log.Fatal("service: ", err)
	}
}

func run(ctx context.Context, out io.Writer, dsn, addr string) error {
	if dsn == "" {
		dir, err := os.MkdirTemp("", "athanor-service-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		dsn = "sqlite://" + filepath.Join(dir, "service.db")
	}
	db, err := engine.Open(ctx, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	reg := mapper.NewRegistry()
	if _, err := mapper.RegisterIn[Job](reg); err != nil {
		return err
	}
	if err := db.CreateAll(ctx, reg); err != nil {
		return err
	}

	// One session per request, committed when the handler writes a
	// status below 400, rolled back otherwise.
	scoped := httpsession.Middleware(db, httpsession.Options{Session: session.Options{Registry: reg}})
	h := scoped(routes())
	if addr != "" {
		fmt.Fprintf(out, "serving on %s\n", addr)
		return http.ListenAndServe(addr, h)
	}
	return demo(out, h)
}

func routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /jobs", func(w http.ResponseWriter, r *http.Request) {
		s := httpsession.From(r.Context())
		job := &Job{Payload: r.FormValue("payload"), State: "queued"}
		if job.Payload == "" {
			http.Error(w, "payload is required", http.StatusBadRequest) // rolls back
			return
		}
		if err := s.Add(job); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		if err := s.Flush(r.Context()); err != nil { // INSERT now, for the id
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusCreated) // the middleware commits first
		fmt.Fprintf(w, "job %d queued\n", job.ID)
	})
	mux.HandleFunc("POST /jobs/take", func(w http.ResponseWriter, r *http.Request) {
		s := httpsession.From(r.Context())
		var job *Job
		// RunInTx runs the function again on a serialization failure or a
		// deadlock; SkipLocked passes over jobs other workers hold.
		err := s.RunInTx(r.Context(), func(ctx context.Context, s *session.Session) error {
			var err error
			job, err = session.Query[Job](s).Filter("State", "queued").OrderBy("ID").Limit(1).
				ForUpdate(core.SkipLocked).First(ctx)
			if err != nil {
				return err
			}
			job.State = "taken"
			return nil // RunInTx commits the UPDATE
		}, session.TxOptions{})
		switch {
		case errors.Is(err, athanor.ErrNoRows):
			http.Error(w, "no job queued", http.StatusNotFound)
		case err != nil:
			http.Error(w, err.Error(), http.StatusInternalServerError)
		default:
			fmt.Fprintf(w, "took job %d: %s\n", job.ID, job.Payload)
		}
	})
	mux.HandleFunc("GET /jobs/{id}", func(w http.ResponseWriter, r *http.Request) {
		id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
		if err != nil {
			http.Error(w, "bad job id", http.StatusBadRequest)
			return
		}
		job, err := session.Get[Job](r.Context(), httpsession.From(r.Context()), id)
		switch {
		case errors.Is(err, athanor.ErrNoRows):
			http.Error(w, "no such job", http.StatusNotFound)
		case err != nil:
			http.Error(w, err.Error(), http.StatusInternalServerError)
		default:
			fmt.Fprintf(w, "job %d is %s\n", job.ID, job.State)
		}
	})
	return mux
}

// demo sends the service a few requests through httptest, as a client
// with a cookie jar (which would carry the causal token over a router).
func demo(out io.Writer, h http.Handler) error {
	srv := httptest.NewServer(h)
	defer srv.Close()
	jar, err := cookiejar.New(nil)
	if err != nil {
		return err
	}
	client := &http.Client{Jar: jar}
	for _, req := range []struct{ method, path string }{
		{"POST", "/jobs?payload=resize+cat.png"},
		{"POST", "/jobs?payload=send+newsletter"},
		{"POST", "/jobs"}, // 400: rolled back
		{"POST", "/jobs/take"},
		{"GET", "/jobs/1"},
		{"POST", "/jobs/take"},
		{"POST", "/jobs/take"}, // 404: the queue is empty
	} {
		hreq, err := http.NewRequest(req.method, srv.URL+req.path, nil)
		if err != nil {
			return err
		}
		resp, err := client.Do(hreq)
		if err != nil {
			return err
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "%-4s %-35s %d %s", req.method, req.path, resp.StatusCode, body)
	}
	return nil
}
