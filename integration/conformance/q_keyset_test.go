package conformance

import (
	"context"
	"fmt"
	"slices"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/session"
)

// Keyset pagination on Chinook: each question walks every page forward
// and then back from the last one, requires both walks to give the same
// sequence, and answers it; the oracle is the hand-written ORDER BY (NULL
// placement written with CASE, the same on every dialect).
func keysetQuestions() []question {
	return []question{
		ormQ("keyset/tracks by price desc then name (ties, decimals)", `SELECT TrackId FROM Track ORDER BY UnitPrice DESC, Name, TrackId`,
			func(ctx context.Context, e *env) ([][]any, error) {
				return walkPages(ctx, session.Query[Track](e.session()).OrderBy("-UnitPrice", "Name"), 100,
					func(t *Track) int64 { return t.TrackID })
			}),
		ormQ("keyset/tracks by composer (NULLs last) then milliseconds desc", `SELECT TrackId FROM Track ORDER BY CASE WHEN Composer IS NULL THEN 1 ELSE 0 END, Composer, Milliseconds DESC, TrackId`,
			func(ctx context.Context, e *env) ([][]any, error) {
				return walkPages(ctx, session.Query[Track](e.session()).OrderBy("Composer", "-Milliseconds"), 100,
					func(t *Track) int64 { return t.TrackID })
			}),
		ormQ("keyset/tracks by artist name desc (NULLs first), album title, id desc", `SELECT t.TrackId FROM Track t JOIN Album al ON al.AlbumId = t.AlbumId JOIN Artist ar ON ar.ArtistId = al.ArtistId
			ORDER BY CASE WHEN ar.Name IS NULL THEN 0 ELSE 1 END, ar.Name DESC, al.Title, t.TrackId DESC`,
			func(ctx context.Context, e *env) ([][]any, error) {
				q := session.Query[Track](e.session()).Join("Album.Artist").OrderBy("-Album.Artist.Name", "Album.Title", "-TrackID")
				return walkPages(ctx, q, 150, func(t *Track) int64 { return t.TrackID })
			}),
		ormQ("keyset/customers' invoices by date desc then total, filtered", `SELECT InvoiceId FROM Invoice WHERE Total > 2 ORDER BY InvoiceDate DESC, Total, InvoiceId`,
			func(ctx context.Context, e *env) ([][]any, error) {
				q := session.Query[Invoice](e.session())
				q = q.Where(core.Gt(q.C("Total"), 2)).OrderBy("-InvoiceDate", "Total")
				return walkPages(ctx, q, 13, func(i *Invoice) int64 { return i.InvoiceID })
			}),
	}
}

// walkPages reads every page of q forward, then back from the last, and
// answers the ids in order.
func walkPages[T any](ctx context.Context, q *session.QueryOf[T], size int, id func(*T) int64) ([][]any, error) {
	var fwd [][]int64
	var last *session.PageOf[T]
	req := session.PageRequest{Size: size}
	for {
		p, err := q.Page(ctx, req)
		if err != nil {
			return nil, err
		}
		var ids []int64
		for _, o := range p.Items {
			ids = append(ids, id(o))
		}
		fwd = append(fwd, ids)
		last = p
		if !p.HasNext {
			break
		}
		if len(fwd) > 10000 {
			return nil, fmt.Errorf("page walk does not end")
		}
		req = session.PageRequest{Size: size, After: p.Next}
	}
	var back [][]int64
	for p := last; p.HasPrev; {
		var err error
		if p, err = q.Page(ctx, session.PageRequest{Size: size, Before: p.Prev}); err != nil {
			return nil, err
		}
		var ids []int64
		for _, o := range p.Items {
			ids = append(ids, id(o))
		}
		back = append(back, ids)
		if len(back) > len(fwd) {
			return nil, fmt.Errorf("backward walk longer than forward")
		}
	}
	slices.Reverse(back)
	if !slices.EqualFunc(back, fwd[:len(fwd)-1], slices.Equal) {
		return nil, fmt.Errorf("backward pages %v differ from forward %v", back, fwd[:len(fwd)-1])
	}
	var out [][]any
	for _, page := range fwd {
		for _, i := range page {
			out = append(out, r(i))
		}
	}
	return out, nil
}
