package main

import (
	"fmt"
	"slices"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/session"
)

// The response shapes of the spec.

type userJSON struct {
	Email    string `json:"email"`
	Token    string `json:"token"`
	Username string `json:"username"`
	Bio      string `json:"bio"`
	Image    string `json:"image"`
}

type profileJSON struct {
	Username  string `json:"username"`
	Bio       string `json:"bio"`
	Image     string `json:"image"`
	Following bool   `json:"following"`
}

// articleJSON is the spec's Article; Body is left out of list items,
// whose schema has no body.
type articleJSON struct {
	Slug           string      `json:"slug"`
	Title          string      `json:"title"`
	Description    string      `json:"description"`
	Body           *string     `json:"body,omitempty"`
	TagList        []string    `json:"tagList"`
	CreatedAt      string      `json:"createdAt"`
	UpdatedAt      string      `json:"updatedAt"`
	Favorited      bool        `json:"favorited"`
	FavoritesCount int64       `json:"favoritesCount"`
	Author         profileJSON `json:"author"`
}

type commentJSON struct {
	ID        int64       `json:"id"`
	CreatedAt string      `json:"createdAt"`
	UpdatedAt string      `json:"updatedAt"`
	Body      string      `json:"body"`
	Author    profileJSON `json:"author"`
}

func profileOf(u *User, following bool) profileJSON {
	return profileJSON{Username: u.Username, Bio: u.Bio, Image: u.Image, Following: following}
}

// following returns which of ids the caller follows: one statement,
// none when anonymous or ids is empty.
func (c *call) following(ids []int64) (map[int64]bool, error) {
	out := map[int64]bool{}
	if c.me == nil || len(ids) == 0 {
		return out, nil
	}
	f := c.a.tables.follows
	type row struct {
		FolloweeID int64 `db:"followee_id"`
	}
	rows, err := session.Scan[row](c.ctx, c.s, core.Select(f.C("followee_id")).From(f).
		Where(core.Eq(f.C("follower_id"), c.me.ID), core.In(f.C("followee_id"), ids)))
	if err != nil {
		return nil, fmt.Errorf("conduit: follows of user %d: %w", c.me.ID, err)
	}
	for _, r := range rows {
		out[r.FolloweeID] = true
	}
	return out, nil
}

// favorites returns, per article id, the favorites count and whether
// the caller is among them: one statement whatever the number of
// articles.
func (c *call) favorites(ids []int64) (counts map[int64]int64, mine map[int64]bool, err error) {
	counts, mine = map[int64]int64{}, map[int64]bool{}
	if len(ids) == 0 {
		return counts, mine, nil
	}
	f := c.a.tables.favorites
	var me int64
	if c.me != nil {
		me = c.me.ID
	}
	type row struct {
		ArticleID int64 `db:"article_id"`
		N         int64 `db:"n"`
		Mine      int64 `db:"mine"`
	}
	rows, err := session.Scan[row](c.ctx, c.s, core.Select(
		f.C("article_id"),
		core.As(core.Count(core.Star()), "n"),
		core.As(core.Sum(core.Case().When(core.Eq(f.C("user_id"), me), core.Literal(1)).Else(core.Literal(0))), "mine"),
	).From(f).Where(core.In(f.C("article_id"), ids)).GroupBy(f.C("article_id")))
	if err != nil {
		return nil, nil, fmt.Errorf("conduit: favorites: %w", err)
	}
	for _, r := range rows {
		counts[r.ArticleID] = r.N
		mine[r.ArticleID] = r.Mine > 0
	}
	return counts, mine, nil
}

// articleViews renders articles whose Author and Tags are loaded, with
// two more statements at most (favorites, follows). withBody is for
// single-article responses.
func (c *call) articleViews(arts []*Article, withBody bool) ([]articleJSON, error) {
	ids := make([]int64, 0, len(arts))
	authors := make([]int64, 0, len(arts))
	for _, a := range arts {
		ids = append(ids, a.ID)
		authors = append(authors, a.AuthorID)
	}
	counts, mine, err := c.favorites(ids)
	if err != nil {
		return nil, err
	}
	follows, err := c.following(authors)
	if err != nil {
		return nil, err
	}
	out := make([]articleJSON, 0, len(arts))
	for _, a := range arts {
		v := articleJSON{
			Slug: a.Slug, Title: a.Title, Description: a.Description,
			TagList:   tagNames(a.Tags),
			CreatedAt: timeJSON(a.CreatedAt), UpdatedAt: timeJSON(a.UpdatedAt),
			Favorited: mine[a.ID], FavoritesCount: counts[a.ID],
			Author: profileOf(a.Author, follows[a.AuthorID]),
		}
		if withBody {
			v.Body = &a.Body
		}
		out = append(out, v)
	}
	return out, nil
}

func (c *call) articleView(a *Article) (any, error) {
	vs, err := c.articleViews([]*Article{a}, true)
	if err != nil {
		return nil, err
	}
	return map[string]any{"article": vs[0]}, nil
}

// tagNames is the spec's tagList: names sorted alphabetically.
func tagNames(tags []*Tag) []string {
	out := make([]string, 0, len(tags))
	for _, t := range tags {
		out = append(out, t.Name)
	}
	slices.Sort(out)
	return out
}

func (c *call) commentViews(cs []*Comment) ([]commentJSON, error) {
	authors := make([]int64, 0, len(cs))
	for _, cm := range cs {
		authors = append(authors, cm.AuthorID)
	}
	follows, err := c.following(authors)
	if err != nil {
		return nil, err
	}
	out := make([]commentJSON, 0, len(cs))
	for _, cm := range cs {
		out = append(out, commentJSON{
			ID: cm.ID, CreatedAt: timeJSON(cm.CreatedAt), UpdatedAt: timeJSON(cm.UpdatedAt),
			Body: cm.Body, Author: profileOf(cm.Author, follows[cm.AuthorID]),
		})
	}
	return out, nil
}

func (c *call) userView(u *User) (any, error) {
	tok, err := c.a.newToken(u)
	if err != nil {
		return nil, err
	}
	return map[string]userJSON{"user": {Email: u.Email, Token: tok, Username: u.Username, Bio: u.Bio, Image: u.Image}}, nil
}
