package mapper

import (
	"fmt"
	"reflect"
	"strings"
	"sync/atomic"
)

// Association proxies
//
// A field tagged proxy:Via.Attr is not a relationship of its own: it shows
// the targets of the many-to-one Attr of the members of the owner's
// one-to-many Via (the association objects) as a plain collection, the way
// SQLAlchemy's association_proxy does. The session keeps the two in step
// (see session's "Association proxies").

// Proxy is an association proxy field of a model.
type Proxy struct {
	// Name is the Go field name.
	Name string
	// Owner is the model declaring the field.
	Owner *Model
	// Via is the owner's one-to-many collection of association objects;
	// Attr is the association model's many-to-one whose targets the proxy
	// holds.
	Via, Attr *Relation

	field   *Relation
	creator atomic.Pointer[func(owner, target any) any]
}

// Field is the proxy's field as a Relation value from Owner to
// Attr.Target, for reading and writing it (Get, Set, IsNil, Targets). It
// is not among Model.Relations, and its Kind is 0: the database has no
// relationship of its own behind it.
func (p *Proxy) Field() *Relation { return p.field }

// Proxies returns the association proxy fields of the model.
func (m *Model) Proxies() []*Proxy { return m.proxies }

// Proxy returns the association proxy declared on the Go field name.
func (m *Model) Proxy(field string) (*Proxy, bool) {
	for _, p := range m.proxies {
		if p.Name == field {
			return p, true
		}
	}
	return nil, false
}

// SetCreator sets the function that makes the association object for a
// target appended to the proxy: fn gets the owner and the target (a *O
// and a *T) and returns a new *A, A being Via's target model, with the
// columns it wants set (a timestamp, a role). The session then points the
// object's Attr at the target and Via's back-reference at the owner.
// Without a creator the object starts zero. Safe to call while sessions
// use the model; SetCreator (the function) checks the types.
func (p *Proxy) SetCreator(fn func(owner, target any) any) {
	if fn == nil {
		p.creator.Store(nil)
		return
	}
	p.creator.Store(&fn)
}

// Create returns a new association object linking owner to target: the
// creator's (see SetCreator) or a zeroed one, with Attr set to target and
// Via's many-to-one back-reference, if any, set to owner. A creator
// returning anything but a new *A is an error naming the proxy.
func (p *Proxy) Create(owner, target Ref) (Ref, error) {
	am := p.Via.Target
	var obj Ref
	if fn := p.creator.Load(); fn != nil {
		v := (*fn)(p.Owner.Object(owner), p.Attr.Target.Object(target))
		rv := reflect.ValueOf(v)
		if !rv.IsValid() || rv.Type() != reflect.PointerTo(am.Type) || rv.IsNil() {
			return Ref{}, fmt.Errorf("mapper: %s.%s: the creator returned %T, want a new *%s", p.Owner.Name, p.Name, v, am.Name)
		}
		obj = am.Ref(v)
	} else {
		_, obj = am.New()
	}
	p.Attr.Set(obj, []Ref{target})
	if b := p.Via.Backref; b != nil && b.Kind == ManyToOne {
		b.Set(obj, []Ref{owner})
	}
	return obj, nil
}

// SetCreator sets the creator of the association proxy field of model O in
// registry r (see Proxy.SetCreator), typed: O is the owner, A the
// association model, T the proxy's target. It fails when O has no proxy
// field named field or the types do not match it.
func SetCreator[O, A, T any](r *Registry, field string, fn func(owner *O, target *T) *A) error {
	m, err := r.Of(reflect.TypeFor[O]())
	if err != nil {
		return err
	}
	p, ok := m.Proxy(field)
	if !ok {
		return fmt.Errorf("mapper: model %s: no association proxy %q: %w", m.Name, field, ErrUnknownColumn)
	}
	if at, tt := reflect.TypeFor[A](), reflect.TypeFor[T](); at != p.Via.Target.Type || tt != p.Attr.Target.Type {
		return fmt.Errorf("mapper: %s.%s: creator of *%v for *%v, want *%s for *%s: %w",
			m.Name, field, at, tt, p.Via.Target.Name, p.Attr.Target.Name, ErrBadRelation)
	}
	p.SetCreator(func(owner, target any) any { return fn(owner.(*O), target.(*T)) })
	return nil
}

// proxyDraft is a proxy field found by fields, resolved once the
// relationships are.
type proxyDraft struct {
	d      *draft
	p      *Proxy
	tag    tag
	target reflect.Type
}

// proxyField drafts the proxy field sf of d.
func (b *build) proxyField(d *draft, sf reflect.StructField, tg tag, raw string, base uintptr) error {
	m := d.m
	for _, k := range tg.order {
		if k != "proxy" {
			return fieldError(m.Name, sf.Name, raw, ErrBadTag, "option %q on an association proxy (it takes proxy: only)", k)
		}
	}
	target, many, ok := relTarget(sf.Type)
	if !ok || !many || tg.name != "" {
		return fieldError(m.Name, sf.Name, raw, ErrBadTag, "an association proxy is a []*T field without a column name")
	}
	p := &Proxy{Name: sf.Name, Owner: m}
	p.field = &Relation{Name: sf.Name, Owner: m, offset: base + sf.Offset, many: true}
	m.proxies = append(m.proxies, p)
	b.proxies = append(b.proxies, proxyDraft{d: d, p: p, tag: tg, target: target})
	return nil
}

// resolveProxies links the proxies drafted in this build to their
// relationships: Via a one-to-many of the owner, Attr a many-to-one of
// Via's target whose target is the field's element type.
func (b *build) resolveProxies() error {
	for _, pd := range b.proxies {
		p, m := pd.p, pd.d.m
		fail := func(format string, a ...any) error {
			return fieldError(m.Name, p.Name, pd.tag.raw, ErrBadRelation, format, a...)
		}
		via, attr, ok := strings.Cut(pd.tag.vals["proxy"], ".")
		if !ok || via == "" || attr == "" || strings.Contains(attr, ".") {
			return fieldError(m.Name, p.Name, pd.tag.raw, ErrBadTag, "proxy %q: want Collection.Relationship", pd.tag.vals["proxy"])
		}
		vr, ok := m.relByName[via]
		if !ok || vr.Kind != OneToMany {
			return fail("proxy %q: %s is not a one-to-many relationship of %s", pd.tag.vals["proxy"], via, m.Name)
		}
		ar, ok := vr.Target.relByName[attr]
		if !ok || ar.Kind != ManyToOne {
			return fail("proxy %q: %s is not a many-to-one relationship of %s", pd.tag.vals["proxy"], attr, vr.Target.Name)
		}
		if ar.Target.Type != pd.target {
			return fail("proxy %q: %s.%s holds %s, the field holds %s", pd.tag.vals["proxy"], vr.Target.Name, attr, ar.Target.Name, pd.target.Name())
		}
		if !vr.Cascade.Has(CascadeSaveUpdate) {
			return fail("proxy %q: %s.%s needs the save-update cascade, to insert the association objects the proxy makes", pd.tag.vals["proxy"], m.Name, via)
		}
		p.Via, p.Attr = vr, ar
		p.field.Target = ar.Target
	}
	return nil
}
