package main

import (
	"fmt"
	"reflect"
	"regexp"
	"testing"
	"time"
)

var isoMillis = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)

func newArticle(title, desc, body string, tags ...string) map[string]any {
	a := map[string]any{}
	for k, v := range map[string]string{"title": title, "description": desc, "body": body} {
		if v != "" {
			a[k] = v
		}
	}
	if tags != nil {
		a["tagList"] = tags
	}
	return map[string]any{"article": a}
}

// slugs lists the slugs of a MultipleArticlesResponse, checking its
// articlesCount.
func slugs(t *testing.T, r resp, count int) []string {
	t.Helper()
	if n, _ := r.body["articlesCount"].(float64); int(n) != count {
		t.Fatalf("articlesCount %v, want %d: %s", r.body["articlesCount"], count, r.raw)
	}
	list, ok := r.body["articles"].([]any)
	if !ok {
		t.Fatalf("no articles array: %s", r.raw)
	}
	out := []string{}
	for _, a := range list {
		m := a.(map[string]any)
		if _, ok := m["body"]; ok {
			t.Fatalf("a list item holds a body (the spec's list items have none): %v", m)
		}
		out = append(out, m["slug"].(string))
	}
	return out
}

func same(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s: got %v, want %v", what, got, want)
	}
}

func TestArticles(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		jake := e.register("jake")
		anna := e.register("anna")

		// Create: 201, the Article schema, tags sorted, timestamps in
		// ISO 8601 UTC with milliseconds.
		before := time.Now().UTC().Add(-time.Second)
		r := e.must(201, "POST", "/api/articles", jake, newArticle("How to train your dragon", "Ever wonder how?", "You have to believe", "training", "dragons", "training", "angular"))
		a := obj(r.body, "article")
		same(t, "slug", a["slug"], "how-to-train-your-dragon")
		same(t, "title", a["title"], "How to train your dragon")
		same(t, "description", a["description"], "Ever wonder how?")
		same(t, "body", a["body"], "You have to believe")
		same(t, "tagList", a["tagList"], []any{"angular", "dragons", "training"})
		same(t, "favorited", a["favorited"], false)
		same(t, "favoritesCount", a["favoritesCount"], 0.0)
		same(t, "author", a["author"], map[string]any{"username": "jake", "bio": "", "image": "", "following": false})
		for _, k := range []string{"createdAt", "updatedAt"} {
			s, _ := a[k].(string)
			if !isoMillis.MatchString(s) {
				t.Fatalf("%s %q is not ISO 8601 UTC with milliseconds", k, s)
			}
			ts, _ := time.Parse(time.RFC3339Nano, s)
			if ts.Before(before) || ts.After(time.Now().Add(time.Second)) {
				t.Fatalf("%s %v is not now", k, ts)
			}
		}
		created := a["createdAt"]

		// Get: the same article, with its body; the time survives the
		// database round trip to the millisecond.
		r = e.must(200, "GET", "/api/articles/how-to-train-your-dragon", "", nil)
		g := obj(r.body, "article")
		same(t, "get", g, a)

		// A second article of the same title gets another slug.
		r = e.must(201, "POST", "/api/articles", anna, newArticle("How to train your dragon", "again", "b"))
		if s := obj(r.body, "article")["slug"].(string); s == "how-to-train-your-dragon" || !regexp.MustCompile(`^how-to-train-your-dragon-[0-9a-f]+$`).MatchString(s) {
			t.Fatalf("second slug %q", s)
		}
		same(t, "no tags", obj(r.body, "article")["tagList"], []any{})

		// Create errors.
		e.fails(401, "missing", "POST", "/api/articles", "", newArticle("t", "d", "b"))
		e.fails(422, "title can't be blank", "POST", "/api/articles", jake, newArticle("", "d", "b"))
		e.fails(422, "description can't be blank", "POST", "/api/articles", jake, newArticle("t", "", "b"))
		e.fails(422, "body can't be blank", "POST", "/api/articles", jake, newArticle("t", "d", ""))
		e.fails(422, "not valid JSON", "POST", "/api/articles", jake, `{"article":`)
		e.fails(404, "article not found", "GET", "/api/articles/no-such-slug", "", nil)

		// Update: the author only; a new title makes a new slug.
		time.Sleep(5 * time.Millisecond) // so updatedAt moves on
		r = e.must(200, "PUT", "/api/articles/how-to-train-your-dragon", jake, map[string]any{"article": map[string]any{"title": "Did you train your dragon?", "body": "new body"}})
		u := obj(r.body, "article")
		same(t, "updated slug", u["slug"], "did-you-train-your-dragon")
		same(t, "updated body", u["body"], "new body")
		same(t, "kept description", u["description"], "Ever wonder how?")
		same(t, "kept tags", u["tagList"], []any{"angular", "dragons", "training"})
		same(t, "createdAt", u["createdAt"], created)
		if u["updatedAt"] == created {
			t.Fatal("updatedAt did not change")
		}
		e.fails(404, "article not found", "GET", "/api/articles/how-to-train-your-dragon", "", nil)
		same(t, "get updated", obj(e.must(200, "GET", "/api/articles/did-you-train-your-dragon", "", nil).body, "article"), u)
		e.fails(403, "only the author", "PUT", "/api/articles/did-you-train-your-dragon", anna, map[string]any{"article": map[string]any{"body": "mine"}})
		e.fails(401, "missing", "PUT", "/api/articles/did-you-train-your-dragon", "", map[string]any{"article": map[string]any{"body": "x"}})
		e.fails(404, "article not found", "PUT", "/api/articles/no-such-slug", jake, map[string]any{"article": map[string]any{"body": "x"}})
		e.fails(422, "title can't be blank", "PUT", "/api/articles/did-you-train-your-dragon", jake, map[string]any{"article": map[string]any{"title": ""}})

		// Favorites.
		r = e.must(200, "POST", "/api/articles/did-you-train-your-dragon/favorite", anna, nil)
		same(t, "favorited", obj(r.body, "article")["favorited"], true)
		same(t, "favoritesCount", obj(r.body, "article")["favoritesCount"], 1.0)
		e.must(200, "POST", "/api/articles/did-you-train-your-dragon/favorite", anna, nil) // twice is once
		r = e.must(200, "POST", "/api/articles/did-you-train-your-dragon/favorite", jake, nil)
		same(t, "favoritesCount of two", obj(r.body, "article")["favoritesCount"], 2.0)
		r = e.must(200, "GET", "/api/articles/did-you-train-your-dragon", "", nil)
		same(t, "anonymous favorited", obj(r.body, "article")["favorited"], false)
		same(t, "anonymous favoritesCount", obj(r.body, "article")["favoritesCount"], 2.0)
		r = e.must(200, "DELETE", "/api/articles/did-you-train-your-dragon/favorite", anna, nil)
		same(t, "unfavorited", obj(r.body, "article")["favorited"], false)
		same(t, "favoritesCount after unfavorite", obj(r.body, "article")["favoritesCount"], 1.0)
		e.fails(401, "missing", "POST", "/api/articles/did-you-train-your-dragon/favorite", "", nil)
		e.fails(401, "missing", "DELETE", "/api/articles/did-you-train-your-dragon/favorite", "", nil)
		e.fails(404, "article not found", "POST", "/api/articles/no-such-slug/favorite", anna, nil)
		e.fails(404, "article not found", "DELETE", "/api/articles/no-such-slug/favorite", anna, nil)

		// Following shows in the author of an article.
		e.must(200, "POST", "/api/profiles/jake/follow", anna, nil)
		r = e.must(200, "GET", "/api/articles/did-you-train-your-dragon", anna, nil)
		same(t, "author followed", obj(r.body, "article", "author")["following"], true)

		// Delete: the author only; comments and favorites go with it.
		e.must(200, "POST", "/api/articles/did-you-train-your-dragon/comments", anna, map[string]any{"comment": map[string]any{"body": "c"}})
		e.fails(403, "only the author", "DELETE", "/api/articles/did-you-train-your-dragon", anna, nil)
		e.fails(401, "missing", "DELETE", "/api/articles/did-you-train-your-dragon", "", nil)
		e.fails(404, "article not found", "DELETE", "/api/articles/no-such-slug", jake, nil)
		if r := e.must(204, "DELETE", "/api/articles/did-you-train-your-dragon", jake, nil); r.raw != "" {
			t.Fatalf("204 with a body: %q", r.raw)
		}
		e.fails(404, "article not found", "GET", "/api/articles/did-you-train-your-dragon", "", nil)
		e.fails(404, "article not found", "GET", "/api/articles/did-you-train-your-dragon/comments", "", nil)
		slugs(t, e.must(200, "GET", "/api/articles?favorited=jake", "", nil), 0)
	})
}

