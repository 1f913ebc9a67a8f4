// Package loadtest is an in-memory RealWorld ("Conduit") API server for
// testing clients of the API, such as package load, without a database. It
// implements the endpoints load uses, with the spec's JSON shapes and
// statuses, counts the responses it sends per route, can fail or stall
// chosen requests, and keeps a causal token in a cookie the way the real
// server does, so a test can check a client keeps its cookies.
package loadtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// CausalCookie is the cookie the server sets on every write.
const CausalCookie = "conduit_causal"

// Options change how the server answers.
type Options struct {
	// Fail, when set and returning a non-zero status, answers the request
	// with that status and a spec-shaped error body instead of serving it.
	Fail func(r *http.Request) int
	// Stall, when set and returning true, holds the request until the
	// client goes away.
	Stall func(r *http.Request) bool
	// StrictCausal answers 409 to a GET by a user whose causal cookie is
	// older than that user's last write. Only meaningful when each client
	// has a user of its own.
	StrictCausal bool
}

// Server is the fake; its zero value is not usable, call New.
type Server struct {
	opts Options
	mux  *http.ServeMux

	mu       sync.Mutex
	users    map[string]*user  // by username; guarded by mu
	tokens   map[string]string // token -> username; guarded by mu
	articles []*article        // creation order; guarded by mu
	bySlug   map[string]*article
	comments map[string][]comment // by slug
	clock    int64                // last causal token issued
	lastW    map[string]int64     // username -> token of its last write
	handled  map[string]int64     // "METHOD /pattern" -> responses
	nextID   int64
}

type user struct {
	name, email string
	follows     map[string]bool
}

type article struct {
	slug, title, desc, body, author string
	tags                            []string
	created, updated                time.Time
	favBy                           map[string]bool
}

type comment struct {
	id      int64
	body    string
	author  string
	created time.Time
}

// New returns a server whose routes hang off /api.
func New(opts Options) *Server {
	s := &Server{
		opts: opts, mux: http.NewServeMux(),
		users: map[string]*user{}, tokens: map[string]string{}, bySlug: map[string]*article{},
		comments: map[string][]comment{}, lastW: map[string]int64{}, handled: map[string]int64{},
	}
	routes := map[string]func(http.ResponseWriter, *http.Request, string){
		"POST /api/users":                        s.register,
		"GET /api/profiles/{username}":           s.profile,
		"POST /api/profiles/{username}/follow":   s.follow,
		"DELETE /api/profiles/{username}/follow": s.follow,
		"GET /api/articles":                      s.list,
		"GET /api/articles/feed":                 s.list,
		"POST /api/articles":                     s.create,
		"GET /api/articles/{slug}":               s.get,
		"PUT /api/articles/{slug}":               s.update,
		"GET /api/articles/{slug}/comments":      s.listComments,
		"POST /api/articles/{slug}/comments":     s.comment,
		"POST /api/articles/{slug}/favorite":     s.favorite,
		"DELETE /api/articles/{slug}/favorite":   s.favorite,
		"GET /api/tags":                          s.tags,
	}
	for pattern, h := range routes {
		s.mux.HandleFunc(pattern, s.wrap(h))
	}
	return s
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Handled returns how many responses the server sent per route, keyed by
// its pattern without the /api prefix ("GET /articles/{slug}").
func (s *Server) Handled() map[string]int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int64, len(s.handled))
	for k, v := range s.handled {
		out[k] = v
	}
	return out
}

