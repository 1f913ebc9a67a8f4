// Package faultproxy is a TCP proxy for tests that sits between a client
// (Athanor's engines) and a database server and injects network faults on
// demand, in the manner of Toxiproxy but in the test's own process: reset
// every connection, freeze the traffic (as if the server were stopped with
// SIGSTOP), delay it, refuse new connections, and cut a connection after
// the server has answered — the case where a statement ran but its answer
// was lost.
//
// It is test-support code: every method is safe for concurrent use, and
// the proxy is closed, with all its goroutines ended, when the test that
// started it ends.
package faultproxy

import (
	"bytes"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/athanor-orm/athanor/internal/testdb"
)

// Stats are the proxy's counters since Start.
type Stats struct {
	Accepted   int64 // connections accepted and forwarded
	Refused    int64 // connections reset at once because of Refuse
	DialFailed int64 // connections dropped because the target could not be reached
	Open       int64 // connections open now
	Reset      int64 // connections aborted by ResetAll
	Cut        int64 // connections closed by CutOnNextResponse, CutOnResponseTo or CutAfter
	BytesUp    int64 // bytes forwarded from clients to the server
	BytesDown  int64 // bytes forwarded from the server to clients
}

// Proxy forwards TCP connections from Addr to a target.
type Proxy struct {
	ln     net.Listener
	target string
	wg     sync.WaitGroup

	latency atomic.Int64 // time.Duration added before each forwarded chunk
	refuse  atomic.Bool

	accepted, refused, dialFailed, reset, cut, up, down atomic.Int64

	mu       sync.Mutex
	links    map[*link]struct{} // guarded by mu
	closed   bool               // guarded by mu
	thawed   chan struct{}      // guarded by mu; nil while not frozen, closed by Thaw
	cutArmed bool               // guarded by mu: a response cut is pending
	marker   []byte             // guarded by mu; nil cuts the next response on any link
	limArmed bool               // guarded by mu: a CutAfter budget is pending
	limLeft  int64              // guarded by mu
}

// link is one proxied connection: the client's side and the server's.
type link struct {
	client, server *net.TCPConn
	done           chan struct{} // closed once both sides are closed
	once           sync.Once
	marked         atomic.Bool // the client sent the armed marker on this link
	tail           []byte      // last bytes sent by the client, to find a marker split across reads; upstream goroutine only
}

// Start listens on 127.0.0.1:0 and forwards every accepted connection to
// target ("host:port"). The proxy is closed when the test ends.
func Start(t testing.TB, target string) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("faultproxy: listen: %v", err)
	}
	p := &Proxy{ln: ln, target: target, links: map[*link]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(p.Close)
	return p
}

// Addr is the proxy's "127.0.0.1:port".
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Target is the address the proxy forwards to.
func (p *Proxy) Target() string { return p.target }

// Endpoint returns e with its host and port replaced by the proxy's, so
// that e.URL() and e.DriverDSN() connect through the proxy.
func (p *Proxy) Endpoint(e testdb.Endpoint) testdb.Endpoint {
	e = e.WithDatabase(e.Database) // a private copy of Params
	host, port, _ := net.SplitHostPort(p.Addr())
	e.Host, e.Port = host, port
	return e
}

// Close stops accepting, aborts every connection and waits for the
// proxy's goroutines. It is idempotent.
func (p *Proxy) Close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		p.wg.Wait()
		return
	}
	p.closed = true
	links := p.snapshot()
	if p.thawed != nil {
		close(p.thawed)
		p.thawed = nil
	}
	p.mu.Unlock()
	p.ln.Close()
	for _, l := range links {
		l.abort()
	}
	p.wg.Wait()
}

// ResetAll aborts every open connection with a TCP reset on both sides:
// the client sees "connection reset by peer", as when a server process is
// killed or a firewall drops the flow. Stats().Reset counts the
// connections it aborted.
func (p *Proxy) ResetAll() {
	p.mu.Lock()
	links := p.snapshot()
	p.mu.Unlock()
	for _, l := range links {
		if l.abort() {
			p.reset.Add(1)
		}
	}
}

