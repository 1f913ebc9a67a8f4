package main

import "net/http"

// routes is the API of the spec (openapi.yml), under /api.
func (a *App) routes() *http.ServeMux {
	mux := http.NewServeMux()
	const ro, rw = false, true
	for _, r := range []struct {
		pattern string
		mode    authMode
		write   bool
		fn      handlerFunc
	}{
		{"POST /api/users/login", authOptional, ro, a.login}, // reads the primary, outside a transaction
		{"POST /api/users", authOptional, rw, a.register},
		{"GET /api/user", authRequired, ro, a.currentUser},
		{"PUT /api/user", authRequired, rw, a.updateUser},
		{"GET /api/profiles/{username}", authOptional, ro, a.getProfile},
		{"POST /api/profiles/{username}/follow", authRequired, rw, a.follow},
		{"DELETE /api/profiles/{username}/follow", authRequired, rw, a.unfollow},
		{"GET /api/articles/feed", authRequired, ro, a.feed},
		{"GET /api/articles", authOptional, ro, a.listAll},
		{"POST /api/articles", authRequired, rw, a.createArticle},
		{"GET /api/articles/{slug}", authOptional, ro, a.getArticle},
		{"PUT /api/articles/{slug}", authRequired, rw, a.updateArticle},
		{"DELETE /api/articles/{slug}", authRequired, rw, a.deleteArticle},
		{"POST /api/articles/{slug}/favorite", authRequired, rw, a.favorite},
		{"DELETE /api/articles/{slug}/favorite", authRequired, rw, a.unfavorite},
		{"GET /api/articles/{slug}/comments", authOptional, ro, a.listComments},
		{"POST /api/articles/{slug}/comments", authRequired, rw, a.addComment},
		{"DELETE /api/articles/{slug}/comments/{id}", authRequired, rw, a.deleteComment},
		{"GET /api/tags", authOptional, ro, a.listTags},
	} {
		mux.Handle(r.pattern, a.route(r.mode, r.write, r.fn))
	}
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, errorBody("no such endpoint: "+r.Method+" "+r.URL.Path))
	})
	return mux
}
