package load

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
)

// worker is one simulated client running the mix until its context ends.
// It reads seeded data and data it wrote itself (under its own causal
// token), never another client's fresh writes, which a replica may
// legitimately not have yet.
type worker struct {
	id   int
	c    *client
	rng  *rand.Rand
	w    *world
	pick picker
	me   int // index of the seeded user it is logged in as

	mine       []string // slugs it may update: seeded ones by its user, ones it created
	created    []string // slugs it created
	favorites  []string // slugs it favorited, unfavorited first
	followed   []string // usernames it followed, unfollowed first
	registered []string // usernames it registered
	seq        int      // makes its new names unique
}

func (wk *worker) run(ctx context.Context) {
	total := wk.pick.total()
	for ctx.Err() == nil {
		wk.do(ctx, wk.pick.pick(wk.rng.IntN(total)))
	}
}

func (wk *worker) name(kind string) string {
	wk.seq++
	return fmt.Sprintf("ld%s_%s%d_%d", wk.w.tag, kind, wk.id, wk.seq)
}

func (wk *worker) slug() string {
	if len(wk.created) > 0 && wk.rng.IntN(4) == 0 {
		return wk.created[wk.rng.IntN(len(wk.created))]
	}
	return wk.w.articles[wk.rng.IntN(len(wk.w.articles))]
}

func (wk *worker) seededUser() string { return wk.w.users[wk.rng.IntN(len(wk.w.users))].username }

// otherUser is a user it may follow: never itself.
func (wk *worker) otherUser() string {
	if len(wk.registered) > 0 && wk.rng.IntN(4) == 0 {
		return wk.registered[wk.rng.IntN(len(wk.registered))]
	}
	u := wk.rng.IntN(len(wk.w.users) - 1)
	if u >= wk.me {
		u++
	}
	return wk.w.users[u].username
}

func pop(s *[]string) (string, bool) {
	if len(*s) == 0 {
		return "", false
	}
	v := (*s)[len(*s)-1]
	*s = (*s)[:len(*s)-1]
	return v, true
}

func articlePath(slug string) string { return "/articles/" + url.PathEscape(slug) }

func profilePath(user string) string { return "/profiles/" + url.PathEscape(user) }

// do runs one operation; the client records its outcome. Errors only change
// what the worker remembers (a failed create leaves no slug behind).
func (wk *worker) do(ctx context.Context, op Op) {
	c, get := wk.c, http.MethodGet
	switch op {
	case ListArticles:
		q := url.Values{}
		if wk.rng.IntN(4) > 0 { // otherwise the spec's defaults (20, 0)
			limit := []int{5, 10, 20, 50}[wk.rng.IntN(4)]
			q.Set("limit", strconv.Itoa(limit))
			q.Set("offset", strconv.Itoa(wk.rng.IntN(max(len(wk.w.articles)-limit, 0)+1)))
		}
		c.call(ctx, op, get, withQuery("/articles", q), nil, &articlesEnvelope{})
	case ArticlesByTag:
		q := url.Values{"tag": {wk.w.tags[wk.rng.IntN(len(wk.w.tags))]}, "limit": {"20"}}
		c.call(ctx, op, get, withQuery("/articles", q), nil, &articlesEnvelope{})
	case ArticlesByAuthor:
		q := url.Values{"author": {wk.seededUser()}, "limit": {"20"}}
		c.call(ctx, op, get, withQuery("/articles", q), nil, &articlesEnvelope{})
	case ArticlesByFavorite:
		q := url.Values{"favorited": {wk.seededUser()}, "limit": {"20"}}
		c.call(ctx, op, get, withQuery("/articles", q), nil, &articlesEnvelope{})
	case Feed:
		q := url.Values{"limit": {"20"}, "offset": {strconv.Itoa(wk.rng.IntN(2) * 20)}}
		c.call(ctx, op, get, withQuery("/articles/feed", q), nil, &articlesEnvelope{})
	case GetArticle:
		c.call(ctx, op, get, articlePath(wk.slug()), nil, &articleEnvelope{})
	case ListComments:
		c.call(ctx, op, get, articlePath(wk.slug())+"/comments", nil, &commentsEnvelope{})
	case GetProfile:
		user := wk.seededUser()
		if len(wk.registered) > 0 && wk.rng.IntN(4) == 0 {
			user = wk.registered[wk.rng.IntN(len(wk.registered))]
		}
		c.call(ctx, op, get, profilePath(user), nil, &profileEnvelope{})
	case ListTags:
		c.call(ctx, op, get, "/tags", nil, &tagsEnvelope{})

	case Register:
		// A new visitor signs up; this client stays logged in as itself.
		name := wk.name("r")
		var out userEnvelope
		saved := c.token
		c.token = ""
		err := c.call(ctx, op, http.MethodPost, "/users", registerBody(name), &out)
		c.token = saved
		if err == nil {
			wk.registered = append(wk.registered, out.User.Username)
		}
	case CreateArticle:
		wk.create(ctx)
	case UpdateArticle:
		if len(wk.mine) == 0 {
			wk.create(ctx) // its user has no article yet: write one first
			return
		}
		var body articleUpdate
		body.Article.Description = "Updated " + wk.name("d")
		body.Article.Body = "An updated body, by the load generator."
		c.call(ctx, op, http.MethodPut, articlePath(wk.mine[wk.rng.IntN(len(wk.mine))]), body, &articleEnvelope{})
	case Favorite:
		slug := wk.slug()
		if c.call(ctx, op, http.MethodPost, articlePath(slug)+"/favorite", nil, &articleEnvelope{}) == nil {
			wk.favorites = append(wk.favorites, slug)
		}
	case Unfavorite:
		slug, ok := pop(&wk.favorites)
		if !ok {
			slug = wk.slug() // the spec answers 200 for an article not favorited
		}
		c.call(ctx, op, http.MethodDelete, articlePath(slug)+"/favorite", nil, &articleEnvelope{})
	case Comment:
		var body newComment
		body.Comment.Body = "A comment, " + wk.name("c")
		c.call(ctx, op, http.MethodPost, articlePath(wk.slug())+"/comments", body, &commentEnvelope{})
	case Follow:
		user := wk.otherUser()
		if c.call(ctx, op, http.MethodPost, profilePath(user)+"/follow", nil, &profileEnvelope{}) == nil {
			wk.followed = append(wk.followed, user)
		}
	case Unfollow:
		user, ok := pop(&wk.followed)
		if !ok {
			user = wk.otherUser()
		}
		c.call(ctx, op, http.MethodDelete, profilePath(user)+"/follow", nil, &profileEnvelope{})
	}
}

func (wk *worker) create(ctx context.Context) {
	body := articleBody(wk.rng, "Load "+wk.name("a"))
	var out articleEnvelope
	if wk.c.call(ctx, CreateArticle, http.MethodPost, "/articles", body, &out) == nil {
		wk.created = append(wk.created, out.Article.Slug)
		wk.mine = append(wk.mine, out.Article.Slug)
	}
}

func withQuery(path string, q url.Values) string {
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}
