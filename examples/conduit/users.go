package main

import (
	"errors"
	"net/http"
	"net/mail"
	"strings"

	"golang.org/x/crypto/bcrypt"

	"github.com/athanor-orm/athanor"
	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/session"
)

// POST /api/users
func (a *App) register(c *call) (int, any, error) {
	var req struct {
		User struct {
			Username *string `json:"username"`
			Email    *string `json:"email"`
			Password *string `json:"password"`
		} `json:"user"`
	}
	if err := decode(c.r, &req); err != nil {
		return 0, nil, err
	}
	in := req.User
	var msgs []string
	msgs = blank(msgs, "username", in.Username)
	msgs = blank(msgs, "email", in.Email)
	msgs = blank(msgs, "password", in.Password)
	if len(msgs) > 0 {
		return 0, nil, unprocessable(msgs...)
	}
	u := &User{Username: strings.TrimSpace(*in.Username), Email: strings.TrimSpace(*in.Email)}
	if err := validEmail(u.Email); err != nil {
		return 0, nil, err
	}
	// Hash before the first statement: the transaction's connection is
	// not held while bcrypt works.
	hash, err := bcrypt.GenerateFromPassword([]byte(*in.Password), a.cfg.BcryptCost)
	if err != nil {
		return 0, nil, unprocessable("password: " + err.Error())
	}
	u.PasswordHash = string(hash)
	if err := c.taken(u.Username, u.Email, 0); err != nil {
		return 0, nil, err
	}
	if err := c.s.Add(u); err != nil {
		return 0, nil, err
	}
	if err := c.flushUser(); err != nil {
		return 0, nil, err
	}
	body, err := c.userView(u)
	return http.StatusCreated, body, err
}

// blank adds "<field> can't be blank" for a missing or empty value.
func blank(msgs []string, field string, v *string) []string {
	if v == nil || strings.TrimSpace(*v) == "" {
		return append(msgs, field+" can't be blank")
	}
	return msgs
}

func validEmail(email string) error {
	if a, err := mail.ParseAddress(email); err != nil || a.Address != email {
		return unprocessable("email is invalid")
	}
	return nil
}

// taken refuses a username or email another user (not id) holds. The
// unique constraints stay the last word (flushUser). It runs before the
// user object changes: the query's autoflush would write the change.
func (c *call) taken(username, email string, id int64) error {
	t := c.a.tables.users
	type row struct {
		Username string `db:"username"`
		Email    string `db:"email"`
	}
	rows, err := session.Scan[row](c.ctx, c.s, core.Select(t.C("username"), t.C("email")).From(t).
		Where(core.Or(core.Eq(t.C("username"), username), core.Eq(t.C("email"), email)), core.Ne(t.C("id"), id)))
	if err != nil {
		return err
	}
	var msgs []string
	for _, r := range rows {
		if r.Username == username {
			msgs = append(msgs, "username has already been taken")
		}
		if r.Email == email {
			msgs = append(msgs, "email has already been taken")
		}
	}
	if len(msgs) > 0 {
		return unprocessable(msgs...)
	}
	return nil
}

// flushUser writes the user now, so a duplicate that raced past taken
// is a 422, not a failed commit.
func (c *call) flushUser() error {
	err := c.s.Flush(c.ctx)
	if errors.Is(err, athanor.ErrUniqueViolation) {
		return unprocessable("username or email has already been taken")
	}
	return err
}

// POST /api/users/login
func (a *App) login(c *call) (int, any, error) {
	var req struct {
		User struct {
			Email    *string `json:"email"`
			Password *string `json:"password"`
		} `json:"user"`
	}
	if err := decode(c.r, &req); err != nil {
		return 0, nil, err
	}
	var msgs []string
	msgs = blank(msgs, "email", req.User.Email)
	msgs = blank(msgs, "password", req.User.Password)
	if len(msgs) > 0 {
		return 0, nil, unprocessable(msgs...)
	}
	// On the primary: an account made a moment ago by another client
	// (without this one's causal cookie) may not be on the replicas yet.
	u, err := session.Query[User](c.s).Filter("Email", strings.TrimSpace(*req.User.Email)).First(onPrimary(c.ctx))
	if errors.Is(err, athanor.ErrNoRows) {
		return 0, nil, unauthorized("email or password is invalid")
	}
	if err != nil {
		return 0, nil, err
	}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(*req.User.Password)) != nil {
		return 0, nil, unauthorized("email or password is invalid")
	}
	body, err := c.userView(u)
	return http.StatusOK, body, err
}