// wrap applies the options, authentication and the causal check under the
// lock (the fake serialises requests: it is about shapes, not speed), and
// counts the response.
func (s *Server) wrap(h func(http.ResponseWriter, *http.Request, string)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		route := strings.Replace(r.Pattern, " /api/", " /", 1)
		if s.opts.Stall != nil && s.opts.Stall(r) {
			<-r.Context().Done()
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		s.handled[route]++
		if s.opts.Fail != nil {
			if st := s.opts.Fail(r); st != 0 {
				fail(w, st, "injected", "failure")
				return
			}
		}
		me := ""
		if auth := r.Header.Get("Authorization"); auth != "" {
			tok, ok := strings.CutPrefix(auth, "Token ")
			me = s.tokens[tok]
			if !ok || me == "" {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
		}
		if r.Method == http.MethodGet && s.opts.StrictCausal && me != "" {
			var seen int64
			if c, err := r.Cookie(CausalCookie); err == nil {
				seen, _ = strconv.ParseInt(c.Value, 10, 64)
			}
			if seen < s.lastW[me] {
				fail(w, http.StatusConflict, "causal", fmt.Sprintf("token %d older than last write %d", seen, s.lastW[me]))
				return
			}
		}
		h(w, r, me)
	}
}

// wrote issues a causal token for a write by who.
func (s *Server) wrote(w http.ResponseWriter, who string) {
	s.clock++
	s.lastW[who] = s.clock
	http.SetCookie(w, &http.Cookie{Name: CausalCookie, Value: strconv.FormatInt(s.clock, 10), Path: "/", HttpOnly: true})
}

func fail(w http.ResponseWriter, status int, field, msg string) {
	send(w, status, map[string]any{"errors": map[string][]string{field: {msg}}})
}

func send(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		fail(w, http.StatusUnprocessableEntity, "body", err.Error())
		return false
	}
	return true
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func (s *Server) profileJSON(name, me string) map[string]any {
	following := false
	if u := s.users[me]; u != nil {
		following = u.follows[name]
	}
	return map[string]any{"username": name, "bio": "", "image": "", "following": following}
}

func (s *Server) articleJSON(a *article, me string, withBody bool) map[string]any {
	m := map[string]any{
		"slug": a.slug, "title": a.title, "description": a.desc, "tagList": a.tags,
		"createdAt": stamp(a.created), "updatedAt": stamp(a.updated),
		"favorited": a.favBy[me], "favoritesCount": len(a.favBy), "author": s.profileJSON(a.author, me),
	}
	if withBody {
		m["body"] = a.body
	}
	return m
}

func (s *Server) register(w http.ResponseWriter, r *http.Request, _ string) {
	var in struct {
		User struct{ Username, Email, Password string } `json:"user"`
	}
	if !decode(w, r, &in) {
		return
	}
	u := in.User
	if u.Username == "" || u.Email == "" || u.Password == "" {
		fail(w, http.StatusUnprocessableEntity, "user", "username, email and password are required")
		return
	}
	if s.users[u.Username] != nil {
		fail(w, http.StatusUnprocessableEntity, "username", "has already been taken")
		return
	}
	s.users[u.Username] = &user{name: u.Username, email: u.Email, follows: map[string]bool{}}
	tok := "tok." + u.Username
	s.tokens[tok] = u.Username
	s.wrote(w, u.Username)
	send(w, http.StatusCreated, map[string]any{"user": map[string]any{
		"email": u.Email, "token": tok, "username": u.Username, "bio": "", "image": ""}})
}

func (s *Server) profile(w http.ResponseWriter, r *http.Request, me string) {
	name := r.PathValue("username")
	if s.users[name] == nil {
		fail(w, http.StatusNotFound, "profile", "not found")
		return
	}
	send(w, http.StatusOK, map[string]any{"profile": s.profileJSON(name, me)})
}

func (s *Server) follow(w http.ResponseWriter, r *http.Request, me string) {
	if me == "" {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	name := r.PathValue("username")
	if s.users[name] == nil {
		fail(w, http.StatusNotFound, "profile", "not found")
		return
	}
	if name == me {
		fail(w, http.StatusUnprocessableEntity, "profile", "cannot follow yourself")
		return
	}
	if r.Method == http.MethodPost {
		s.users[me].follows[name] = true
	} else {
		delete(s.users[me].follows, name)
	}
	s.wrote(w, me)
	send(w, http.StatusOK, map[string]any{"profile": s.profileJSON(name, me)})
}

func (s *Server) list(w http.ResponseWriter, r *http.Request, me string) {
	q := r.URL.Query()
	feed := strings.HasSuffix(r.URL.Path, "/feed")
	if feed && me == "" {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	limit, offset := 20, 0
	for name, dst := range map[string]*int{"limit": &limit, "offset": &offset} {
		if v := q.Get(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || (name == "limit" && n < 1) {
				fail(w, http.StatusUnprocessableEntity, name, "must be a non-negative integer")
				return
			}
			*dst = n
		}
	}
	var hits []*article
	for i := len(s.articles) - 1; i >= 0; i-- { // newest first
		a := s.articles[i]
		switch {
		case feed && !s.users[me].follows[a.author]:
		case q.Get("tag") != "" && !slices.Contains(a.tags, q.Get("tag")):
		case q.Get("author") != "" && a.author != q.Get("author"):
		case q.Get("favorited") != "" && !a.favBy[q.Get("favorited")]:
		default:
			hits = append(hits, a)
		}
	}
	page := []map[string]any{}
	for i := offset; i < len(hits) && i < offset+limit; i++ {
		page = append(page, s.articleJSON(hits[i], me, false))
	}
	send(w, http.StatusOK, map[string]any{"articles": page, "articlesCount": len(hits)})
}

func (s *Server) create(w http.ResponseWriter, r *http.Request, me string) {
	if me == "" {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	var in struct {
		Article struct {
			Title, Description, Body string
			TagList                  []string `json:"tagList"`
		} `json:"article"`
	}
	if !decode(w, r, &in) {
		return
	}
	ia := in.Article
	if ia.Title == "" || ia.Description == "" || ia.Body == "" {
		fail(w, http.StatusUnprocessableEntity, "article", "title, description and body are required")
		return
	}
	s.nextID++
	slug := strings.Map(func(c rune) rune {
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
			return c
		}
		return '-'
	}, strings.ToLower(ia.Title)) + "-" + strconv.FormatInt(s.nextID, 10)
	tags := slices.Compact(slices.Sorted(slices.Values(ia.TagList)))
	if tags == nil {
		tags = []string{}
	}
	now := time.Now()
	a := &article{slug: slug, title: ia.Title, desc: ia.Description, body: ia.Body, author: me,
		tags: tags, created: now, updated: now, favBy: map[string]bool{}}
	s.articles = append(s.articles, a)
	s.bySlug[slug] = a
	s.wrote(w, me)
	send(w, http.StatusCreated, map[string]any{"article": s.articleJSON(a, me, true)})
}

// find answers 404 (and returns nil) for an unknown slug.
func (s *Server) find(w http.ResponseWriter, r *http.Request) *article {
	a := s.bySlug[r.PathValue("slug")]
	if a == nil {
		fail(w, http.StatusNotFound, "article", "not found")
	}
	return a
}

func (s *Server) get(w http.ResponseWriter, r *http.Request, me string) {
	if a := s.find(w, r); a != nil {
		send(w, http.StatusOK, map[string]any{"article": s.articleJSON(a, me, true)})
	}
}

func (s *Server) update(w http.ResponseWriter, r *http.Request, me string) {
	if me == "" {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	a := s.find(w, r)
	if a == nil {
		return
	}
	if a.author != me {
		fail(w, http.StatusForbidden, "article", "forbidden")
		return
	}
	var in struct {
		Article struct{ Title, Description, Body *string } `json:"article"`
	}
	if !decode(w, r, &in) {
		return
	}
	if d := in.Article.Description; d != nil {
		a.desc = *d
	}
	if b := in.Article.Body; b != nil {
		a.body = *b
	}
	a.updated = time.Now()
	s.wrote(w, me)
	send(w, http.StatusOK, map[string]any{"article": s.articleJSON(a, me, true)})
}

func (s *Server) commentJSON(c comment, me string) map[string]any {
	return map[string]any{"id": c.id, "body": c.body, "createdAt": stamp(c.created),
		"updatedAt": stamp(c.created), "author": s.profileJSON(c.author, me)}
}

func (s *Server) listComments(w http.ResponseWriter, r *http.Request, me string) {
	a := s.find(w, r)
	if a == nil {
		return
	}
	out := []map[string]any{}
	for _, c := range s.comments[a.slug] {
		out = append(out, s.commentJSON(c, me))
	}
	send(w, http.StatusOK, map[string]any{"comments": out})
}

func (s *Server) comment(w http.ResponseWriter, r *http.Request, me string) {
	if me == "" {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	a := s.find(w, r)
	if a == nil {
		return
	}
	var in struct {
		Comment struct{ Body string } `json:"comment"`
	}
	if !decode(w, r, &in) {
		return
	}
	if in.Comment.Body == "" {
		fail(w, http.StatusUnprocessableEntity, "body", "can't be empty")
		return
	}
	s.nextID++
	c := comment{id: s.nextID, body: in.Comment.Body, author: me, created: time.Now()}
	s.comments[a.slug] = append(s.comments[a.slug], c)
	s.wrote(w, me)
	send(w, http.StatusOK, map[string]any{"comment": s.commentJSON(c, me)})
}

func (s *Server) favorite(w http.ResponseWriter, r *http.Request, me string) {
	if me == "" {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	a := s.find(w, r)
	if a == nil {
		return
	}
	if r.Method == http.MethodPost {
		a.favBy[me] = true
	} else {
		delete(a.favBy, me)
	}
	s.wrote(w, me)
	send(w, http.StatusOK, map[string]any{"article": s.articleJSON(a, me, true)})
}

func (s *Server) tags(w http.ResponseWriter, _ *http.Request, _ string) {
	set := map[string]bool{}
	for _, a := range s.articles {
		for _, t := range a.tags {
			set[t] = true
		}
	}
	tags := []string{}
	for t := range set {
		tags = append(tags, t)
	}
	slices.Sort(tags)
	send(w, http.StatusOK, map[string]any{"tags": tags})
}
