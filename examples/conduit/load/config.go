package load

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Config describes one load run. The zero value of every field but BaseURL
// has a usable default (see Run).
type Config struct {
	// BaseURL is the API root the spec's paths hang off, e.g.
	// "http://localhost:8080/api".
	BaseURL string
	// Client is copied per simulated client, each copy with a cookie jar of
	// its own (any Jar set here is not used). Nil uses a transport of Run's
	// own whose connections Run closes before returning; a given Client's
	// idle connections are the caller's to close.
	Client *http.Client
	// Duration bounds the timed phase (seeding comes before it). Default 10s.
	Duration time.Duration
	// Concurrency is the number of simulated clients. Default 8.
	Concurrency int
	// Users and Articles are registered and created before the timed phase.
	// Defaults: 10 users (at least 2, so follows have another user), 50
	// articles.
	Users, Articles int
	// Seed makes the choices (operations, targets) reproducible.
	Seed int64
	// Mix weighs the operations; nil or empty uses DefaultMix.
	Mix Mix
}

// Op is one kind of request the workload makes.
type Op int

// The operations, reads first. Their names (Op.String) are the keys of
// ParseMix.
const (
	ListArticles       Op = iota // GET /articles?limit&offset
	ArticlesByTag                // GET /articles?tag=
	ArticlesByAuthor             // GET /articles?author=
	ArticlesByFavorite           // GET /articles?favorited=
	Feed                         // GET /articles/feed
	GetArticle                   // GET /articles/{slug}
	ListComments                 // GET /articles/{slug}/comments
	GetProfile                   // GET /profiles/{username}
	ListTags                     // GET /tags
	Register                     // POST /users
	CreateArticle                // POST /articles
	UpdateArticle                // PUT /articles/{slug}
	Favorite                     // POST /articles/{slug}/favorite
	Unfavorite                   // DELETE /articles/{slug}/favorite
	Comment                      // POST /articles/{slug}/comments
	Follow                       // POST /profiles/{username}/follow
	Unfollow                     // DELETE /profiles/{username}/follow
	numOps
)

var opNames = [numOps]string{
	ListArticles:       "articles",
	ArticlesByTag:      "articles-tag",
	ArticlesByAuthor:   "articles-author",
	ArticlesByFavorite: "articles-favorited",
	Feed:               "feed",
	GetArticle:         "article",
	ListComments:       "comments",
	GetProfile:         "profile",
	ListTags:           "tags",
	Register:           "register",
	CreateArticle:      "create-article",
	UpdateArticle:      "update-article",
	Favorite:           "favorite",
	Unfavorite:         "unfavorite",
	Comment:            "comment",
	Follow:             "follow",
	Unfollow:           "unfollow",
}

// Ops lists every operation in order, reads first.
func Ops() []Op {
	ops := make([]Op, numOps)
	for i := range ops {
		ops[i] = Op(i)
	}
	return ops
}

func (o Op) String() string {
	if o < 0 || o >= numOps {
		return "op(" + strconv.Itoa(int(o)) + ")"
	}
	return opNames[o]
}

// IsWrite reports whether the operation changes data on the server.
func (o Op) IsWrite() bool { return o >= Register }

// Mix gives each operation a relative weight; operations absent or weighted
// zero are not run.
type Mix map[Op]int

// DefaultMix is about 80% reads and 20% writes.
func DefaultMix() Mix {
	return Mix{
		ListArticles: 16, ArticlesByTag: 10, ArticlesByAuthor: 8, ArticlesByFavorite: 5,
		Feed: 8, GetArticle: 15, ListComments: 8, GetProfile: 6, ListTags: 4,
		Register: 2, CreateArticle: 4, UpdateArticle: 2, Favorite: 4, Unfavorite: 2,
		Comment: 3, Follow: 2, Unfollow: 1,
	}
}

// The named mixes ParseMix accepts besides explicit weights.
var presets = map[string]func() Mix{
	"default": DefaultMix,
	"read-only": func() Mix {
		m := DefaultMix()
		for op := range m {
			if op.IsWrite() {
				delete(m, op)
			}
		}
		return m
	},
	"write-heavy": func() Mix {
		m := DefaultMix()
		for op := range m {
			if op.IsWrite() {
				m[op] *= 8 // writes become about two thirds of the mix
			}
		}
		return m
	},
}