// Freeze stops forwarding in both directions; connections stay open and
// new ones are accepted but see no byte from the server, as when the
// server is stopped with SIGSTOP. Thaw resumes.
func (p *Proxy) Freeze() {
	p.mu.Lock()
	if p.thawed == nil && !p.closed {
		p.thawed = make(chan struct{})
	}
	p.mu.Unlock()
}

// Thaw resumes forwarding after Freeze; held bytes are delivered in order.
func (p *Proxy) Thaw() {
	p.mu.Lock()
	if p.thawed != nil {
		close(p.thawed)
		p.thawed = nil
	}
	p.mu.Unlock()
}

// SetLatency delays each forwarded chunk, in both directions, by d (0
// removes the delay).
func (p *Proxy) SetLatency(d time.Duration) { p.latency.Store(int64(d)) }

// Refuse makes the proxy reset every new connection at once (true) or
// forward them again (false). Open connections are not touched.
func (p *Proxy) Refuse(on bool) { p.refuse.Store(on) }

// CutOnNextResponse arms a one-shot cut: the next bytes the server sends,
// on any connection, are discarded and that connection is closed both
// ways. A statement whose answer is cut has run on the server; its client
// cannot know. Beware of traffic the test does not control (a prepare
// round trip, a pool's health check): CutOnResponseTo is more precise.
func (p *Proxy) CutOnNextResponse() { p.armCut(nil) }

// CutOnResponseTo arms a one-shot cut of the first server response on a
// connection after its client has sent marker (compared byte for byte):
// e.g. a unique value bound in the INSERT under test, which travels in
// the execute message and not in a prepare, or "COMMIT".
func (p *Proxy) CutOnResponseTo(marker string) {
	if marker == "" {
		p.armCut(nil)
		return
	}
	p.armCut([]byte(marker))
}

func (p *Proxy) armCut(marker []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for l := range p.links {
		l.marked.Store(false)
	}
	p.cutArmed, p.marker = true, marker
}

// CutArmed reports whether a response cut is still pending (it has not
// happened yet).
func (p *Proxy) CutArmed() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cutArmed
}

// CutAfter arms a one-shot limit: n more bytes from the server pass (on
// whichever connections they come), then the connection that carries the
// next byte is closed both ways, that byte and the rest of its chunk
// discarded; like Toxiproxy's limit_data.
func (p *Proxy) CutAfter(n int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.limArmed, p.limLeft = true, n
}

// Disarm cancels a pending CutOnNextResponse, CutOnResponseTo or CutAfter.
func (p *Proxy) Disarm() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cutArmed, p.marker, p.limArmed = false, nil, false
}

// Stats returns the counters.
func (p *Proxy) Stats() Stats {
	p.mu.Lock()
	open := int64(len(p.links))
	p.mu.Unlock()
	return Stats{
		Accepted: p.accepted.Load(), Refused: p.refused.Load(), DialFailed: p.dialFailed.Load(),
		Open: open, Reset: p.reset.Load(), Cut: p.cut.Load(),
		BytesUp: p.up.Load(), BytesDown: p.down.Load(),
	}
}

// String is a one-line summary of Stats, for test logs.
func (s Stats) String() string {
	return "accepted=" + strconv.FormatInt(s.Accepted, 10) +
		" refused=" + strconv.FormatInt(s.Refused, 10) +
		" open=" + strconv.FormatInt(s.Open, 10) +
		" reset=" + strconv.FormatInt(s.Reset, 10) +
		" cut=" + strconv.FormatInt(s.Cut, 10) +
		" up=" + strconv.FormatInt(s.BytesUp, 10) + "B" +
		" down=" + strconv.FormatInt(s.BytesDown, 10) + "B"
}

