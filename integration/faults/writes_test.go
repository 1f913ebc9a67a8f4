package faults

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/athanor-orm/athanor/session"
)

// writeOutcome is what a caller was finally told about one key.
type writeOutcome struct {
	key      string
	kind     string // errKind of the last attempt
	attempts int
}

// TestResetDuringWrites kills every connection to the primary at random
// moments while 8 writers insert rows of unique keys, half through a
// session's one-object Commit, half through engine Exec. A writer retries
// a clear connection error (the write did not run) and gives up on an
// unknown outcome, as an application would. Afterwards the rows on the
// server must agree with what the writers were told: none lost (success
// reported, no row), none duplicated (two rows for a key: a retry of a
// write that had run), none present after a clear error, and no error
// other than a connection error or athanor.ErrOutcomeUnknown.
func TestResetDuringWrites(t *testing.T) {
	const (
		writers  = 8
		duration = 2 * time.Second
		retries  = 5
	)
	each(t, networked, func(t *testing.T, e *env) {
		stop := make(chan struct{})
		var wg sync.WaitGroup
		var mu sync.Mutex
		var outcomes []writeOutcome
		var errs errSample

		wg.Add(1)
		go func() { // the killer
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				case <-time.After(time.Duration(10+rand.IntN(90)) * time.Millisecond):
					e.proxy.ResetAll()
				}
			}
		}()
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					key := fmt.Sprintf("w%d-%d", w, i)
					o := writeOutcome{key: key}
					var s *session.Session
					var obj *faultRow
					for o.attempts < retries {
						o.attempts++
						ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
						var err error
						if w%2 == 0 {
							if s == nil {
								s = session.New(session.DB(e.db), session.Options{Registry: e.reg})
								obj = &faultRow{K: key, W: w}
								err = s.Add(obj)
							}
							if err == nil {
								err = s.Commit(ctx)
							}
							errs.add("session Commit", err)
						} else {
							_, err = e.db.Exec(ctx, e.insertRow(key, w))
							errs.add("engine Exec", err)
						}
						cancel()
						o.kind = errKind(err)
						if o.kind != "connection" {
							break
						}
					}
					mu.Lock()
					outcomes = append(outcomes, o)
					mu.Unlock()
				}
			}()
		}
		time.Sleep(duration)
		close(stop)
		wg.Wait()

		rows := e.counts(t)
		var ok, unknown, clear, other, lost, dup, phantom, retried int
		shown := 0
		errorf := func(format string, args ...any) { // the first few only
			if shown++; shown <= 5 {
				t.Errorf(format, args...)
			} else {
				t.Fail()
			}
		}
		for _, o := range outcomes {
			n := rows[o.key]
			if o.attempts > 1 {
				retried++
			}
			if n > 1 {
				dup++
				errorf("key %s: %d rows after %d attempts (last: %s): a write was run twice", o.key, n, o.attempts, o.kind)
			}
			switch o.kind {
			case "ok":
				ok++
				if n == 0 {
					lost++
					errorf("key %s: success reported, no row", o.key)
				}
			case "unknown":
				unknown++
			case "connection":
				clear++
				if n > 0 {
					phantom++
					errorf("key %s: a plain connection error reported, but the row is there", o.key)
				}
			default:
				other++
			}
		}
		if other > 0 {
			t.Errorf("%d writes failed with an error that is neither a connection error nor ErrOutcomeUnknown", other)
		}
		if t.Failed() {
			t.Logf("errors seen:%s", &errs)
		}
		if ok == 0 {
			t.Errorf("no write succeeded: the scenario measured nothing")
		}
		report(t, "faults: resets during writes %s: %d writers %v, %d connections reset, %d keys: %d ok, %d unknown outcome, %d connection errors, %d retried, %d other errors; lost %d, duplicated %d, present after a clear error %d; proxy %s",
			e.name, writers, duration, e.proxy.Stats().Reset, len(outcomes), ok, unknown, clear, retried, other, lost, dup, phantom, e.proxy.Stats())
	})
}
