package bench

import (
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// latencyProxy is an in-process TCP proxy that delays every byte by a
// fixed time in each direction, so that a round trip costs 2×delay more
// than it would directly, without limiting bandwidth: each chunk read is
// stamped and written once its time has come, in order.
type latencyProxy struct {
	ln     net.Listener
	target string
	delay  time.Duration

	mu     sync.Mutex
	conns  []net.Conn // guarded by mu; closed by Close
	closed bool       // guarded by mu
	wg     sync.WaitGroup
}

// startProxy listens on 127.0.0.1 and forwards to target; it is closed at
// the end of the test.
func startProxy(tb testing.TB, target string, delay time.Duration) *latencyProxy {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	p := &latencyProxy{ln: ln, target: target, delay: delay}
	p.wg.Add(1)
	go p.accept()
	tb.Cleanup(p.Close)
	return p
}

// Addr is the proxy's host:port.
func (p *latencyProxy) Addr() string { return p.ln.Addr().String() }

// Port is the proxy's port.
func (p *latencyProxy) Port() string {
	_, port, _ := net.SplitHostPort(p.Addr())
	return port
}

// Close stops accepting, closes every proxied connection and waits for
// the proxy's goroutines.
func (p *latencyProxy) Close() {
	p.ln.Close()
	p.mu.Lock()
	p.closed = true
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
	p.mu.Unlock()
	p.wg.Wait()
}

func (p *latencyProxy) accept() {
	defer p.wg.Done()
	for {
		client, err := p.ln.Accept()
		if err != nil {
			return
		}
		server, err := net.Dial("tcp", p.target)
		if err != nil {
			client.Close()
			continue
		}
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			client.Close()
			server.Close()
			return
		}
		p.conns = append(p.conns, client, server)
		p.mu.Unlock()
		p.wg.Add(2)
		go p.pipe(server, client)
		go p.pipe(client, server)
	}
}

type chunk struct {
	due  time.Time
	data []byte
}

// pipe copies src to dst, each chunk delayed by p.delay.
func (p *latencyProxy) pipe(dst, src net.Conn) {
	defer p.wg.Done()
	q := make(chan chunk, 4096)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for c := range q {
			if d := time.Until(c.due); d > 0 {
				time.Sleep(d)
			}
			if _, err := dst.Write(c.data); err != nil {
				for range q { // drain so the reader never blocks
				}
				return
			}
		}
		if tc, ok := dst.(*net.TCPConn); ok {
			tc.CloseWrite()
		}
	}()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			// Copy only what was read, so the proxy's own allocations
			// (counted by -benchmem, it runs in the benchmark's process)
			// stay proportional to the traffic.
			q <- chunk{due: time.Now().Add(p.delay), data: append([]byte(nil), buf[:n]...)}
		}
		if err != nil {
			if !errors.Is(err, io.EOF) {
				dst.Close()
			}
			break
		}
	}
	close(q)
	<-done
}

// TestLatencyProxy checks that a round trip through the proxy costs about
// two delays and that bytes arrive intact and in order.
func TestLatencyProxy(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { io.Copy(c, c); c.Close() }()
		}
	}()
	const delay = 5 * time.Millisecond
	p := startProxy(t, ln.Addr().String(), delay)
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	buf := make([]byte, 5)
	for i := range 5 {
		msg := []byte{'a' + byte(i), 'b', 'c', 'd', 'e'}
		start := time.Now()
		if _, err := c.Write(msg); err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(c, buf); err != nil {
			t.Fatal(err)
		}
		rtt := time.Since(start)
		if string(buf) != string(msg) {
			t.Fatalf("echo %q, want %q", buf, msg)
		}
		if rtt < 2*delay || rtt > 2*delay+20*time.Millisecond {
			t.Errorf("round trip %v, want about %v", rtt, 2*delay)
		}
	}
}
