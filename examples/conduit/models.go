package main

import (
	"fmt"
	"time"

	"github.com/athanor-orm/athanor/mapper"
)

// User is a registered account; its profile is the public part.
type User struct {
	_            struct{} `athanor:",table:users"`
	ID           int64
	Username     string `athanor:",size:100,unique"`
	Email        string `athanor:",size:255,unique"`
	PasswordHash string `athanor:",size:100"`
	Bio          string
	Image        string
}

// Follow is one user following another.
type Follow struct {
	_          struct{} `athanor:",table:follows"`
	FollowerID int64    `athanor:",pk"`
	FolloweeID int64    `athanor:",pk,index"`
	Follower   *User    `athanor:",fk:follower_id,ondelete:cascade"`
	Followee   *User    `athanor:",fk:followee_id,ondelete:cascade"`
}

// Article is a post. Body is deferred: list responses do not carry it,
// so list queries do not read it.
type Article struct {
	_           struct{} `athanor:",table:articles"`
	ID          int64
	Slug        string `athanor:",size:255,unique"`
	Title       string `athanor:",size:255"`
	Description string
	Body        string `athanor:",deferred"`
	AuthorID    int64  `athanor:",index"`
	Author      *User  `athanor:",fk:author_id"`
	// Tags share rows between articles through article_tags, whose rows
	// go with the article (the synthesized table cascades deletes).
	Tags      []*Tag      `athanor:",secondary:article_tags,backref:Articles"`
	Favorites []*Favorite `athanor:",backref:Article,cascade:all"`
	Comments  []*Comment  `athanor:",backref:Article,cascade:all"`
	CreatedAt time.Time   `athanor:",index"`
	UpdatedAt time.Time
}

// Tag is a label; its name is unique.
type Tag struct {
	_        struct{} `athanor:",table:tags"`
	ID       int64
	Name     string     `athanor:",size:100,unique"`
	Articles []*Article `athanor:",secondary:article_tags,backref:Tags"`
}

// Favorite is a user's favorite article.
type Favorite struct {
	_         struct{} `athanor:",table:favorites"`
	UserID    int64    `athanor:",pk"`
	ArticleID int64    `athanor:",pk,index"`
	User      *User    `athanor:",fk:user_id,ondelete:cascade"`
	Article   *Article `athanor:",fk:article_id"`
}

// Comment is a comment on an article.
type Comment struct {
	_         struct{} `athanor:",table:comments"`
	ID        int64
	Body      string
	ArticleID int64    `athanor:",index"`
	Article   *Article `athanor:",fk:article_id"`
	AuthorID  int64    `athanor:",index"`
	Author    *User    `athanor:",fk:author_id"`
	CreatedAt time.Time
	UpdatedAt time.Time
}

// newRegistry registers the models in a registry of their own, so the
// tests can build several apps in one process.
func newRegistry() (*mapper.Registry, error) {
	reg := mapper.NewRegistry()
	for _, reg1 := range []func(*mapper.Registry) (*mapper.Model, error){
		mapper.RegisterIn[User], mapper.RegisterIn[Follow], mapper.RegisterIn[Article],
		mapper.RegisterIn[Tag], mapper.RegisterIn[Favorite], mapper.RegisterIn[Comment],
	} {
		if _, err := reg1(reg); err != nil {
			return nil, fmt.Errorf("conduit: register models: %w", err)
		}
	}
	return reg, nil
}