// GET /api/user
func (a *App) currentUser(c *call) (int, any, error) {
	body, err := c.userView(c.me)
	return http.StatusOK, body, err
}

// PUT /api/user
func (a *App) updateUser(c *call) (int, any, error) {
	var req struct {
		User struct {
			Email    *string `json:"email"`
			Password *string `json:"password"`
			Username *string `json:"username"`
			Bio      *string `json:"bio"`
			Image    *string `json:"image"`
		} `json:"user"`
	}
	if err := decode(c.r, &req); err != nil {
		return 0, nil, err
	}
	in, u := req.User, c.me
	if in.Email == nil && in.Password == nil && in.Username == nil && in.Bio == nil && in.Image == nil {
		return 0, nil, unprocessable("user must hold at least one field")
	}
	var msgs []string
	if in.Username != nil {
		msgs = blank(msgs, "username", in.Username)
	}
	if in.Email != nil {
		msgs = blank(msgs, "email", in.Email)
	}
	if in.Password != nil {
		msgs = blank(msgs, "password", in.Password)
	}
	if len(msgs) > 0 {
		return 0, nil, unprocessable(msgs...)
	}
	username, email := u.Username, u.Email
	if in.Username != nil {
		username = strings.TrimSpace(*in.Username)
	}
	if in.Email != nil {
		email = strings.TrimSpace(*in.Email)
		if err := validEmail(email); err != nil {
			return 0, nil, err
		}
	}
	if in.Username != nil || in.Email != nil {
		if err := c.taken(username, email, u.ID); err != nil {
			return 0, nil, err
		}
	}
	u.Username, u.Email = username, email
	if in.Password != nil {
		hash, err := bcrypt.GenerateFromPassword([]byte(*in.Password), a.cfg.BcryptCost)
		if err != nil {
			return 0, nil, unprocessable("password: " + err.Error())
		}
		u.PasswordHash = string(hash)
	}
	if in.Bio != nil {
		u.Bio = *in.Bio
	}
	if in.Image != nil {
		u.Image = *in.Image
	}
	if err := c.flushUser(); err != nil {
		return 0, nil, err
	}
	body, err := c.userView(u)
	return http.StatusOK, body, err
}

// profileUser reads the user named by the path's username (404).
func (c *call) profileUser() (*User, error) {
	name := c.r.PathValue("username")
	u, err := session.Query[User](c.s).Filter("Username", name).First(c.ctx)
	if errors.Is(err, athanor.ErrNoRows) {
		return nil, notFound("profile")
	}
	return u, err
}

// GET /api/profiles/{username}
func (a *App) getProfile(c *call) (int, any, error) {
	u, err := c.profileUser()
	if err != nil {
		return 0, nil, err
	}
	f, err := c.following([]int64{u.ID})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]profileJSON{"profile": profileOf(u, f[u.ID])}, nil
}

// POST /api/profiles/{username}/follow
func (a *App) follow(c *call) (int, any, error) {
	u, err := c.profileUser()
	if err != nil {
		return 0, nil, err
	}
	if u.ID == c.me.ID {
		return 0, nil, unprocessable("you cannot follow yourself")
	}
	f := a.tables.follows
	// Following twice is following: the row exists once, and a
	// concurrent follow does not fail.
	if _, err := c.s.Exec(c.ctx, core.Insert(f).Columns(f.C("follower_id"), f.C("followee_id")).
		Values(c.me.ID, u.ID).OnConflictDoNothing(f.C("follower_id"), f.C("followee_id"))); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]profileJSON{"profile": profileOf(u, true)}, nil
}

// DELETE /api/profiles/{username}/follow
func (a *App) unfollow(c *call) (int, any, error) {
	u, err := c.profileUser()
	if err != nil {
		return 0, nil, err
	}
	f := a.tables.follows
	if _, err := c.s.Exec(c.ctx, core.Delete(f).Where(
		core.Eq(f.C("follower_id"), c.me.ID), core.Eq(f.C("followee_id"), u.ID))); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]profileJSON{"profile": profileOf(u, false)}, nil
}
