package main

import (
	"testing"
)

// obj walks nested JSON objects by key.
func obj(v any, keys ...string) map[string]any {
	m, _ := v.(map[string]any)
	for _, k := range keys {
		m, _ = m[k].(map[string]any)
	}
	return m
}

func user(name, email, password string) map[string]any {
	u := map[string]any{}
	for k, v := range map[string]string{"username": name, "email": email, "password": password} {
		if v != "" {
			u[k] = v
		}
	}
	return map[string]any{"user": u}
}

func TestUsers(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		// Register: 201 and the User schema.
		r := e.must(201, "POST", "/api/users", "", user("jake", "jake@jake.jake", "jakejake"))
		u := obj(r.body, "user")
		if u["username"] != "jake" || u["email"] != "jake@jake.jake" || u["bio"] != "" || u["image"] != "" || u["token"] == "" {
			t.Fatalf("register: %s", r.raw)
		}
		if _, ok := u["password"]; ok {
			t.Fatal("the response holds the password")
		}
		token := u["token"].(string)

		// Register errors: 422 with the spec's errors.body.
		e.fails(422, "username has already been taken", "POST", "/api/users", "", user("jake", "other@jake.jake", "x"))
		e.fails(422, "email has already been taken", "POST", "/api/users", "", user("jacob", "jake@jake.jake", "x"))
		e.fails(422, "username can't be blank", "POST", "/api/users", "", user("", "a@b.c", "x"))
		e.fails(422, "email can't be blank", "POST", "/api/users", "", user("a", "", "x"))
		e.fails(422, "password can't be blank", "POST", "/api/users", "", user("a", "a@b.c", ""))
		e.fails(422, "email is invalid", "POST", "/api/users", "", user("a", "not-an-email", "x"))
		e.fails(422, "not valid JSON", "POST", "/api/users", "", "{")

		// Login.
		r = e.must(200, "POST", "/api/users/login", "", user("", "jake@jake.jake", "jakejake"))
		if obj(r.body, "user")["username"] != "jake" || obj(r.body, "user")["token"] == "" {
			t.Fatalf("login: %s", r.raw)
		}
		e.fails(401, "invalid", "POST", "/api/users/login", "", user("", "jake@jake.jake", "wrong"))
		e.fails(401, "invalid", "POST", "/api/users/login", "", user("", "nobody@jake.jake", "jakejake"))
		e.fails(422, "password can't be blank", "POST", "/api/users/login", "", user("", "jake@jake.jake", ""))

		// Current user.
		r = e.must(200, "GET", "/api/user", token, nil)
		if obj(r.body, "user")["email"] != "jake@jake.jake" {
			t.Fatalf("current user: %s", r.raw)
		}
		e.fails(401, "missing", "GET", "/api/user", "", nil)
		e.fails(401, "invalid token", "GET", "/api/user", "not.a.jwt", nil)
		e.fails(401, "invalid token", "GET", "/api/user", token+"x", nil)
		// A token signed with another secret.
		other := "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxIiwiZXhwIjo5OTk5OTk5OTk5fQ.2uxqTuxkgKUmJ5FmEtfvIrVVfpQ1nVC5kHRGuU6MO7o"
		e.fails(401, "invalid token", "GET", "/api/user", other, nil)
		req := e.do("GET", "/api/user", "", nil)
		if req.status != 401 {
			t.Fatalf("no token: %d", req.status)
		}

		// Update.
		r = e.must(200, "PUT", "/api/user", token, map[string]any{"user": map[string]any{
			"bio": "I like to skateboard", "image": "https://i.stack.imgur.com/xHWG8.jpg", "email": "jake2@jake.jake", "password": "newpass"}})
		u = obj(r.body, "user")
		if u["bio"] != "I like to skateboard" || u["image"] != "https://i.stack.imgur.com/xHWG8.jpg" || u["email"] != "jake2@jake.jake" || u["username"] != "jake" {
			t.Fatalf("update: %s", r.raw)
		}
		e.must(200, "POST", "/api/users/login", "", user("", "jake2@jake.jake", "newpass"))
		e.fails(401, "invalid", "POST", "/api/users/login", "", user("", "jake2@jake.jake", "jakejake"))
		e.register("anna")
		e.fails(422, "username has already been taken", "PUT", "/api/user", token, map[string]any{"user": map[string]any{"username": "anna"}})
		e.fails(422, "email has already been taken", "PUT", "/api/user", token, map[string]any{"user": map[string]any{"email": "anna@example.com"}})
		e.fails(422, "username can't be blank", "PUT", "/api/user", token, map[string]any{"user": map[string]any{"username": " "}})
		e.fails(422, "at least one field", "PUT", "/api/user", token, map[string]any{"user": map[string]any{}})
		e.fails(401, "missing", "PUT", "/api/user", "", map[string]any{"user": map[string]any{"bio": "x"}})
		// The failed updates changed nothing.
		r = e.must(200, "GET", "/api/user", token, nil)
		if u := obj(r.body, "user"); u["username"] != "jake" || u["email"] != "jake2@jake.jake" {
			t.Fatalf("after failed updates: %s", r.raw)
		}
	})
}

func TestProfiles(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		jake := e.register("jake")
		anna := e.register("anna")
		e.must(200, "PUT", "/api/user", anna, map[string]any{"user": map[string]any{"bio": "bio of anna", "image": "img"}})

		want := func(r resp, following bool) {
			t.Helper()
			p := obj(r.body, "profile")
			if p["username"] != "anna" || p["bio"] != "bio of anna" || p["image"] != "img" || p["following"] != following {
				t.Fatalf("profile, want following=%v: %s", following, r.raw)
			}
		}
		want(e.must(200, "GET", "/api/profiles/anna", "", nil), false)
		want(e.must(200, "GET", "/api/profiles/anna", jake, nil), false)
		e.fails(404, "profile not found", "GET", "/api/profiles/nobody", "", nil)
		e.fails(401, "invalid token", "GET", "/api/profiles/anna", "bad", nil)

		want(e.must(200, "POST", "/api/profiles/anna/follow", jake, nil), true)
		want(e.must(200, "POST", "/api/profiles/anna/follow", jake, nil), true) // twice is once
		want(e.must(200, "GET", "/api/profiles/anna", jake, nil), true)
		want(e.must(200, "GET", "/api/profiles/anna", anna, nil), false) // anna does not follow herself
		e.fails(401, "missing", "POST", "/api/profiles/anna/follow", "", nil)
		e.fails(404, "profile not found", "POST", "/api/profiles/nobody/follow", jake, nil)
		e.fails(422, "yourself", "POST", "/api/profiles/jake/follow", jake, nil)

		want(e.must(200, "DELETE", "/api/profiles/anna/follow", jake, nil), false)
		want(e.must(200, "GET", "/api/profiles/anna", jake, nil), false)
		e.fails(401, "missing", "DELETE", "/api/profiles/anna/follow", "", nil)
		e.fails(404, "profile not found", "DELETE", "/api/profiles/nobody/follow", jake, nil)
	})
}
