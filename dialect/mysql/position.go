package mysql

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/athanor-orm/athanor/core"
)

// Replica-position primitives. MariaDB and MySQL both use GTIDs but in
// different forms: MariaDB a position per replication domain
// ("0-1-42,1-2-7": domain-server-sequence), MySQL a set of executed
// transaction ranges per source UUID ("3E11FA47-…:1-5:7-9"). A replica has
// reached a commit when its position covers the commit's.

// GTIDPos is a MariaDB GTID position: per domain, the last applied GTID.
type GTIDPos map[uint32]GTID

// GTID is one MariaDB global transaction ID.
type GTID struct {
	Domain uint32
	Server uint32
	Seq    uint64
}

// ParseGTIDPos parses a MariaDB position such as @@gtid_binlog_pos,
// @@last_gtid or @@gtid_slave_pos. The empty string is the empty position.
func ParseGTIDPos(s string) (GTIDPos, error) {
	p := GTIDPos{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		f := strings.Split(part, "-")
		if len(f) != 3 {
			return nil, fmt.Errorf("mysql: invalid MariaDB GTID %q: want domain-server-sequence", part)
		}
		d, err1 := strconv.ParseUint(f[0], 10, 32)
		sv, err2 := strconv.ParseUint(f[1], 10, 32)
		n, err3 := strconv.ParseUint(f[2], 10, 64)
		if err1 != nil || err2 != nil || err3 != nil {
			return nil, fmt.Errorf("mysql: invalid MariaDB GTID %q: fields must be unsigned integers", part)
		}
		g := GTID{Domain: uint32(d), Server: uint32(sv), Seq: n}
		if old, ok := p[g.Domain]; ok && old.Seq >= g.Seq {
			continue
		}
		p[g.Domain] = g
	}
	return p, nil
}

// Covers reports whether p has applied everything in q: for every domain
// of q, p's sequence number is at least q's.
func (p GTIDPos) Covers(q GTIDPos) bool {
	for d, g := range q {
		if p[d].Seq < g.Seq {
			return false
		}
	}
	return true
}

// Merge returns the newer of p and q per domain.
func (p GTIDPos) Merge(q GTIDPos) GTIDPos {
	out := make(GTIDPos, len(p)+len(q))
	for d, g := range p {
		out[d] = g
	}
	for d, g := range q {
		if out[d].Seq < g.Seq || (out[d] == GTID{}) {
			out[d] = g
		}
	}
	return out
}

// String returns the position in MariaDB's syntax, domains in order, as
// MASTER_GTID_WAIT accepts it.
func (p GTIDPos) String() string {
	ds := make([]uint32, 0, len(p))
	for d := range p {
		ds = append(ds, d)
	}
	slices.Sort(ds)
	var b strings.Builder
	for i, d := range ds {
		if i > 0 {
			b.WriteByte(',')
		}
		g := p[d]
		fmt.Fprintf(&b, "%d-%d-%d", g.Domain, g.Server, g.Seq)
	}
	return b.String()
}

// GTIDSet is a MySQL GTID set: per source (a server UUID, with an optional
// ":tag" on MySQL 8.3+), the executed transaction numbers as sorted,
// non-overlapping closed intervals.
type GTIDSet map[string][]Interval

// Interval is a closed range of transaction numbers.
type Interval struct{ Lo, Hi uint64 }

// ParseGTIDSet parses MySQL's @@gtid_executed syntax
// ("uuid:1-5:7,uuid2:1-3"; whitespace and newlines are ignored).
func ParseGTIDSet(s string) (GTIDSet, error) {
	set := GTIDSet{}
	for _, part := range strings.Split(s, ",") {
		part = strings.Join(strings.Fields(part), "")
		if part == "" {
			continue
		}
		f := strings.Split(part, ":")
		if len(f) < 2 {
			return nil, fmt.Errorf("mysql: invalid GTID set element %q: want uuid:interval", part)
		}
		source := strings.ToLower(f[0])
		for _, r := range f[1:] {
			lo, hi, isRange := strings.Cut(r, "-")
			a, err := strconv.ParseUint(lo, 10, 64)
			if err != nil {
				// A tag: later intervals belong to uuid:tag.
				if isRange || r == "" {
					return nil, fmt.Errorf("mysql: invalid GTID interval %q in %q", r, part)
				}
				source = strings.ToLower(f[0]) + ":" + r
				continue
			}
			b := a
			if isRange {
				if b, err = strconv.ParseUint(hi, 10, 64); err != nil || b < a {
					return nil, fmt.Errorf("mysql: invalid GTID interval %q in %q", r, part)
				}
			}
			set[source] = append(set[source], Interval{a, b})
		}
	}
	for k, iv := range set {
		set[k] = normalize(iv)
	}
	return set, nil
}

func normalize(iv []Interval) []Interval {
	slices.SortFunc(iv, func(a, b Interval) int {
		switch {
		case a.Lo < b.Lo:
			return -1
		case a.Lo > b.Lo:
			return 1
		}
		return 0
	})
	out := iv[:0]
	for _, x := range iv {
		if n := len(out); n > 0 && x.Lo <= out[n-1].Hi+1 {
			out[n-1].Hi = max(out[n-1].Hi, x.Hi)
			continue
		}
		out = append(out, x)
	}
	return out
}