func TestArticleLists(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		jake, anna, bob := e.register("jake"), e.register("anna"), e.register("bob")
		// 23 articles, newest last: jake's a0..a10, anna's a11..a22.
		var all []string
		for i := range 23 {
			tok, tags := jake, []string{"even"}
			if i > 10 {
				tok = anna
			}
			if i%2 == 1 {
				tags = []string{"odd"}
			}
			if i%5 == 0 {
				tags = append(tags, "five")
			}
			all = append(all, e.article(tok, fmt.Sprintf("a%d", i), tags...))
		}
		newest := func(idx ...int) []string {
			out := []string{}
			for i := len(idx) - 1; i >= 0; i-- {
				out = append(out, all[idx[i]])
			}
			return out
		}
		rng := func(lo, hi int) []int {
			var out []int
			for i := lo; i < hi; i++ {
				out = append(out, i)
			}
			return out
		}

		// Defaults: limit 20, offset 0, most recent first; the count is
		// of every match.
		r := e.must(200, "GET", "/api/articles", "", nil)
		same(t, "default page", slugs(t, r, 23), newest(rng(3, 23)...))
		same(t, "limit+offset", slugs(t, e.must(200, "GET", "/api/articles?limit=5&offset=2", "", nil), 23), newest(rng(16, 21)...))
		same(t, "offset past the end", slugs(t, e.must(200, "GET", "/api/articles?offset=100", "", nil), 23), []string{})
		e.fails(422, "limit", "GET", "/api/articles?limit=0", "", nil)
		e.fails(422, "limit", "GET", "/api/articles?limit=x", "", nil)
		e.fails(422, "offset", "GET", "/api/articles?offset=-1", "", nil)

		// Filters.
		same(t, "author", slugs(t, e.must(200, "GET", "/api/articles?author=jake&limit=50", "", nil), 11), newest(rng(0, 11)...))
		slugs(t, e.must(200, "GET", "/api/articles?author=nobody", "", nil), 0)
		var odd, five, oddAnna []int
		for i := range 23 {
			if i%2 == 1 {
				odd = append(odd, i)
				if i > 10 {
					oddAnna = append(oddAnna, i)
				}
			}
			if i%5 == 0 {
				five = append(five, i)
			}
		}
		same(t, "tag", slugs(t, e.must(200, "GET", "/api/articles?tag=five", "", nil), 5), newest(five...))
		same(t, "tag page", slugs(t, e.must(200, "GET", "/api/articles?tag=odd&limit=3&offset=1", "", nil), 11), newest(odd...)[1:4])
		same(t, "tag and author", slugs(t, e.must(200, "GET", "/api/articles?tag=odd&author=anna", "", nil), len(oddAnna)), newest(oddAnna...))
		slugs(t, e.must(200, "GET", "/api/articles?tag=nosuchtag", "", nil), 0)
		for _, i := range []int{2, 7, 15} {
			e.must(200, "POST", "/api/articles/"+all[i]+"/favorite", bob, nil)
		}
		e.must(200, "POST", "/api/articles/"+all[15]+"/favorite", anna, nil)
		r = e.must(200, "GET", "/api/articles?favorited=bob", "", nil)
		same(t, "favorited", slugs(t, r, 3), newest(2, 7, 15))
		same(t, "favoritesCount in a list", r.body["articles"].([]any)[0].(map[string]any)["favoritesCount"], 2.0)
		r = e.must(200, "GET", "/api/articles?favorited=bob", bob, nil)
		for _, a := range r.body["articles"].([]any) {
			same(t, "favorited by the caller", a.(map[string]any)["favorited"], true)
		}
		slugs(t, e.must(200, "GET", "/api/articles?favorited=jake", "", nil), 0)
		item := r.body["articles"].([]any)[0].(map[string]any)
		same(t, "list item tags", item["tagList"], []any{"five", "odd"}) // a15
		if !isoMillis.MatchString(item["createdAt"].(string)) {
			t.Fatalf("list createdAt %v", item["createdAt"])
		}

		// Feed: only the authors the caller follows.
		e.fails(401, "missing", "GET", "/api/articles/feed", "", nil)
		slugs(t, e.must(200, "GET", "/api/articles/feed", bob, nil), 0)
		e.must(200, "POST", "/api/profiles/jake/follow", bob, nil)
		r = e.must(200, "GET", "/api/articles/feed?limit=4", bob, nil)
		same(t, "feed", slugs(t, r, 11), newest(rng(7, 11)...))
		for _, a := range r.body["articles"].([]any) {
			same(t, "feed author followed", obj(a, "author")["following"], true)
		}
		e.must(200, "POST", "/api/profiles/anna/follow", bob, nil)
		slugs(t, e.must(200, "GET", "/api/articles/feed", bob, nil), 23)
		e.must(200, "DELETE", "/api/profiles/jake/follow", bob, nil)
		same(t, "feed after unfollow", slugs(t, e.must(200, "GET", "/api/articles/feed?offset=10", bob, nil), 12), newest(rng(11, 13)...))
		slugs(t, e.must(200, "GET", "/api/articles/feed", jake, nil), 0)

		// Tags: each used tag once, by name.
		same(t, "tags", e.must(200, "GET", "/api/tags", "", nil).body["tags"], []any{"even", "five", "odd"})
	})
}

