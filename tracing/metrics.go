package tracing

import (
	"context"
	"errors"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/router"
)

// Metric names. db.client.* follow the OpenTelemetry database semantic
// conventions; athanor.* are Athanor's own.
const (
	MetricOperationDuration = "db.client.operation.duration"
	MetricConnectionCount   = "db.client.connection.count"
	MetricConnectionMax     = "db.client.connection.max"
	MetricConnectionWait    = "db.client.connection.wait_time"
	MetricConnectionUse     = "db.client.connection.use_time"
	MetricAcquireWaits      = "athanor.db.client.connection.acquire.waits"
	MetricAcquireWaitTime   = "athanor.db.client.connection.acquire.wait_time"
	MetricRoutingDecisions  = "athanor.router.decisions"
	MetricCausalFallbacks   = "athanor.router.causal.fallbacks"
	MetricCausalWait        = "athanor.router.causal.wait"
	MetricReplicaLag        = "athanor.router.replica.lag"
	MetricReplicaUp         = "athanor.router.replica.up"
)

// durationBuckets are the semantic conventions' advice for
// db.client.operation.duration, in seconds.
var durationBuckets = []float64{0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10}

type instruments struct {
	duration   metric.Float64Histogram
	connWait   metric.Float64Histogram
	connUse    metric.Float64Histogram
	decisions  metric.Int64Counter
	fallbacks  metric.Int64Counter
	causalWait metric.Float64Histogram

	connCount metric.Int64ObservableUpDownCounter
	connMax   metric.Int64ObservableUpDownCounter
	waits     metric.Int64ObservableCounter
	waitTime  metric.Float64ObservableCounter
	lag       metric.Float64ObservableGauge
	up        metric.Int64ObservableGauge
}

func (in *instruments) init(m metric.Meter) error {
	var errs []error
	add := func(err error) { errs = append(errs, err) }
	var err error
	in.duration, err = m.Float64Histogram(MetricOperationDuration, metric.WithUnit("s"),
		metric.WithDescription("Duration of database client operations."),
		metric.WithExplicitBucketBoundaries(durationBuckets...))
	add(err)
	in.connWait, err = m.Float64Histogram(MetricConnectionWait, metric.WithUnit("s"),
		metric.WithDescription("The time it took to obtain an open connection from the pool."),
		metric.WithExplicitBucketBoundaries(durationBuckets...))
	add(err)
	in.connUse, err = m.Float64Histogram(MetricConnectionUse, metric.WithUnit("s"),
		metric.WithDescription("The time between borrowing a connection and returning it to the pool."),
		metric.WithExplicitBucketBoundaries(durationBuckets...))
	add(err)
	in.decisions, err = m.Int64Counter(MetricRoutingDecisions, metric.WithUnit("{decision}"),
		metric.WithDescription("Routing decisions, by bind group, role, node and reason."))
	add(err)
	in.fallbacks, err = m.Int64Counter(MetricCausalFallbacks, metric.WithUnit("{read}"),
		metric.WithDescription("Reads with a causal token that no replica reached in time, served by the primary."))
	add(err)
	in.causalWait, err = m.Float64Histogram(MetricCausalWait, metric.WithUnit("s"),
		metric.WithDescription("Time reads waited for a replica to reach their causal token."),
		metric.WithExplicitBucketBoundaries(durationBuckets...))
	add(err)
	in.connCount, err = m.Int64ObservableUpDownCounter(MetricConnectionCount, metric.WithUnit("{connection}"),
		metric.WithDescription("The number of connections that are currently in state described by the state attribute."))
	add(err)
	in.connMax, err = m.Int64ObservableUpDownCounter(MetricConnectionMax, metric.WithUnit("{connection}"),
		metric.WithDescription("The maximum number of open connections allowed."))
	add(err)
	in.waits, err = m.Int64ObservableCounter(MetricAcquireWaits, metric.WithUnit("{acquire}"),
		metric.WithDescription("Acquires that waited for a connection to be opened or released."))
	add(err)
	in.waitTime, err = m.Float64ObservableCounter(MetricAcquireWaitTime, metric.WithUnit("s"),
		metric.WithDescription("Total time acquires waited for a connection."))
	add(err)
	in.lag, err = m.Float64ObservableGauge(MetricReplicaLag, metric.WithUnit("s"),
		metric.WithDescription("Replication lag of each replica, as last measured by the router."))
	add(err)
	in.up, err = m.Int64ObservableGauge(MetricReplicaUp, metric.WithUnit("1"),
		metric.WithDescription("1 when the replica passed its last health probe, else 0."))
	add(err)
	if err := errors.Join(errs...); err != nil {
		return errors.New("tracing: create instruments: " + err.Error())
	}
	return nil
}

