package router

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/athanor-orm/athanor"
	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/internal/faultproxy"
	"github.com/athanor-orm/athanor/internal/testdb"
)

// A replica whose server refuses connections (its port closed: a
// stopped server, a restarted host) fails a read with a connection error
// the router retries elsewhere, with no driver error type in the router:
// the engine's classification (athanor.ErrConnectionLost) or a net.Error.
func TestRefusedConnectIsAConnectionFailure(t *testing.T) {
	for _, kind := range []testdb.Kind{testdb.KindPostgres, testdb.KindMySQL} {
		t.Run(string(kind), func(t *testing.T) {
			s := testdb.Require(t, kind)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()

			// Opening an engine on a closed port.
			closed := closedPort(t)
			e := s.Primary
			e.Host, e.Port = "127.0.0.1", closed
			if db, err := engine.Open(ctx, e.URL()); err == nil {
				db.Close()
				t.Fatal("open on a closed port succeeded")
			} else {
				checkRefused(t, "open", err)
			}

			// A connect refused under an open engine: the proxy's
			// listener is closed, every pooled connection aborted.
			p := faultproxy.Start(t, s.Primary.Addr())
			db, err := engine.Open(ctx, p.Endpoint(s.Primary).URL())
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			p.Close()
			var last error
			for range 4 { // first the broken pooled connection, then connects
				var one int
				last = db.QueryRow(ctx, core.Raw("SELECT 1").ReadOnly()).Scan(&one)
				if last == nil {
					t.Fatal("read through a closed proxy succeeded")
				}
				if strings.Contains(last.Error(), "refused") {
					break
				}
			}
			checkRefused(t, "read", last)
		})
	}
}

func checkRefused(t *testing.T, what string, err error) {
	t.Helper()
	var ne net.Error
	t.Logf("%s: %v (athanor.ErrConnectionLost: %v, net.Error: %v)", what, err,
		athanor.IsConnectionError(err), errors.As(err, &ne))
	// The router relies on the engine's classification first.
	if !athanor.IsConnectionError(err) || !connectionFailure(err) {
		t.Errorf("%s refused: %v is not athanor.ErrConnectionLost, or not a connection failure to the router", what, err)
	}
}

// closedPort returns a local TCP port nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	ln.Close()
	return port
}
