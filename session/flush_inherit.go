package session

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/athanor-orm/athanor"
	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/mapper"
)

// The flush of mapped hierarchies (see mapper.Inheritance): the
// discriminator is set on insert, and a joined-table subtype's row is
// two rows, the base table's and its own table's, written in FK order:
// inserted base first, deleted own first.

// ErrAbstractModel: an object of an abstract hierarchy base (a base whose
// discriminator tag gives no value) was added: only its subtypes have
// rows.
var ErrAbstractModel = errors.New("session: abstract base of a hierarchy has no rows of its own")

// ErrDiscriminatorChanged: an object's discriminator field holds another
// value than its model's: a row cannot change kind through the flush
// (its object would be of the wrong Go type).
var ErrDiscriminatorChanged = errors.New("session: discriminator does not match the object's model")

// checkKind refuses the update of e when its discriminator field was
// changed.
func checkKind(e *entry) error {
	h := e.m.Inheritance()
	if h == nil || h.Identity == nil || h.Discriminator.Unchanged(e.p, h.Identity) {
		return nil
	}
	return fmt.Errorf("update %s %s: discriminator %s is %v, not the model's %v: %w", e.m.Name, e.key, h.Discriminator.Name, h.Discriminator.Value(e.p), h.Identity, ErrDiscriminatorChanged)
}

// insertInherited sets the discriminator of es (objects of m, a model of
// a hierarchy) and, for a joined-table subtype, inserts them; done
// reports that it did (else the ordinary insert runs).
func (pl *plan) insertInherited(ctx context.Context, m *mapper.Model, es []*entry) (done bool, err error) {
	h := m.Inheritance()
	if h.Identity == nil {
		return true, fmt.Errorf("insert %s: %w", m.Name, ErrAbstractModel)
	}
	for _, e := range es {
		d := h.Discriminator
		if !d.IsZero(e.p) && !d.Unchanged(e.p, h.Identity) {
			return true, fmt.Errorf("insert %s: discriminator %s is %v, not the model's %v: %w", m.Name, d.Name, d.Value(e.p), h.Identity, ErrDiscriminatorChanged)
		}
		if err := pl.set(e, d, h.Identity); err != nil {
			return true, fmt.Errorf("insert %s: discriminator: %w", m.Name, err)
		}
	}
	if !h.Joined() {
		return false, nil
	}
	for _, e := range es {
		if err := pl.insertJoined(ctx, m, e); err != nil {
			return true, err
		}
	}
	return true, nil
}

// insertJoined inserts one joined-table subtype object: its base row
// (reading a generated key back), then its own row with the key copied.
func (pl *plan) insertJoined(ctx context.Context, m *mapper.Model, e *entry) error {
	h := m.Inheritance()
	own := h.Own()
	nk := len(m.PrimaryKey())
	auto := m.AutoIncrement()
	var cols []*core.Column
	var vals []any
	genKey := false
	for _, f := range m.Fields() {
		if slices.Contains(own[nk:], f) {
			continue
		}
		if f == auto && f.IsZero(e.p) {
			genKey = true
			continue
		}
		if f.HasDefault && f.IsNil(e.p) {
			continue
		}
		v, err := f.Bind(e.p)
		if err != nil {
			return fmt.Errorf("insert %s: %w", m.Name, err)
		}
		cols, vals = append(cols, f.Col), append(vals, v)
	}
	stmt := core.Insert(m.Table()).Columns(cols...).Values(vals...)
	switch {
	case genKey && pl.s.returningOf(m.Table()):
		var id int64
		err := func() error {
			pl.s.txMu.Lock()
			defer pl.s.txMu.Unlock()
			return pl.tx.QueryFunc(ctx, stmt.Returning(auto.Col), func(rs *engine.Rows) error {
				if rs.Next() {
					return rs.Scan(&id)
				}
				if err := rs.Err(); err != nil {
					return err
				}
				return fmt.Errorf("no key returned")
			})
		}()
		if err != nil {
			return fmt.Errorf("insert %s: table %s: %w", m.Name, m.Table().Name(), err)
		}
		if err := pl.set(e, auto, id); err != nil {
			return fmt.Errorf("insert %s: %w", m.Name, err)
		}
	default:
		res, err := pl.exec(ctx, stmt)
		if err != nil {
			return fmt.Errorf("insert %s: table %s: %w", m.Name, m.Table().Name(), err)
		}
		if genKey {
			if err := pl.set(e, auto, res.LastInsertID); err != nil {
				return fmt.Errorf("insert %s: %w", m.Name, err)
			}
		}
	}
	cols, vals = cols[:0], vals[:0]
	for i, f := range own {
		v, err := f.Bind(e.p)
		if err != nil {
			return fmt.Errorf("insert %s: %w", m.Name, err)
		}
		c := f.Col
		if i < nk {
			c = h.SubTable.C(f.Column) // the key, copied
		}
		cols, vals = append(cols, c), append(vals, v)
	}
	if _, err := pl.exec(ctx, core.Insert(h.SubTable).Columns(cols...).Values(vals...)); err != nil {
		return fmt.Errorf("insert %s: table %s: %w", m.Name, h.SubTable.Name(), err)
	}
	return nil
}

