package router

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Token is a causal token: for each bind group the caller wrote to, the
// primary's position at the caller's last commit there. A read carrying a
// token is served only by a replica that has replayed up to it (or by the
// primary), so the caller reads its own writes.
//
// Tokens are immutable values, safe to share. They travel in a context
// (WithToken) and as a compact string (String / ParseToken) for a cookie or
// header, so the next HTTP request of the same client keeps the guarantee.
type Token struct {
	entries []tokenEntry // sorted by group, unique
}

type tokenEntry struct {
	group string
	pos   Position
}

// NewToken returns a token holding one group's position.
func NewToken(group string, pos Position) Token {
	if pos.IsZero() {
		return Token{}
	}
	return Token{entries: []tokenEntry{{group, pos}}}
}

// IsZero reports whether the token requires nothing.
func (t Token) IsZero() bool { return len(t.entries) == 0 }

// Position returns the token's position for group (zero if none).
func (t Token) Position(group string) Position {
	i, ok := slices.BinarySearchFunc(t.entries, group, func(e tokenEntry, g string) int { return strings.Compare(e.group, g) })
	if !ok {
		return Position{}
	}
	return t.entries[i].pos
}

// Groups lists the bind groups the token constrains.
func (t Token) Groups() []string {
	out := make([]string, len(t.entries))
	for i, e := range t.entries {
		out[i] = e.group
	}
	return out
}

// Merge returns a token requiring both t and u: per group, the newer
// position wins.
func (t Token) Merge(u Token) Token {
	if u.IsZero() {
		return t
	}
	if t.IsZero() {
		return u
	}
	out := make([]tokenEntry, 0, len(t.entries)+len(u.entries))
	i, j := 0, 0
	for i < len(t.entries) || j < len(u.entries) {
		switch {
		case j == len(u.entries) || (i < len(t.entries) && t.entries[i].group < u.entries[j].group):
			out = append(out, t.entries[i])
			i++
		case i == len(t.entries) || u.entries[j].group < t.entries[i].group:
			out = append(out, u.entries[j])
			j++
		default:
			out = append(out, tokenEntry{t.entries[i].group, t.entries[i].pos.Merge(u.entries[j].pos)})
			i++
			j++
		}
	}
	return Token{entries: out}
}

const tokenVersion = "v1."

// String encodes the token for transport: "v1." and URL-safe base64 of
// "group=position" lines, safe in cookies, headers and URLs. The zero token
// encodes as "".
func (t Token) String() string {
	if t.IsZero() {
		return ""
	}
	var b strings.Builder
	for i, e := range t.entries {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.group)
		b.WriteByte('=')
		b.WriteString(e.pos.String())
	}
	return tokenVersion + base64.RawURLEncoding.EncodeToString([]byte(b.String()))
}

// ErrInvalidToken is returned (wrapped) by ParseToken for malformed input.
var ErrInvalidToken = errors.New("router: invalid causal token")

// maxTokenLen bounds what ParseToken accepts: tokens come from clients.
const maxTokenLen = 4096

// ParseToken decodes String's form. The empty string is the zero token.
func ParseToken(s string) (Token, error) {
	if s == "" {
		return Token{}, nil
	}
	if len(s) > maxTokenLen {
		return Token{}, fmt.Errorf("%w: %d bytes, at most %d", ErrInvalidToken, len(s), maxTokenLen)
	}
	body, ok := strings.CutPrefix(s, tokenVersion)
	if !ok {
		return Token{}, fmt.Errorf("%w: unknown version", ErrInvalidToken)
	}
	raw, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil {
		return Token{}, fmt.Errorf("%w: %w", ErrInvalidToken, err)
	}
	var t Token
	for _, line := range strings.Split(string(raw), "\n") {
		group, ps, ok := strings.Cut(line, "=")
		if !ok || group == "" {
			return Token{}, fmt.Errorf("%w: entry %q is not group=position", ErrInvalidToken, line)
		}
		p, err := ParsePosition(ps)
		if err != nil {
			return Token{}, fmt.Errorf("%w: group %q: %w", ErrInvalidToken, group, err)
		}
		t = t.Merge(NewToken(group, p))
	}
	return t, nil
}

type tokenKey struct{}

// WithToken returns a context carrying t merged with any token ctx already
// carries, so a read through the context waits for both.
func WithToken(ctx context.Context, t Token) context.Context {
	if old, ok := ctx.Value(tokenKey{}).(Token); ok {
		t = old.Merge(t)
	}
	return context.WithValue(ctx, tokenKey{}, t)
}

// TokenFrom returns the token ctx carries, if any.
func TokenFrom(ctx context.Context) (Token, bool) {
	t, ok := ctx.Value(tokenKey{}).(Token)
	return t, ok && !t.IsZero()
}

// tokenPosition is the position t requires of g. A position of another
// kind than g's primary writes (a PostgreSQL LSN for a MariaDB group, say:
// a token from another deployment, or forged) is refused: no replica of g
// can be known to have reached it, and taking it for reached would break
// read-your-writes. PrimaryPosition is valid in any group: it sends the
// read to the primary. A group without replication positions needs
// nothing.
func (g *Group) tokenPosition(t Token) (Position, error) {
	p := t.Position(g.name)
	if p.IsZero() || g.kind == PositionNone || p.kind == g.kind || p.kind == PositionPrimary {
		return p, nil
	}
	return Position{}, fmt.Errorf("%w: group %q replicates by %s positions, the token holds %s position %s",
		ErrInvalidToken, g.name, g.kind, p.kind, p)
}
