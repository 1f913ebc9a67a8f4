package obs

import (
	"context"
	"net/http"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/router"
)

// Metrics is a Prometheus registry of the service's own (not the
// process-wide default registry) with its HTTP, routing, pool and
// replica metrics. Pool and lag series are read from the watched routers
// and engines at scrape time; request and routing counters are counted as
// they happen (HTTP, Routed). It is safe for concurrent use.
type Metrics struct {
	reg *prometheus.Registry

	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	inFlight prometheus.Gauge

	decisions  *prometheus.CounterVec
	reads      *prometheus.CounterVec
	causalWait *prometheus.HistogramVec

	nodes *nodeCollector
}

// NewMetrics returns Metrics with nothing watched yet. Its registry also
// holds the Go runtime and process collectors.
func NewMetrics() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "http_server_requests_total",
			Help: "HTTP requests served, by method, route pattern and status code.",
		}, []string{"method", "route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "http_server_request_duration_seconds",
			Help:    "Time from a request's arrival to its handler's return, by method, route pattern and status code.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"method", "route", "status"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "http_server_requests_in_flight",
			Help: "HTTP requests being served.",
		}),
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "athanor_router_decisions_total",
			Help: "Routing decisions, by bind group, node, role and reason (router.Reason).",
		}, []string{"group", "node", "role", "reason"}),
		reads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "athanor_router_reads_total",
			Help: "Reads routed (decisions for anything but writes and read-write transactions), by bind group and the role of the node that served them.",
		}, []string{"group", "role"}),
		causalWait: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "athanor_router_causal_wait_seconds",
			Help:    "Time reads carrying a causal token waited for a replica to reach it, by bind group and outcome (causal_wait: a replica caught up; fallback: the primary served the read).",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1},
		}, []string{"group", "reason"}),
		nodes: newNodeCollector(),
	}
	m.reg.MustRegister(m.requests, m.duration, m.inFlight, m.decisions, m.reads, m.causalWait, m.nodes,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Registry is the registry behind Handler, for the application's own
// collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the registry in the Prometheus exposition format, for
// /metrics.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Routed implements router.Observer: it counts the decision. Combine it
// with Athanor's tracing.Tracer, which puts the decision on the
// statement's span, through router.MultiObserver.
func (m *Metrics) Routed(ctx context.Context, d router.Decision) context.Context {
	role := d.Role.String()
	m.decisions.WithLabelValues(d.Group, d.Node, role, string(d.Reason)).Inc()
	switch d.Reason {
	case router.ReasonWrite, router.ReasonInTx:
	default:
		m.reads.WithLabelValues(d.Group, role).Inc()
	}
	if d.Reason == router.ReasonCausalWait || d.Reason == router.ReasonFallback {
		m.causalWait.WithLabelValues(d.Group, string(d.Reason)).Observe(d.Wait.Seconds())
	}
	return ctx
}

// WatchRouter adds every node of every bind group of r (groups added
// later included) to the pool, health and lag series. Watch a router
// once; the series of a closed router's engines go on reading their
// closed pools.
func (m *Metrics) WatchRouter(r *router.Router) {
	m.nodes.add(source{router: r})
}

// WatchDB adds one engine used without a router (an embedded SQLite
// database, say) to the pool series, as the primary of bind group
// router.DefaultGroup named name.
func (m *Metrics) WatchDB(name string, db *engine.DB) {
	m.nodes.add(source{name: name, db: db})
}

// source is a watched router, or a lone engine.
type source struct {
	router *router.Router
	name   string
	db     *engine.DB
}

// node is one engine as the series label it.
type node struct {
	group, name string
	role        router.Role
	db          *engine.DB
	// up and lag come from the router; a lone engine has neither.
	routed bool
	up     bool
	lag    float64
}

// nodes lists what s watches now, in a stable order: per group, the
// primary then the replicas in configuration order.
func (s source) nodes() []node {
	if s.router == nil {
		return []node{{group: router.DefaultGroup, name: s.name, role: router.RolePrimary, db: s.db}}
	}
	var out []node
	for _, g := range s.router.Groups() {
		ps := g.PrimaryStatus()
		out = append(out, node{group: g.Name(), name: ps.Name, role: router.RolePrimary, db: g.Primary(), routed: true, up: ps.Up})
		dbs := g.ReplicaEngines()
		for i, rs := range g.Replicas() {
			out = append(out, node{group: g.Name(), name: rs.Name, role: router.RoleReplica, db: dbs[i],
				routed: true, up: rs.Up, lag: rs.Lag.Seconds()})
		}
	}
	return out
}

// nodeCollector reads the pools and the router's view of each node at
// scrape time.
type nodeCollector struct {
	mu      sync.Mutex
	sources []source // guarded by mu

	conns, maxConns                      *prometheus.Desc
	acquires, waits, waitSecs, cancelled *prometheus.Desc
	destroyed                            *prometheus.Desc
	up, lag                              *prometheus.Desc
}

func newNodeCollector() *nodeCollector {
	labels := []string{"group", "node", "role"}
	d := func(name, help string, extra ...string) *prometheus.Desc {
		return prometheus.NewDesc(name, help, append(labels[:len(labels):len(labels)], extra...), nil)
	}
	return &nodeCollector{
		conns:     d("athanor_db_pool_connections", "Connections of the node's pool, by state (idle, in_use, constructing).", "state"),
		maxConns:  d("athanor_db_pool_max_connections", "The node's pool bound."),
		acquires:  d("athanor_db_pool_acquires_total", "Connections acquired from the node's pool."),
		waits:     d("athanor_db_pool_acquire_waits_total", "Acquires that waited for a connection to be opened or released."),
		waitSecs:  d("athanor_db_pool_acquire_wait_seconds_total", "Total time acquires waited for a connection."),
		cancelled: d("athanor_db_pool_canceled_acquires_total", "Acquires abandoned because their context ended."),
		destroyed: d("athanor_db_pool_destroyed_connections_total", "Connections the pool closed (broken, expired, idle or at close)."),
		up:        prometheus.NewDesc("athanor_router_node_up", "1 while the router has the node in service (its last probe or statement succeeded), else 0.", labels, nil),
		lag:       prometheus.NewDesc("athanor_router_replica_lag_seconds", "Replica's replication lag as the router last measured it.", []string{"group", "node"}, nil),
	}
}

func (c *nodeCollector) add(s source) {
	c.mu.Lock()
	c.sources = append(c.sources, s)
	c.mu.Unlock()
}

func (c *nodeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.conns, c.maxConns, c.acquires, c.waits, c.waitSecs, c.cancelled, c.destroyed, c.up, c.lag} {
		ch <- d
	}
}

