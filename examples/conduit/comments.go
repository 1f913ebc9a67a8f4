package main

import (
	"errors"
	"net/http"
	"slices"
	"strconv"

	"github.com/athanor-orm/athanor"
	"github.com/athanor-orm/athanor/loader"
	"github.com/athanor-orm/athanor/session"
)

// GET /api/articles/{slug}/comments: the comments oldest first, with
// their authors: three statements, four with a caller (follows).
func (a *App) listComments(c *call) (int, any, error) {
	art, err := c.articleID()
	if err != nil {
		return 0, nil, err
	}
	cs, err := session.Query[Comment](c.s).Filter("ArticleID", art).OrderBy("CreatedAt", "ID").
		Options(loader.SelectIn("Author")).All(c.ctx)
	if err != nil {
		return 0, nil, err
	}
	views, err := c.commentViews(cs)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"comments": views}, nil
}

// articleID is the id of the path's article (404 when there is none).
func (c *call) articleID() (int64, error) {
	q := session.Query[Article](c.s)
	art, err := q.Filter("Slug", c.r.PathValue("slug")).Options(loader.LoadOnly("ID")).First(c.ctx)
	if errors.Is(err, athanor.ErrNoRows) {
		return 0, notFound("article")
	}
	if err != nil {
		return 0, err
	}
	return art.ID, nil
}

// POST /api/articles/{slug}/comments (200, as the spec says)
func (a *App) addComment(c *call) (int, any, error) {
	var req struct {
		Comment struct {
			Body *string `json:"body"`
		} `json:"comment"`
	}
	if err := decode(c.r, &req); err != nil {
		return 0, nil, err
	}
	if msgs := blank(nil, "body", req.Comment.Body); len(msgs) > 0 {
		return 0, nil, unprocessable(msgs...)
	}
	art, err := c.articleID()
	if err != nil {
		return 0, nil, err
	}
	t := now()
	cm := &Comment{Body: *req.Comment.Body, ArticleID: art, AuthorID: c.me.ID, Author: c.me, CreatedAt: t, UpdatedAt: t}
	if err := c.s.Add(cm); err != nil {
		return 0, nil, err
	}
	if err := c.s.Flush(c.ctx); err != nil { // for the id
		return 0, nil, err
	}
	views, err := c.commentViews([]*Comment{cm})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"comment": views[0]}, nil
}

// DELETE /api/articles/{slug}/comments/{id}
func (a *App) deleteComment(c *call) (int, any, error) {
	art, err := c.articleID()
	if err != nil {
		return 0, nil, err
	}
	id, err := strconv.ParseInt(c.r.PathValue("id"), 10, 64)
	if err != nil {
		return 0, nil, notFound("comment")
	}
	cm, err := session.Query[Comment](c.s).Filter("ID", id).Filter("ArticleID", art).First(c.ctx)
	if errors.Is(err, athanor.ErrNoRows) {
		return 0, nil, notFound("comment")
	}
	if err != nil {
		return 0, nil, err
	}
	if cm.AuthorID != c.me.ID {
		return 0, nil, forbidden("only the author may delete this comment")
	}
	if err := c.s.Delete(cm); err != nil {
		return 0, nil, err
	}
	return http.StatusNoContent, nil, c.s.Flush(c.ctx)
}

// GET /api/tags: the tags of at least one article, sorted.
func (a *App) listTags(c *call) (int, any, error) {
	q := session.Query[Tag](c.s)
	tags, err := q.Where(q.Any("Articles")).All(c.ctx)
	if err != nil {
		return 0, nil, err
	}
	names := make([]string, 0, len(tags))
	for _, t := range tags {
		names = append(names, t.Name)
	}
	slices.Sort(names) // byte order, as tagList, whatever the server's collation
	return http.StatusOK, map[string][]string{"tags": names}, nil
}
