package main

import (
	"fmt"
	"testing"
)

func comment(body string) map[string]any {
	return map[string]any{"comment": map[string]any{"body": body}}
}

func TestComments(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		jake, anna := e.register("jake"), e.register("anna")
		slug := e.article(jake, "commented")
		other := e.article(jake, "other")

		// Add: 200 (the spec's status for this operation) and the
		// Comment schema.
		r := e.must(200, "POST", "/api/articles/"+slug+"/comments", anna, comment("Thank you so much!"))
		c := obj(r.body, "comment")
		if id, _ := c["id"].(float64); id <= 0 {
			t.Fatalf("comment id: %s", r.raw)
		}
		same(t, "body", c["body"], "Thank you so much!")
		same(t, "author", c["author"], map[string]any{"username": "anna", "bio": "", "image": "", "following": false})
		for _, k := range []string{"createdAt", "updatedAt"} {
			if s, _ := c[k].(string); !isoMillis.MatchString(s) {
				t.Fatalf("%s %q", k, s)
			}
		}
		annaID := int(c["id"].(float64))
		r = e.must(200, "POST", "/api/articles/"+slug+"/comments", jake, comment("second"))
		jakeID := int(obj(r.body, "comment")["id"].(float64))

		e.fails(401, "missing", "POST", "/api/articles/"+slug+"/comments", "", comment("x"))
		e.fails(422, "body can't be blank", "POST", "/api/articles/"+slug+"/comments", anna, comment(""))
		e.fails(422, "body can't be blank", "POST", "/api/articles/"+slug+"/comments", anna, map[string]any{"comment": map[string]any{}})
		e.fails(404, "article not found", "POST", "/api/articles/nope/comments", anna, comment("x"))

		// List: oldest first, with authors; following seen by the caller.
		list := func(token string) []any {
			t.Helper()
			r := e.must(200, "GET", "/api/articles/"+slug+"/comments", token, nil)
			cs, ok := r.body["comments"].([]any)
			if !ok {
				t.Fatalf("comments: %s", r.raw)
			}
			return cs
		}
		cs := list("")
		if len(cs) != 2 || obj(cs[0])["body"] != "Thank you so much!" || obj(cs[1])["body"] != "second" {
			t.Fatalf("comments: %v", cs)
		}
		same(t, "first listed", cs[0], c)
		e.must(200, "POST", "/api/profiles/jake/follow", anna, nil)
		cs = list(anna)
		same(t, "following jake", obj(cs[1], "author")["following"], true)
		same(t, "not following herself", obj(cs[0], "author")["following"], false)
		same(t, "no comments", e.must(200, "GET", "/api/articles/"+other+"/comments", "", nil).body["comments"], []any{})
		e.fails(404, "article not found", "GET", "/api/articles/nope/comments", "", nil)

		// Delete: the comment's author only, through its own article.
		path := fmt.Sprintf("/api/articles/%s/comments/%d", slug, annaID)
		e.fails(401, "missing", "DELETE", path, "", nil)
		e.fails(403, "only the author", "DELETE", path, jake, nil)
		e.fails(404, "comment not found", "DELETE", fmt.Sprintf("/api/articles/%s/comments/%d", other, annaID), anna, nil)
		e.fails(404, "comment not found", "DELETE", fmt.Sprintf("/api/articles/%s/comments/999999", slug), anna, nil)
		e.fails(404, "comment not found", "DELETE", fmt.Sprintf("/api/articles/%s/comments/abc", slug), anna, nil)
		e.fails(404, "article not found", "DELETE", fmt.Sprintf("/api/articles/nope/comments/%d", annaID), anna, nil)
		if r := e.must(204, "DELETE", path, anna, nil); r.raw != "" {
			t.Fatalf("204 with a body: %q", r.raw)
		}
		e.fails(404, "comment not found", "DELETE", path, anna, nil)
		cs = list("")
		if len(cs) != 1 || int(obj(cs[0])["id"].(float64)) != jakeID {
			t.Fatalf("after delete: %v", cs)
		}
	})
}

func TestTags(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		same(t, "no tags", e.must(200, "GET", "/api/tags", "", nil).body["tags"], []any{})
		jake := e.register("jake")
		e.article(jake, "one", "zeta", "alpha", "Mid")
		gone := e.article(jake, "two", "alpha", "only-here")
		e.article(jake, "three")
		same(t, "tags", e.must(200, "GET", "/api/tags", "", nil).body["tags"], []any{"Mid", "alpha", "only-here", "zeta"})
		// A tag no article carries any more is not listed.
		e.must(204, "DELETE", "/api/articles/"+gone, jake, nil)
		same(t, "tags after delete", e.must(200, "GET", "/api/tags", "", nil).body["tags"], []any{"Mid", "alpha", "zeta"})
	})
}

// Unknown routes and methods answer in the spec's error shape.
func TestUnknownEndpoint(t *testing.T) {
	e := newEnv(t, backends[0], nil)
	e.fails(404, "no such endpoint", "GET", "/api/nothing", "", nil)
	r := e.must(200, "GET", "/healthz", "", nil)
	if r.body["status"] != "ok" { // the nodes: TestOpsEndpoints
		t.Fatalf("healthz: %s", r.raw)
	}
}