// ParseMix reads a preset name ("default", "read-only", "write-heavy") or a
// comma-separated list of name=weight pairs, e.g. "article=8,comment=2".
func ParseMix(s string) (Mix, error) {
	s = strings.TrimSpace(s)
	if p, ok := presets[s]; ok {
		return p(), nil
	}
	if s == "" {
		return nil, errors.New("load: empty mix")
	}
	m := Mix{}
	for _, part := range strings.Split(s, ",") {
		name, w, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return nil, fmt.Errorf("load: mix entry %q: want name=weight or one of %s", part, strings.Join(presetNames(), ", "))
		}
		op, ok := opByName(strings.TrimSpace(name))
		if !ok {
			return nil, fmt.Errorf("load: mix entry %q: unknown operation %q (known: %s)", part, name, strings.Join(opNames[:], ", "))
		}
		n, err := strconv.Atoi(strings.TrimSpace(w))
		if err != nil || n < 0 {
			return nil, fmt.Errorf("load: mix entry %q: weight must be a non-negative integer", part)
		}
		if _, dup := m[op]; dup {
			return nil, fmt.Errorf("load: mix entry %q: operation %s given twice", part, op)
		}
		m[op] = n
	}
	if err := m.validate(); err != nil {
		return nil, err
	}
	return m, nil
}

func presetNames() []string {
	names := make([]string, 0, len(presets))
	for n := range presets {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

func opByName(name string) (Op, bool) {
	for i, n := range opNames {
		if n == name {
			return Op(i), true
		}
	}
	return 0, false
}

func (m Mix) validate() error {
	total := 0
	for op, w := range m {
		if op < 0 || op >= numOps {
			return fmt.Errorf("load: mix has unknown operation %d", int(op))
		}
		if w < 0 {
			return fmt.Errorf("load: mix weight of %s is negative (%d)", op, w)
		}
		total += w
	}
	if total == 0 {
		return errors.New("load: mix has no operation with a positive weight")
	}
	return nil
}

// String renders the mix in ParseMix's syntax, in operation order.
func (m Mix) String() string {
	var b strings.Builder
	for _, op := range Ops() {
		if w := m[op]; w > 0 {
			if b.Len() > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "%s=%d", op, w)
		}
	}
	return b.String()
}

// picker draws operations by weight.
type picker struct {
	ops []Op
	cum []int // cumulative weights, parallel to ops
}

func newPicker(m Mix) picker {
	var p picker
	total := 0
	for _, op := range Ops() {
		if w := m[op]; w > 0 {
			total += w
			p.ops = append(p.ops, op)
			p.cum = append(p.cum, total)
		}
	}
	return p
}

// pick maps r in [0, total) to an operation.
func (p picker) pick(r int) Op {
	i, _ := slices.BinarySearch(p.cum, r+1)
	return p.ops[i]
}

func (p picker) total() int { return p.cum[len(p.cum)-1] }

func (c Config) withDefaults() (Config, error) {
	if c.BaseURL == "" {
		return c, errors.New("load: Config.BaseURL is empty")
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if !strings.HasPrefix(c.BaseURL, "http://") && !strings.HasPrefix(c.BaseURL, "https://") {
		return c, fmt.Errorf("load: Config.BaseURL %q: want an http:// or https:// URL", c.BaseURL)
	}
	if c.Duration < 0 || c.Concurrency < 0 || c.Users < 0 || c.Articles < 0 {
		return c, fmt.Errorf("load: negative setting (Duration %v, Concurrency %d, Users %d, Articles %d)",
			c.Duration, c.Concurrency, c.Users, c.Articles)
	}
	if c.Duration == 0 {
		c.Duration = 10 * time.Second
	}
	if c.Concurrency == 0 {
		c.Concurrency = 8
	}
	if c.Users == 0 {
		c.Users = 10
	}
	if c.Users < 2 {
		return c, fmt.Errorf("load: Config.Users is %d; follows need at least 2 users", c.Users)
	}
	if c.Articles == 0 {
		c.Articles = 50
	}
	if len(c.Mix) == 0 {
		c.Mix = DefaultMix()
	}
	if err := c.Mix.validate(); err != nil {
		return c, err
	}
	return c, nil
}
