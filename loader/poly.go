package loader

import (
	"errors"
	"fmt"
	"strings"

	"github.com/athanor-orm/athanor/mapper"
)

// ErrPolyRelation: an option asks of an interface-typed relationship
// (mapper.PolyRelation) what its loads do not do: Joined, Limit,
// OrderBy, column options, or naming it below an ordinary relationship.
// The message names the model and the relationship.
var ErrPolyRelation = errors.New("unsupported load of a relationship to an interface")

// PolyLoad is a SelectIn of an interface-typed relationship of the
// query's model, which the session runs itself (its targets are objects
// of several models): Children apply to the targets of each model that
// has the relationship they name (see PolyLoad.For).
type PolyLoad struct {
	Rel      *mapper.PolyRelation
	Children []Option
}

// SplitPoly takes the options naming an interface-typed relationship of
// m (a path's first step; "Vehicles.Engine" is SelectIn("Vehicles",
// SelectIn("Engine"))) out of opts, merging those naming one
// relationship, and returns the others for Compile. Joined, Limit,
// OrderBy and column options of such a relationship are ErrPolyRelation.
func SplitPoly(m *mapper.Model, opts []Option) ([]Option, []PolyLoad, error) {
	if len(m.PolyRelations()) == 0 {
		return opts, nil, nil
	}
	var rest []Option
	var out []PolyLoad
	for _, o := range opts {
		if o.strategy != selectIn && o.strategy != joined {
			rest = append(rest, o)
			continue
		}
		first, tail, nested := strings.Cut(o.path, ".")
		r, ok := m.PolyRelation(strings.TrimSpace(first))
		if !ok {
			rest = append(rest, o)
			continue
		}
		bad := ""
		switch {
		case o.strategy == joined:
			bad = "Joined (load it with SelectIn)"
		case o.limit > 0:
			bad = "Limit"
		case len(o.order) > 0:
			bad = "OrderBy (its targets come in key order)"
		case len(o.cols) > 0:
			bad = "column options"
		}
		if bad != "" && !nested { // a dotted path's options are its last step's
			return nil, nil, fmt.Errorf("loader: %s.%s: %s: %w", m.Name, r.Name, bad, ErrPolyRelation)
		}
		children := o.children
		if nested {
			o.path = tail
			children = []Option{o}
		}
		i := 0
		for i < len(out) && out[i].Rel != r {
			i++
		}
		if i == len(out) {
			out = append(out, PolyLoad{Rel: r})
		}
		out[i].Children = append(out[i].Children, children...)
	}
	return rest, out, nil
}

// For returns the children that apply to kind, one model of the
// relationship's hierarchy: those whose path's first step is a
// relationship, association proxy or interface-typed relationship of
// kind. kinds is every model of the hierarchy: a child that applies to
// none of them is ErrNoRelation.
func (l PolyLoad) For(kind *mapper.Model, kinds []*mapper.Model) ([]Option, error) {
	var out []Option
	for _, c := range l.Children {
		if c.strategy != selectIn && c.strategy != joined {
			return nil, fmt.Errorf("loader: %s.%s: %s under it: %w", l.Rel.Owner.Name, l.Rel.Name, c.strategy, ErrPolyRelation)
		}
		if hasStep(kind, c.path) {
			out = append(out, c)
			continue
		}
		any := false
		for _, k := range kinds {
			any = any || hasStep(k, c.path)
		}
		if !any {
			first, _, _ := strings.Cut(c.path, ".")
			return nil, fmt.Errorf("loader: %s.%s: no model of its hierarchy has %q: %w", l.Rel.Owner.Name, l.Rel.Name, first, ErrNoRelation)
		}
	}
	return out, nil
}

func hasStep(m *mapper.Model, path string) bool {
	first, _, _ := strings.Cut(path, ".")
	first = strings.TrimSpace(first)
	if _, ok := m.Relation(first); ok {
		return true
	}
	if _, ok := m.Proxy(first); ok {
		return true
	}
	_, ok := m.PolyRelation(first)
	return ok
}
