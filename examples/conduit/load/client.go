package load

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"time"
)

// Pseudo statuses under which Stats.ByStatus counts failures that have no
// HTTP status of their own.
const (
	// StatusTransport counts requests that got no response (connection
	// refused or reset, timeouts of the client's own).
	StatusTransport = 0
	// StatusBadBody counts 2xx responses whose body is not the spec's JSON
	// shape for the operation.
	StatusBadBody = -1
)

// StatusError is a response the workload did not expect: a non-2xx status,
// no response at all (Status StatusTransport, Err set) or a 2xx whose body is
// not the spec's shape (Status StatusBadBody).
type StatusError struct {
	Op     Op
	Method string
	Path   string
	Status int
	Body   string // start of the response body
	Err    error  // transport or decoding cause
}

func (e *StatusError) Error() string {
	switch e.Status {
	case StatusTransport:
		return fmt.Sprintf("load: %s %s %s: %v", e.Op, e.Method, e.Path, e.Err)
	case StatusBadBody:
		return fmt.Sprintf("load: %s %s %s: response not in the spec's shape: %v; body: %s", e.Op, e.Method, e.Path, e.Err, e.Body)
	}
	return fmt.Sprintf("load: %s %s %s: status %d; body: %s", e.Op, e.Method, e.Path, e.Status, e.Body)
}

func (e *StatusError) Unwrap() error { return e.Err }

// errAborted marks a request cut off by the end of the run; it is counted
// apart, as neither a completed operation nor an error.
var errAborted = errors.New("load: request cut off by the end of the run")

// client is one simulated API client: its own cookie jar (the server keeps a
// causal token there, so the client reads its own writes) and its own login.
type client struct {
	http  *http.Client
	base  string
	token string
	stats *collector // nil while seeding: errors are returned, not counted
}

func newClient(tmpl *http.Client, base string, stats *collector) *client {
	jar, _ := cookiejar.New(nil) // never fails without options
	hc := *tmpl
	hc.Jar = jar
	return &client{http: &hc, base: base, stats: stats}
}

// shape checks a decoded 2xx body has the fields the spec requires.
type shape interface{ check() error }

const maxBody = 8 << 20

// call sends one request and decodes a 2xx body into out (when not nil).
// With stats set it records the outcome: latency of successes, errors by
// status, aborted requests.
func (c *client) call(ctx context.Context, op Op, method, path string, in any, out shape) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("load: %s: encode request: %w", op, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return fmt.Errorf("load: %s %s %s: %w", op, method, path, err)
	}
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Token "+c.token)
	}
	start := time.Now()
	resp, err := c.http.Do(req)
	var raw []byte
	if err == nil {
		raw, err = io.ReadAll(io.LimitReader(resp.Body, maxBody))
		resp.Body.Close()
	}
	took := time.Since(start)
	if err != nil {
		if ctx.Err() != nil {
			c.stats.aborted(op)
			return fmt.Errorf("%w: %w", errAborted, context.Cause(ctx))
		}
		serr := &StatusError{Op: op, Method: method, Path: path, Status: StatusTransport, Err: err}
		c.stats.failed(serr)
		return serr
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		serr := &StatusError{Op: op, Method: method, Path: path, Status: resp.StatusCode, Body: snippet(raw)}
		c.stats.failed(serr)
		return serr
	}
	if out != nil {
		err := json.Unmarshal(raw, out)
		if err == nil {
			err = out.check()
		}
		if err != nil {
			serr := &StatusError{Op: op, Method: method, Path: path, Status: StatusBadBody, Body: snippet(raw), Err: err}
			c.stats.failed(serr)
			return serr
		}
	}
	c.stats.succeeded(op, took)
	return nil
}

func snippet(b []byte) string {
	const n = 200
	s := strings.Join(strings.Fields(string(b)), " ") // one line
	if len(s) > n {
		s = strings.ToValidUTF8(s[:n], "") + "…"
	}
	return s
}

// The spec's JSON bodies, with the checks that tell a well-formed response.

type userJSON struct {
	Email    string `json:"email"`
	Token    string `json:"token"`
	Username string `json:"username"`
	Bio      string `json:"bio"`
	Image    string `json:"image"`
}