func (in *instruments) recordDuration(ctx context.Context, e *endpoint, op, table, errType, code string, d time.Duration) {
	attrs := make([]attribute.KeyValue, 0, 10)
	attrs = append(attrs, e.facts().attrs...)
	if op != "" {
		attrs = append(attrs, keyOperation.String(op))
	}
	if table != "" {
		attrs = append(attrs, keyCollection.String(table))
	}
	if errType != "" {
		attrs = append(attrs, keyErrorType.String(errType))
	}
	if code != "" {
		attrs = append(attrs, keyStatusCode.String(code))
	}
	in.duration.Record(ctx, d.Seconds(), metric.WithAttributes(attrs...))
}

func (in *instruments) routed(ctx context.Context, d router.Decision) {
	if in.decisions.Enabled(ctx) {
		in.decisions.Add(ctx, 1, metric.WithAttributes(
			keyRouteGroup.String(d.Group),
			keyRouteRole.String(d.Role.String()),
			keyRouteNode.String(d.Node),
			keyRouteReason.String(string(d.Reason)),
		))
	}
	if d.Reason == router.ReasonFallback && in.fallbacks.Enabled(ctx) {
		in.fallbacks.Add(ctx, 1, metric.WithAttributes(keyRouteGroup.String(d.Group)))
	}
	if d.Wait > 0 && in.causalWait.Enabled(ctx) {
		in.causalWait.Record(ctx, d.Wait.Seconds(), metric.WithAttributes(
			keyRouteGroup.String(d.Group), keyRouteReason.String(string(d.Reason))))
	}
}

func (e *endpoint) poolOption() metric.RecordOption {
	if e.poolName == "" {
		return metric.WithAttributes()
	}
	return metric.WithAttributes(keyPoolName.String(e.poolName))
}

// ObservePool reports db's pool through t's meter: connections by state
// (db.client.connection.count, state idle or used), the bound
// (db.client.connection.max), and the acquires that waited and their total
// wait (athanor.db.client.connection.acquire.waits, .wait_time), all with
// db.client.connection.pool.name = name. Unregister the returned
// registration before closing db.
func (t *Tracer) ObservePool(name string, db *engine.DB) (metric.Registration, error) {
	if db == nil {
		return nil, errors.New("tracing: observe pool: nil engine")
	}
	pool := attribute.NewSet(keyPoolName.String(name))
	idle := attribute.NewSet(keyPoolName.String(name), keyConnState.String("idle"))
	used := attribute.NewSet(keyPoolName.String(name), keyConnState.String("used"))
	in := &t.inst
	return t.meter.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		s := db.Stats()
		o.ObserveInt64(in.connCount, int64(s.IdleConns), metric.WithAttributeSet(idle))
		o.ObserveInt64(in.connCount, int64(s.InUseConns), metric.WithAttributeSet(used))
		o.ObserveInt64(in.connMax, int64(s.MaxConns), metric.WithAttributeSet(pool))
		o.ObserveInt64(in.waits, s.AcquireWaitCount, metric.WithAttributeSet(pool))
		o.ObserveFloat64(in.waitTime, s.AcquireWaitDuration.Seconds(), metric.WithAttributeSet(pool))
		return nil
	}, in.connCount, in.connMax, in.waits, in.waitTime)
}

// ObserveRouter reports, for each replica of the named bind groups (all
// of router.DefaultGroup when none is named), its lag
// (athanor.router.replica.lag, seconds) and health (athanor.router.replica.up),
// with athanor.route.group and athanor.route.node attributes. Unregister
// the returned registration before closing r.
func (t *Tracer) ObserveRouter(r *router.Router, groups ...string) (metric.Registration, error) {
	if r == nil {
		return nil, errors.New("tracing: observe router: nil router")
	}
	if len(groups) == 0 {
		groups = []string{router.DefaultGroup}
	}
	var gs []*router.Group
	for _, name := range groups {
		g := r.Group(name)
		if g == nil {
			return nil, errors.New("tracing: observe router: no bind group " + name)
		}
		gs = append(gs, g)
	}
	in := &t.inst
	return t.meter.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		for _, g := range gs {
			for _, rs := range g.Replicas() {
				opt := metric.WithAttributes(keyRouteGroup.String(g.Name()), keyRouteNode.String(rs.Name))
				o.ObserveFloat64(in.lag, rs.Lag.Seconds(), opt)
				up := int64(0)
				if rs.Up {
					up = 1
				}
				o.ObserveInt64(in.up, up, opt)
			}
		}
		return nil
	}, in.lag, in.up)
}