// snapshot lists the open links; p.mu must be held.
func (p *Proxy) snapshot() []*link {
	out := make([]*link, 0, len(p.links))
	for l := range p.links {
		out = append(out, l)
	}
	return out
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		client := c.(*net.TCPConn)
		if p.refuse.Load() {
			p.refused.Add(1)
			abortConn(client)
			continue
		}
		// Dial in the accept loop: connections are accepted one by one,
		// and a test's connection rate is low.
		s, err := net.DialTimeout("tcp", p.target, 5*time.Second)
		if err != nil {
			p.dialFailed.Add(1)
			abortConn(client)
			continue
		}
		l := &link{client: client, server: s.(*net.TCPConn), done: make(chan struct{})}
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			l.abort()
			return
		}
		p.links[l] = struct{}{}
		p.mu.Unlock()
		p.accepted.Add(1)
		p.wg.Add(2)
		go p.pipe(l, true)
		go p.pipe(l, false)
	}
}

// abortConn closes c with a TCP reset rather than an orderly FIN.
func abortConn(c *net.TCPConn) {
	_ = c.SetLinger(0)
	_ = c.Close()
}

// abort resets both sides; it reports whether this call closed the link.
func (l *link) abort() bool { return l.end(true) }

// shut closes both sides with an orderly FIN.
func (l *link) shut() bool { return l.end(false) }

func (l *link) end(rst bool) bool {
	closed := false
	l.once.Do(func() {
		closed = true
		if rst {
			abortConn(l.client)
			abortConn(l.server)
		} else {
			l.client.Close()
			l.server.Close()
		}
		close(l.done)
	})
	return closed
}

// pipe copies one direction of l until either side fails, then closes the
// whole link: the databases' protocols make no use of half-closed
// connections.
func (p *Proxy) pipe(l *link, up bool) {
	defer p.wg.Done()
	defer func() {
		l.shut()
		p.mu.Lock()
		delete(p.links, l)
		p.mu.Unlock()
	}()
	src, dst := l.server, l.client
	if up {
		src, dst = l.client, l.server
	}
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			data := buf[:n]
			if !p.hold(l) {
				return
			}
			if up {
				p.watch(l, data)
			} else {
				var stop bool
				if data, stop = p.limit(l, data); stop && len(data) == 0 {
					p.cut.Add(1)
					return
				}
				if stop {
					p.down.Add(int64(len(data)))
					_, _ = dst.Write(data)
					p.cut.Add(1)
					return
				}
			}
			// Counted before the write: the answer to these bytes may
			// reach the client before Write returns.
			if up {
				p.up.Add(int64(len(data)))
			} else {
				p.down.Add(int64(len(data)))
			}
			if _, werr := dst.Write(data); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// hold waits out a freeze and the latency; false if the link was closed
// meanwhile.
func (p *Proxy) hold(l *link) bool {
	for {
		p.mu.Lock()
		thawed := p.thawed
		p.mu.Unlock()
		if thawed == nil {
			break
		}
		select {
		case <-thawed:
		case <-l.done:
			return false
		}
	}
	if d := time.Duration(p.latency.Load()); d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-l.done:
			return false
		}
	}
	return true
}

// watch marks l when its client sends the armed marker. The mark is set
// before the bytes are forwarded, so the server's answer to them always
// finds it.
func (p *Proxy) watch(l *link, data []byte) {
	p.mu.Lock()
	marker := p.marker
	armed := p.cutArmed && marker != nil
	p.mu.Unlock()
	if !armed {
		l.tail = l.tail[:0]
		return
	}
	hay := append(l.tail, data...)
	if bytes.Contains(hay, marker) {
		l.marked.Store(true)
	}
	if k := len(marker) - 1; len(hay) > k {
		hay = hay[len(hay)-k:]
	}
	l.tail = append(l.tail[:0], hay...)
}

// limit applies a pending cut to data coming from the server: it returns
// the part to forward and whether the link must then be closed.
func (p *Proxy) limit(l *link, data []byte) ([]byte, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cutArmed && (p.marker == nil || l.marked.Load()) {
		p.cutArmed, p.marker = false, nil
		return nil, true
	}
	if p.limArmed {
		if int64(len(data)) <= p.limLeft {
			p.limLeft -= int64(len(data))
			return data, false
		}
		keep := data[:p.limLeft]
		p.limArmed, p.limLeft = false, 0
		return keep, true
	}
	return data, false
}
