package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"unicode"

	"github.com/athanor-orm/athanor"
	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/loader"
	"github.com/athanor-orm/athanor/session"
)

// listLoads are the relationships every article response shows, loaded
// with one statement each whatever the number of articles.
var listLoads = []loader.Option{loader.SelectIn("Author"), loader.SelectIn("Tags")}

// listArticles runs a list query (filters applied) as a page: one
// COUNT, one SELECT of the page, one per relationship, then favorites
// and follows: six statements, whatever the page size.
func (c *call) listArticles(q *session.QueryOf[Article]) (int, any, error) {
	limit, offset, err := pageOf(c.r)
	if err != nil {
		return 0, nil, err
	}
	n, err := q.Count(c.ctx)
	if err != nil {
		return 0, nil, err
	}
	arts, err := q.OrderBy("-CreatedAt", "-ID").Limit(limit).Offset(offset).Options(listLoads...).All(c.ctx)
	if err != nil {
		return 0, nil, err
	}
	views, err := c.articleViews(arts, false)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"articles": views, "articlesCount": n}, nil
}

// GET /api/articles?tag=&author=&favorited=&limit=&offset=
func (a *App) listAll(c *call) (int, any, error) {
	q := session.Query[Article](c.s)
	p := c.r.URL.Query()
	users := a.tables.users
	userID := func(name string) core.SelectQuery {
		return core.Select(users.C("id")).From(users).Where(core.Eq(users.C("username"), name))
	}
	if tag := p.Get("tag"); tag != "" {
		q = q.Where(q.Any("Tags", core.Eq(q.Related("Tags").C("Name"), tag)))
	}
	if author := p.Get("author"); author != "" {
		q = q.Where(core.In(q.C("AuthorID"), userID(author)))
	}
	if fav := p.Get("favorited"); fav != "" {
		q = q.Where(q.Any("Favorites", core.In(q.Related("Favorites").C("UserID"), userID(fav))))
	}
	return c.listArticles(q)
}

// GET /api/articles/feed: articles of the users the caller follows.
func (a *App) feed(c *call) (int, any, error) {
	f := a.tables.follows
	q := session.Query[Article](c.s)
	q = q.Where(core.In(q.C("AuthorID"),
		core.Select(f.C("followee_id")).From(f).Where(core.Eq(f.C("follower_id"), c.me.ID))))
	return c.listArticles(q)
}

// article reads the article of the path's slug with what its response
// shows (404 when there is none).
func (c *call) article() (*Article, error) {
	art, err := session.Query[Article](c.s).Filter("Slug", c.r.PathValue("slug")).
		Options(append(listLoads, loader.Undefer("Body"))...).First(c.ctx)
	if errors.Is(err, athanor.ErrNoRows) {
		return nil, notFound("article")
	}
	return art, err
}

// ownArticle is article, refused (403) unless the caller wrote it.
func (c *call) ownArticle() (*Article, error) {
	art, err := c.article()
	if err != nil {
		return nil, err
	}
	if art.AuthorID != c.me.ID {
		return nil, forbidden("only the author may change this article")
	}
	return art, nil
}

// GET /api/articles/{slug}
func (a *App) getArticle(c *call) (int, any, error) {
	art, err := c.article()
	if err != nil {
		return 0, nil, err
	}
	body, err := c.articleView(art)
	return http.StatusOK, body, err
}

// POST /api/articles
func (a *App) createArticle(c *call) (int, any, error) {
	var req struct {
		Article struct {
			Title       *string  `json:"title"`
			Description *string  `json:"description"`
			Body        *string  `json:"body"`
			TagList     []string `json:"tagList"`
		} `json:"article"`
	}
	if err := decode(c.r, &req); err != nil {
		return 0, nil, err
	}
	in := req.Article
	var msgs []string
	msgs = blank(msgs, "title", in.Title)
	msgs = blank(msgs, "description", in.Description)
	msgs = blank(msgs, "body", in.Body)
	if len(msgs) > 0 {
		return 0, nil, unprocessable(msgs...)
	}
	t := now()
	art := &Article{Title: *in.Title, Description: *in.Description, Body: *in.Body,
		AuthorID: c.me.ID, Author: c.me, CreatedAt: t, UpdatedAt: t}
	var err error
	if art.Slug, err = c.freeSlug(art.Title); err != nil {
		return 0, nil, err
	}
	if art.Tags, err = c.tags(in.TagList); err != nil {
		return 0, nil, err
	}
	if err := c.s.Add(art); err != nil {
		return 0, nil, err
	}
	if err := c.flushArticle(); err != nil {
		return 0, nil, err
	}
	body, err := c.articleView(art)
	return http.StatusCreated, body, err
}

// flushArticle writes now, so a slug taken by a concurrent request is a
// 422 rather than a failed commit.
func (c *call) flushArticle() error {
	err := c.s.Flush(c.ctx)
	if errors.Is(err, athanor.ErrUniqueViolation) {
		return unprocessable("slug has already been taken: retry")
	}
	return err
}