func (c *nodeCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	sources := append([]source(nil), c.sources...)
	c.mu.Unlock()
	for _, s := range sources {
		for _, n := range s.nodes() {
			c.collect(ch, n)
		}
	}
}

func (c *nodeCollector) collect(ch chan<- prometheus.Metric, n node) {
	lv := []string{n.group, n.name, n.role.String()}
	st := n.db.Stats()
	gauge := func(d *prometheus.Desc, v float64, extra ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, append(lv[:3:3], extra...)...)
	}
	counter := func(d *prometheus.Desc, v float64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, lv...)
	}
	gauge(c.conns, float64(st.IdleConns), "idle")
	gauge(c.conns, float64(st.InUseConns), "in_use")
	gauge(c.conns, float64(st.ConstructingConns), "constructing")
	gauge(c.maxConns, float64(st.MaxConns))
	counter(c.acquires, float64(st.AcquireCount))
	counter(c.waits, float64(st.AcquireWaitCount))
	counter(c.waitSecs, st.AcquireWaitDuration.Seconds())
	counter(c.cancelled, float64(st.CanceledAcquireCount))
	counter(c.destroyed, float64(st.DestroyedConns))
	if !n.routed {
		return
	}
	up := 0.0
	if n.up {
		up = 1
	}
	gauge(c.up, up)
	if n.role == router.RoleReplica {
		ch <- prometheus.MustNewConstMetric(c.lag, prometheus.GaugeValue, n.lag, n.group, n.name)
	}
}