// Every list endpoint runs a bounded number of statements, whatever the
// page size; the session is strict, so a relationship load no query
// planned would fail the request.
func TestListStatementsBounded(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		var toks []string
		for i := range 4 {
			toks = append(toks, e.register(fmt.Sprintf("u%d", i)))
		}
		reader := e.register("reader")
		for _, u := range []string{"u0", "u1", "u2", "u3"} {
			e.must(200, "POST", "/api/profiles/"+u+"/follow", reader, nil)
		}
		var first string
		for i := range 40 {
			s := e.article(toks[i%4], fmt.Sprintf("post %d", i), "t", fmt.Sprintf("t%d", i%7))
			if first == "" {
				first = s
			}
			e.must(200, "POST", "/api/articles/"+s+"/favorite", toks[(i+1)%4], nil)
		}
		for i := range 30 {
			e.must(200, "POST", "/api/articles/"+first+"/comments", toks[i%4], map[string]any{"comment": map[string]any{"body": fmt.Sprint(i)}})
		}
		for _, ep := range []struct {
			path  string
			token string
			max   int64
		}{
			// user; count; page; authors; tags; favorites; follows
			{"/api/articles?limit=%d", reader, 7},
			{"/api/articles?tag=t&limit=%d", "", 6},
			{"/api/articles?author=u1&limit=%d", reader, 7},
			{"/api/articles?favorited=u2&limit=%d", reader, 7},
			{"/api/articles/feed?limit=%d", reader, 7},
			// user; article; comments; authors; follows
			{"/api/articles/" + first + "/comments?limit=%d", reader, 5},
			{"/api/tags?limit=%d", "", 1},
		} {
			var counts []int64
			for _, n := range []int{1, 5, 40} {
				e.must(200, "GET", fmt.Sprintf(ep.path, n), ep.token, nil)
				counts = append(counts, e.last.Load())
			}
			for _, c := range counts {
				if c != counts[0] || c > ep.max {
					t.Fatalf("%s: statements per page size 1, 5, 40: %v, want the same, at most %d", ep.path, counts, ep.max)
				}
			}
			t.Logf("%s: %d statements", ep.path, counts[0])
		}
	})
}