// Covers reports whether every transaction in q is in s.
func (s GTIDSet) Covers(q GTIDSet) bool {
	for src, need := range q {
		have := s[src]
		for _, n := range need {
			if !slices.ContainsFunc(have, func(h Interval) bool { return h.Lo <= n.Lo && n.Hi <= h.Hi }) {
				return false
			}
		}
	}
	return true
}

// Union returns the set of transactions in s or q.
func (s GTIDSet) Union(q GTIDSet) GTIDSet {
	out := make(GTIDSet, len(s)+len(q))
	for src, iv := range s {
		out[src] = append([]Interval(nil), iv...)
	}
	for src, iv := range q {
		out[src] = normalize(append(out[src], iv...))
	}
	return out
}

// String returns the set in MySQL's syntax, sources in order.
func (s GTIDSet) String() string {
	srcs := make([]string, 0, len(s))
	for k := range s {
		srcs = append(srcs, k)
	}
	slices.Sort(srcs)
	var b strings.Builder
	for i, src := range srcs {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(src)
		for _, iv := range s[src] {
			if iv.Lo == iv.Hi {
				fmt.Fprintf(&b, ":%d", iv.Lo)
			} else {
				fmt.Fprintf(&b, ":%d-%d", iv.Lo, iv.Hi)
			}
		}
	}
	return b.String()
}

// The dialects' core.Replication: MariaDB's positions are GTIDPos values
// ("mariadb:0-1-42"), MySQL's GTIDSet values ("mysql:uuid:1-5").

func init() {
	core.RegisterReplication(Dialect)
	core.RegisterReplication(MariaDB)
}

var (
	_ core.Replication     = Dialect
	_ core.ReplicaPosition = mariadbPosition{}
	_ core.ReplicaPosition = mysqlPosition{}
)

// mariadbPosition is a GTIDPos as a core.ReplicaPosition.
type mariadbPosition struct{ p GTIDPos }

func (p mariadbPosition) Covers(q core.ReplicaPosition) bool {
	o, ok := q.(mariadbPosition)
	return ok && p.p.Covers(o.p)
}

func (p mariadbPosition) Merge(q core.ReplicaPosition) core.ReplicaPosition {
	if o, ok := q.(mariadbPosition); ok {
		return mariadbPosition{p.p.Merge(o.p)}
	}
	return p
}

func (p mariadbPosition) String() string { return p.p.String() }

// mysqlPosition is a GTIDSet as a core.ReplicaPosition.
type mysqlPosition struct{ s GTIDSet }

func (p mysqlPosition) Covers(q core.ReplicaPosition) bool {
	o, ok := q.(mysqlPosition)
	return ok && p.s.Covers(o.s)
}

func (p mysqlPosition) Merge(q core.ReplicaPosition) core.ReplicaPosition {
	if o, ok := q.(mysqlPosition); ok {
		return mysqlPosition{p.s.Union(o.s)}
	}
	return p
}

func (p mysqlPosition) String() string { return p.s.String() }

// PositionScheme implements core.Replication: "mariadb" or "mysql".
func (d dialect) PositionScheme() string { return d.Name() }

// ParsePosition implements core.Replication: a GTIDPos on MariaDB, a
// GTIDSet on MySQL.
func (d dialect) ParsePosition(s string) (core.ReplicaPosition, error) {
	if d.mariadb {
		p, err := ParseGTIDPos(s)
		if err != nil {
			return nil, err
		}
		return mariadbPosition{p}, nil
	}
	set, err := ParseGTIDSet(s)
	if err != nil {
		return nil, err
	}
	return mysqlPosition{set}, nil
}

// PrimaryPositionQuery implements core.Replication: MariaDB's binlog
// position, MySQL's executed set.
func (d dialect) PrimaryPositionQuery() string {
	if d.mariadb {
		return "SELECT @@gtid_binlog_pos"
	}
	return mysqlExecutedQuery
}

// ParsePrimaryPosition implements core.Replication.
func (d dialect) ParsePrimaryPosition(s string) (core.ReplicaPosition, error) {
	return d.ParsePosition(s)
}

// ReplicaPositionQuery implements core.Replication: MariaDB's replica
// position, MySQL's executed set.
func (d dialect) ReplicaPositionQuery() string {
	if d.mariadb {
		return "SELECT @@gtid_slave_pos"
	}
	return mysqlExecutedQuery
}

// ParseReplicaPosition implements core.Replication.
func (d dialect) ParseReplicaPosition(s string) (core.ReplicaPosition, error) {
	return d.ParsePosition(s)
}

const mysqlExecutedQuery = "SELECT @@GLOBAL.gtid_executed"

// WaitPositionQuery implements core.Replication: MASTER_GTID_WAIT on
// MariaDB, WAIT_FOR_EXECUTED_GTID_SET on MySQL; both return 0 once the
// position is reached.
func (d dialect) WaitPositionQuery() string {
	if d.mariadb {
		return "SELECT MASTER_GTID_WAIT(?, ?)"
	}
	return "SELECT WAIT_FOR_EXECUTED_GTID_SET(?, ?)"
}