// tags returns the Tag objects of names (trimmed, deduplicated),
// inserting the missing ones: one INSERT … ON CONFLICT DO NOTHING and
// one SELECT, so two requests adding one new tag do not collide.
func (c *call) tags(names []string) ([]*Tag, error) {
	seen := map[string]bool{}
	var uniq []string
	for _, n := range names {
		n = strings.TrimSpace(n)
		if n == "" || seen[n] {
			continue
		}
		if len(n) > 100 {
			return nil, unprocessable("tag " + n[:20] + "… is longer than 100 bytes")
		}
		seen[n] = true
		uniq = append(uniq, n)
	}
	if len(uniq) == 0 {
		return nil, nil
	}
	t := c.a.tables.tags
	ins := core.Insert(t).Columns(t.C("name"))
	for _, n := range uniq {
		ins = ins.Values(n)
	}
	if _, err := c.s.Exec(c.ctx, ins.OnConflictDoNothing(t.C("name"))); err != nil {
		return nil, err
	}
	q := session.Query[Tag](c.s)
	return q.Where(core.In(q.C("Name"), uniq)).OrderBy("Name").All(c.ctx)
}

// slugify turns a title into lower-case words joined by '-'.
func slugify(title string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(title) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
			continue
		}
		dash = true
	}
	s := b.String()
	if len(s) > 200 {
		s = strings.TrimRight(s[:200], "-")
	}
	if s == "" {
		s = "article"
	}
	return s
}

// freeSlug is the title's slug, with a random suffix when another
// article has it.
func (c *call) freeSlug(title string) (string, error) {
	slug := slugify(title)
	taken, err := session.Query[Article](c.s).Filter("Slug", slug).Exists(c.ctx)
	if err != nil || !taken {
		return slug, err
	}
	var b [4]byte
	rand.Read(b[:])
	return slug + "-" + hex.EncodeToString(b[:]), nil
}

// PUT /api/articles/{slug}
func (a *App) updateArticle(c *call) (int, any, error) {
	var req struct {
		Article struct {
			Title       *string `json:"title"`
			Description *string `json:"description"`
			Body        *string `json:"body"`
		} `json:"article"`
	}
	if err := decode(c.r, &req); err != nil {
		return 0, nil, err
	}
	in := req.Article
	var msgs []string
	if in.Title != nil {
		msgs = blank(msgs, "title", in.Title)
	}
	if in.Description != nil {
		msgs = blank(msgs, "description", in.Description)
	}
	if in.Body != nil {
		msgs = blank(msgs, "body", in.Body)
	}
	if len(msgs) > 0 {
		return 0, nil, unprocessable(msgs...)
	}
	art, err := c.ownArticle()
	if err != nil {
		return 0, nil, err
	}
	if in.Title != nil && *in.Title != art.Title {
		art.Title = *in.Title
		if slug := slugify(art.Title); slug != art.Slug {
			if art.Slug, err = c.freeSlug(art.Title); err != nil {
				return 0, nil, err
			}
		}
	}
	if in.Description != nil {
		art.Description = *in.Description
	}
	if in.Body != nil {
		art.Body = *in.Body
	}
	art.UpdatedAt = now()
	if err := c.flushArticle(); err != nil {
		return 0, nil, err
	}
	body, err := c.articleView(art)
	return http.StatusOK, body, err
}

// DELETE /api/articles/{slug}: its comments, favorites and tag links go
// with it.
func (a *App) deleteArticle(c *call) (int, any, error) {
	art, err := c.ownArticle()
	if err != nil {
		return 0, nil, err
	}
	if err := c.s.Delete(art); err != nil {
		return 0, nil, err
	}
	return http.StatusNoContent, nil, c.s.Flush(c.ctx)
}

// POST /api/articles/{slug}/favorite
func (a *App) favorite(c *call) (int, any, error) {
	art, err := c.article()
	if err != nil {
		return 0, nil, err
	}
	f := a.tables.favorites
	if _, err := c.s.Exec(c.ctx, core.Insert(f).Columns(f.C("user_id"), f.C("article_id")).
		Values(c.me.ID, art.ID).OnConflictDoNothing(f.C("user_id"), f.C("article_id"))); err != nil {
		return 0, nil, err
	}
	body, err := c.articleView(art)
	return http.StatusOK, body, err
}

// DELETE /api/articles/{slug}/favorite
func (a *App) unfavorite(c *call) (int, any, error) {
	art, err := c.article()
	if err != nil {
		return 0, nil, err
	}
	f := a.tables.favorites
	if _, err := c.s.Exec(c.ctx, core.Delete(f).Where(
		core.Eq(f.C("user_id"), c.me.ID), core.Eq(f.C("article_id"), art.ID))); err != nil {
		return 0, nil, err
	}
	body, err := c.articleView(art)
	return http.StatusOK, body, err
}