type userEnvelope struct {
	User *userJSON `json:"user"`
}

func (u *userEnvelope) check() error {
	if u.User == nil || u.User.Token == "" || u.User.Username == "" {
		return errors.New(`want {"user": {"username", "token", ...}}`)
	}
	return nil
}

type profileJSON struct {
	Username  string `json:"username"`
	Bio       string `json:"bio"`
	Image     string `json:"image"`
	Following *bool  `json:"following"`
}

type profileEnvelope struct {
	Profile *profileJSON `json:"profile"`
}

func (p *profileEnvelope) check() error {
	if p.Profile == nil || p.Profile.Username == "" || p.Profile.Following == nil {
		return errors.New(`want {"profile": {"username", "following", ...}}`)
	}
	return nil
}

type articleJSON struct {
	Slug           string       `json:"slug"`
	Title          string       `json:"title"`
	Description    string       `json:"description"`
	Body           string       `json:"body,omitempty"`
	TagList        []string     `json:"tagList"`
	CreatedAt      string       `json:"createdAt"`
	UpdatedAt      string       `json:"updatedAt"`
	Favorited      *bool        `json:"favorited"`
	FavoritesCount *int         `json:"favoritesCount"`
	Author         *profileJSON `json:"author"`
}

func (a *articleJSON) check() error {
	if a.Slug == "" || a.TagList == nil || a.CreatedAt == "" || a.Favorited == nil ||
		a.FavoritesCount == nil || a.Author == nil || a.Author.Username == "" {
		return errors.New("article lacks slug, tagList, createdAt, favorited, favoritesCount or author")
	}
	return nil
}

type articleEnvelope struct {
	Article *articleJSON `json:"article"`
}

func (a *articleEnvelope) check() error {
	if a.Article == nil {
		return errors.New(`want {"article": {...}}`)
	}
	return a.Article.check()
}

type articlesEnvelope struct {
	Articles      []articleJSON `json:"articles"`
	ArticlesCount *int          `json:"articlesCount"`
}

func (a *articlesEnvelope) check() error {
	if a.Articles == nil || a.ArticlesCount == nil {
		return errors.New(`want {"articles": [...], "articlesCount": n}`)
	}
	for i := range a.Articles {
		if err := a.Articles[i].check(); err != nil {
			return fmt.Errorf("articles[%d]: %w", i, err)
		}
	}
	return nil
}

type commentJSON struct {
	ID     *int64       `json:"id"`
	Body   string       `json:"body"`
	Author *profileJSON `json:"author"`
}

func (c *commentJSON) check() error {
	if c.ID == nil || c.Author == nil {
		return errors.New("comment lacks id or author")
	}
	return nil
}

type commentEnvelope struct {
	Comment *commentJSON `json:"comment"`
}

func (c *commentEnvelope) check() error {
	if c.Comment == nil {
		return errors.New(`want {"comment": {...}}`)
	}
	return c.Comment.check()
}

type commentsEnvelope struct {
	Comments []commentJSON `json:"comments"`
}

func (c *commentsEnvelope) check() error {
	if c.Comments == nil {
		return errors.New(`want {"comments": [...]}`)
	}
	for i := range c.Comments {
		if err := c.Comments[i].check(); err != nil {
			return fmt.Errorf("comments[%d]: %w", i, err)
		}
	}
	return nil
}

type tagsEnvelope struct {
	Tags []string `json:"tags"`
}

func (t *tagsEnvelope) check() error {
	if t.Tags == nil {
		return errors.New(`want {"tags": [...]}`)
	}
	return nil
}

// Request bodies.

type newUser struct {
	User struct {
		Username string `json:"username"`
		Email    string `json:"email"`
		Password string `json:"password"`
	} `json:"user"`
}

type newArticle struct {
	Article struct {
		Title       string   `json:"title"`
		Description string   `json:"description"`
		Body        string   `json:"body"`
		TagList     []string `json:"tagList"`
	} `json:"article"`
}

type articleUpdate struct {
	Article struct {
		Description string `json:"description"`
		Body        string `json:"body"`
	} `json:"article"`
}

type newComment struct {
	Comment struct {
		Body string `json:"body"`
	} `json:"comment"`
}
