package load

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// world is what seeding made; read-only once the timed phase starts.
type world struct {
	tag      string // unique per run, so names never clash with earlier runs
	users    []account
	articles []string // slugs
	byAuthor [][]string
	tags     []string
	// cookies are the final seeding client's cookies: every simulated client
	// starts with them, so its first reads see all of the seed data even
	// when served by a replica.
	cookies []*http.Cookie
}

type account struct{ username, token string }

var tagPool = []string{
	"go", "sql", "postgres", "mysql", "sqlite", "orm", "replication", "sharding",
	"latency", "tracing", "migrations", "caching", "testing", "api", "json", "http",
}

func runTag() string { return fmt.Sprintf("%08x", uint32(time.Now().UnixNano()>>10)) }

func userName(tag string, n int) string { return fmt.Sprintf("ld%s_%d", tag, n) }

func registerBody(username string) newUser {
	var b newUser
	b.User.Username = username
	b.User.Email = username + "@load.example"
	b.User.Password = "load-" + username
	return b
}

func articleBody(rng *rand.Rand, title string) newArticle {
	var b newArticle
	b.Article.Title = title
	b.Article.Description = "About " + title
	b.Article.Body = "A body for " + title + ", written by the load generator."
	n := 1 + rng.IntN(3)
	for _, i := range rng.Perm(len(tagPool))[:n] {
		b.Article.TagList = append(b.Article.TagList, tagPool[i])
	}
	return b
}

// seed registers users, creates articles with tags, then follows, favorites
// and comments, so every read of the timed phase has data to return. Any
// failure is fatal: a run against a half-seeded server measures nothing.
func seed(ctx context.Context, cfg Config, tmpl *http.Client) (*world, Seeded, error) {
	start := time.Now()
	rng := rand.New(rand.NewPCG(uint64(cfg.Seed), 0x5eed))
	w := &world{tag: runTag(), tags: tagPool}
	var s Seeded

	w.users = make([]account, cfg.Users)
	err := parallel(ctx, cfg, tmpl, cfg.Users, func(ctx context.Context, c *client, i int) error {
		name := userName(w.tag, i)
		var out userEnvelope
		if err := c.call(ctx, Register, http.MethodPost, "/users", registerBody(name), &out); err != nil {
			return fmt.Errorf("load: seed user %s: %w", name, err)
		}
		w.users[i] = account{username: out.User.Username, token: out.User.Token}
		return nil
	})
	if err != nil {
		return nil, s, err
	}
	s.Users = cfg.Users

	// All but the last article in parallel; the last one closes seeding.
	bodies := make([]newArticle, cfg.Articles)
	for i := range bodies {
		bodies[i] = articleBody(rng, fmt.Sprintf("Seed %s %d", w.tag, i))
	}
	w.articles = make([]string, cfg.Articles)
	create := func(ctx context.Context, c *client, i int) error {
		c.token = w.users[i%cfg.Users].token
		var out articleEnvelope
		if err := c.call(ctx, CreateArticle, http.MethodPost, "/articles", bodies[i], &out); err != nil {
			return fmt.Errorf("load: seed article %q: %w", bodies[i].Article.Title, err)
		}
		w.articles[i] = out.Article.Slug
		return nil
	}
	if err := parallel(ctx, cfg, tmpl, cfg.Articles-1, create); err != nil {
		return nil, s, err
	}

	// Each user follows up to three others and favorites two articles; each
	// article but the last gets a comment from a user other than its author.
	type job struct {
		op           Op
		user, target int
	}
	var jobs []job
	for u := range cfg.Users {
		for k := 1; k <= min(3, cfg.Users-1); k++ {
			jobs = append(jobs, job{Follow, u, (u + k) % cfg.Users})
		}
		if cfg.Articles > 1 {
			for range 2 {
				jobs = append(jobs, job{Favorite, u, rng.IntN(cfg.Articles - 1)})
			}
		}
	}
	for a := range cfg.Articles - 1 {
		jobs = append(jobs, job{Comment, (a + 1) % cfg.Users, a})
	}
	err = parallel(ctx, cfg, tmpl, len(jobs), func(ctx context.Context, c *client, i int) error {
		j := jobs[i]
		c.token = w.users[j.user].token
		var err error
		switch j.op {
		case Follow:
			err = c.call(ctx, Follow, http.MethodPost, "/profiles/"+url.PathEscape(w.users[j.target].username)+"/follow", nil, &profileEnvelope{})
		case Favorite:
			err = c.call(ctx, Favorite, http.MethodPost, "/articles/"+url.PathEscape(w.articles[j.target])+"/favorite", nil, &articleEnvelope{})
		case Comment:
			var body newComment
			body.Comment.Body = "A seeded comment."
			err = c.call(ctx, Comment, http.MethodPost, "/articles/"+url.PathEscape(w.articles[j.target])+"/comments", body, &commentEnvelope{})
		}
		if err != nil {
			return fmt.Errorf("load: seed %s by %s: %w", j.op, w.users[j.user].username, err)
		}
		return nil
	})
	if err != nil {
		return nil, s, err
	}
	for _, j := range jobs {
		switch j.op {
		case Follow:
			s.Follows++
		case Favorite:
			s.Favorites++
		case Comment:
			s.Comments++
		}
	}

	// The last write, after all others: its causal token covers them all.
	last := newClient(tmpl, cfg.BaseURL, nil)
	if err := create(ctx, last, cfg.Articles-1); err != nil {
		return nil, s, err
	}
	s.Articles = cfg.Articles
	base, err := url.Parse(cfg.BaseURL + "/")
	if err != nil {
		return nil, s, fmt.Errorf("load: Config.BaseURL: %w", err)
	}
	for _, ck := range last.http.Jar.Cookies(base) {
		w.cookies = append(w.cookies, &http.Cookie{Name: ck.Name, Value: ck.Value, Path: "/"})
	}

	w.byAuthor = make([][]string, cfg.Users)
	for i, slug := range w.articles {
		w.byAuthor[i%cfg.Users] = append(w.byAuthor[i%cfg.Users], slug)
	}
	s.Elapsed = time.Since(start)
	return w, s, nil
}

// parallel runs fn for 0..n-1 on up to cfg.Concurrency clients, each with
// its own cookie jar, and returns the first error after all have stopped.
func parallel(ctx context.Context, cfg Config, tmpl *http.Client, n int, fn func(context.Context, *client, int) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	next := make(chan int)
	var (
		wg       sync.WaitGroup
		once     sync.Once
		firstErr error
	)
	for range min(cfg.Concurrency, n) {
		c := newClient(tmpl, cfg.BaseURL, nil)
		wg.Go(func() {
			for i := range next {
				if err := fn(ctx, c, i); err != nil {
					once.Do(func() { firstErr = err; cancel() })
				}
			}
		})
	}
feed:
	for i := range n {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if firstErr == nil && ctx.Err() != nil {
		// The caller's context ended the seeding.
		return fmt.Errorf("load: seed: %w", context.Cause(ctx))
	}
	return firstErr
}
