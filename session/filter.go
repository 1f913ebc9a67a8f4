package session

// This file holds global filters: criteria registered per model on a
// Filters value given to sessions as Options.Filters, added to every
// query, Get and relationship load of the model (see "Global filters" in
// the package doc), and the ways to turn them off.

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync/atomic"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/loader"
	"github.com/athanor-orm/athanor/mapper"
)

// ErrUnknownFilter: Unfiltered or WithoutFilters named a filter the
// session's Filters does not hold.
var ErrUnknownFilter = errors.New("session: unknown filter")

// FilterFunc returns the criterion of a filter for t, the model's table
// or an alias of it (a joined relationship, a loader join), built from
// t's columns (t.C("deleted_at")) so that it names the right table. ctx
// is the context of the call the statement serves (a request's tenant
// can come from it). A nil criterion adds nothing for that call; an
// error fails the call with a *FilterError.
type FilterFunc func(ctx context.Context, t *core.Table) (core.Expr, error)

// Filters holds global filters: named criteria per model, ANDed to every
// SELECT the session builds for the model's objects — queries (and their
// joins), Get, relationship loads (eager and Session.Load) — as
// SQLAlchemy's with_loader_criteria does. Register every filter before
// the first session uses the Filters (Options.Filters): registering on a
// Filters a session was created with panics. One Filters may serve any
// number of sessions.
//
//	f := new(session.Filters)
//	session.AddFilter[Article](f, "soft-delete", func(ctx context.Context, t *core.Table) (core.Expr, error) {
//		return core.IsNull(t.C("deleted_at")), nil
//	})
//	s := session.New(db, session.Options{Filters: f})
type Filters struct {
	sealed atomic.Bool
	models map[reflect.Type][]namedFilter
	names  map[string]bool
}

type namedFilter struct {
	name string
	fn   FilterFunc
}

// AddFilter registers fn as the filter name of model T. One name may
// serve several models (a "tenant" filter on each tenant-owned model),
// and Unfiltered("tenant") then turns off all of them. It panics on an
// empty name, a nil fn, a name T has already, or a Filters already given
// to a session.
func AddFilter[T any](f *Filters, name string, fn FilterFunc) {
	if f.sealed.Load() {
		panic("session: filter registered on Filters already given to a session")
	}
	if name == "" || fn == nil {
		panic("session: AddFilter needs a name and a function")
	}
	t := reflect.TypeFor[T]()
	if f.models == nil {
		f.models = map[reflect.Type][]namedFilter{}
		f.names = map[string]bool{}
	}
	if slices.ContainsFunc(f.models[t], func(nf namedFilter) bool { return nf.name == name }) {
		panic(fmt.Sprintf("session: filter %q registered twice on %s", name, t))
	}
	f.models[t] = append(f.models[t], namedFilter{name: name, fn: fn})
	f.names[name] = true
}

// FilterError is a filter function's error: the call it served fails
// with it (wrapped), naming the filter and the model.
type FilterError struct {
	Filter string // the filter's name
	Model  string // the model's name
	Err    error
}

func (e *FilterError) Error() string {
	return fmt.Sprintf("session: filter %q of %s: %v", e.Filter, e.Model, e.Err)
}

func (e *FilterError) Unwrap() error { return e.Err }

// filterOff is a set of filters turned off: all of them, or by name.
type filterOff struct {
	all   bool
	names []string
}

func (o *filterOff) has(name string) bool {
	return o != nil && (o.all || slices.Contains(o.names, name))
}

// with returns o plus names (none: all).
func (o *filterOff) with(names []string) *filterOff {
	n := &filterOff{all: len(names) == 0}
	if o != nil {
		n.all = n.all || o.all
		n.names = append(n.names, o.names...)
	}
	if !n.all {
		n.names = append(n.names, names...)
	} else {
		n.names = nil
	}
	return n
}

type filterOffKey struct{}

// WithoutFilters returns a context under which the named filters (none
// named: every filter) add nothing to the statements of the calls it is
// given to: queries, Get, Session.Load and the relationship loads these
// run. Names are checked when a call uses the context: one the session's
// Filters does not hold fails it with ErrUnknownFilter.
//
//	all, err := session.Get[Article](session.WithoutFilters(ctx, "soft-delete"), s, id)
func WithoutFilters(ctx context.Context, names ...string) context.Context {
	cur, _ := ctx.Value(filterOffKey{}).(*filterOff)
	return context.WithValue(ctx, filterOffKey{}, cur.with(names))
}