// updateJoined writes the changed columns of a joined-table subtype
// object: one UPDATE per table that has any (the base table's checks and
// bumps the version).
func (pl *plan) updateJoined(ctx context.Context, e *entry) error {
	ch := pl.changed(e)
	if len(ch) == 0 {
		return nil
	}
	m := e.m
	h := m.Inheritance()
	own := h.Own()[len(m.PrimaryKey()):]
	fields := m.Fields()
	base, sub := core.Update(m.Table()), core.Update(h.SubTable)
	nb, ns := 0, 0
	for _, i := range ch {
		f := fields[i]
		v, err := f.Bind(e.p)
		if err != nil {
			return fmt.Errorf("update %s %s: %w", m.Name, e.key, err)
		}
		if slices.Contains(own, f) {
			sub, ns = sub.Set(f.Col, v), ns+1
		} else {
			base, nb = base.Set(f.Col, v), nb+1
		}
	}
	for i, f := range m.PrimaryKey() {
		base = base.Where(core.Eq(f.Col, keyValue(e, i)))
		sub = sub.Where(core.Eq(h.SubTable.C(f.Column), keyValue(e, i)))
	}
	v := m.Version()
	var next int64
	if v != nil {
		cur := snapValue(e, v)
		n, err := toInt64(cur)
		if err != nil {
			return fmt.Errorf("update %s: version: %w", m.Name, err)
		}
		next = n + 1
		base, nb = base.Set(v.Col, next).Where(core.Eq(v.Col, cur)), nb+1
	}
	if nb > 0 {
		res, err := pl.exec(ctx, base)
		if err != nil {
			return fmt.Errorf("update %s %s: table %s: %w", m.Name, e.key, m.Table().Name(), err)
		}
		if res.RowsAffected == 0 {
			if v == nil {
				return fmt.Errorf("update %s %s: no row matched: %w", m.Name, e.key, athanor.ErrStaleObject)
			}
			return fmt.Errorf("update %s %s: version %v: %w", m.Name, e.key, snapValue(e, v), athanor.ErrStaleObject)
		}
	}
	if ns > 0 {
		res, err := pl.exec(ctx, sub)
		if err != nil {
			return fmt.Errorf("update %s %s: table %s: %w", m.Name, e.key, h.SubTable.Name(), err)
		}
		if res.RowsAffected == 0 && v == nil {
			return fmt.Errorf("update %s %s: no row matched in %s: %w", m.Name, e.key, h.SubTable.Name(), athanor.ErrStaleObject)
		}
	}
	if v != nil {
		if err := pl.set(e, v, next); err != nil {
			return err
		}
	}
	pl.noteUpdate(e)
	return nil
}

// deleteJoined deletes the own rows of es, joined-table subtype objects,
// before the ordinary delete removes their base rows.
func (pl *plan) deleteJoined(ctx context.Context, m *mapper.Model, es []*entry) error {
	h := m.Inheritance()
	pk := m.PrimaryKey()
	for chunk := range slices.Chunk(es, max(1, pl.rowsPerStatement(m.Table(), len(pk)))) {
		var where core.Expr
		if len(pk) == 1 {
			keys := make([]any, len(chunk))
			for i, e := range chunk {
				keys[i] = keyValue(e, 0)
			}
			where = core.In(h.SubTable.C(pk[0].Column), keys...)
		} else {
			ors := make([]core.Expr, len(chunk))
			for j, e := range chunk {
				and := make([]core.Expr, len(pk))
				for i, f := range pk {
					and[i] = core.Eq(h.SubTable.C(f.Column), keyValue(e, i))
				}
				ors[j] = core.And(and...)
			}
			where = core.Or(ors...)
		}
		if _, err := pl.exec(ctx, core.Delete(h.SubTable).Where(where)); err != nil {
			return fmt.Errorf("delete %s: table %s: %w", m.Name, h.SubTable.Name(), err)
		}
	}
	return nil
}

// inheritedFKs returns the foreign keys a model's rows depend on: its
// table's and a joined-table subtype's own table's (less the key's
// reference to the base table).
func inheritedFKs(m *mapper.Model) []core.ForeignKey {
	fks := m.Table().ForeignKeys()
	if h := m.Inheritance(); h != nil && h.Joined() {
		for _, fk := range h.SubTable.ForeignKeys() {
			if fk.RefTable != m.Table().Name() {
				fks = append(fks, fk)
			}
		}
	}
	return fks
}