func offIn(ctx context.Context) *filterOff {
	o, _ := ctx.Value(filterOffKey{}).(*filterOff)
	return o
}

// Unfiltered turns the named filters off for this query and the
// relationship loads it runs (Options); with no names, every filter.
// A name the session's Filters does not hold makes the query fail with
// ErrUnknownFilter.
func (q *QueryOf[T]) Unfiltered(names ...string) *QueryOf[T] {
	n := q.clone()
	n.off = q.off.with(names)
	return n
}

// checkOff fails for names off holds that f lacks.
func (f *Filters) checkOff(off *filterOff) error {
	if off == nil {
		return nil
	}
	for _, name := range off.names {
		if f == nil || !f.names[name] {
			return fmt.Errorf("%q: %w", name, ErrUnknownFilter)
		}
	}
	return nil
}

// filtered reports whether m has filters at all.
func (s *Session) filtered(m *mapper.Model) bool {
	f := s.opts.Filters
	return f != nil && len(f.models[m.Type]) > 0
}

// criteria returns the AND of m's filters' criteria for t, leaving out
// those ctx or off turn off; nil for none.
func (s *Session) criteria(ctx context.Context, m *mapper.Model, t *core.Table, off *filterOff) (core.Expr, error) {
	f := s.opts.Filters
	ctxOff := offIn(ctx)
	if err := f.checkOff(ctxOff); err != nil {
		return nil, err
	}
	if err := f.checkOff(off); err != nil {
		return nil, err
	}
	if f == nil {
		return nil, nil
	}
	fs := f.models[m.Type]
	var out []core.Expr
	for _, nf := range fs {
		if ctxOff.has(nf.name) || off.has(nf.name) {
			continue
		}
		e, err := nf.fn(ctx, t)
		if err != nil {
			return nil, &FilterError{Filter: nf.name, Model: m.Name, Err: err}
		}
		if e != nil {
			out = append(out, e)
		}
	}
	switch len(out) {
	case 0:
		return nil, nil
	case 1:
		return out[0], nil
	}
	return core.And(out...), nil
}

// scoped returns the query with the criteria of the session's filters
// (less those Unfiltered or ctx turn off) added: T's to its conditions,
// each joined relationship's model's to its join's ON clause (under the
// join's alias; so a LEFT JOIN keeps its objects without a matching
// row). Every statement a query runs is built from its scoped form; a
// query scoped already is returned as it is. The error is ctx's
// (engine.ErrNilContext), a filter's (*FilterError) or ErrUnknownFilter,
// wrapped naming the model.
func (q *QueryOf[T]) scoped(ctx context.Context) (*QueryOf[T], error) {
	if err := engine.CheckContext(ctx); err != nil {
		return nil, err
	}
	if q.scopedDone || q.err != nil || q.m == nil {
		return q, nil
	}
	if q.s.opts.Filters == nil && q.off == nil && offIn(ctx) == nil {
		return q, nil
	}
	n := q.clone()
	n.scopedDone = true
	c, err := q.s.criteria(ctx, q.m, q.m.Table(), q.off)
	if err != nil {
		return nil, fmt.Errorf("session: query %s: %w", q.m.Name, err)
	}
	if c != nil {
		n.where = append(n.where, c)
	}
	if len(q.joins) > 0 {
		n.joins = slices.Clone(q.joins)
		for i := range n.joins {
			j := &n.joins[i]
			if j.model == nil {
				continue // JoinOn: the caller's item
			}
			c, err := q.s.criteria(ctx, j.model, j.table, q.off)
			if err != nil {
				return nil, fmt.Errorf("session: query %s: join %s: %w", q.m.Name, j.path, err)
			}
			if c != nil {
				j.on = core.And(j.on, c)
			}
		}
	}
	return n, nil
}

// loadCtx is ctx carrying the filters the query turns off, for the
// relationship loads it runs. (q.off holds names unless it holds all.)
func (q *QueryOf[T]) loadCtx(ctx context.Context) context.Context {
	if q.off == nil {
		return ctx
	}
	return context.WithValue(ctx, filterOffKey{}, offIn(ctx).with(q.off.names))
}

var _ loader.FilteredHost = host{}

// Criteria implements loader.FilteredHost: the criteria of m's filters
// for t, less those ctx turns off.
func (h host) Criteria(ctx context.Context, m *mapper.Model, t *core.Table) (core.Expr, error) {
	if h.s.opts.Filters == nil && offIn(ctx) == nil {
		return nil, nil
	}
	return h.s.criteria(ctx, m, t, nil)
}
