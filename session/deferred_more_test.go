package session_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/loader"
	"github.com/athanor-orm/athanor/mapper"
	"github.com/athanor-orm/athanor/session"
)

// TestDeferredSessionPaths: Refresh rereads the deferred fields an object
// has loaded and leaves the others unloaded; Merge and Attach of an
// object lacking a deferred field do not write it; streams and keyset
// pages load without deferred columns and honour column options; an
// identity-map hit keeps the held object as it is.
func TestDeferredSessionPaths(t *testing.T) {
	eachServer(t, func(t *testing.T, srv server) {
		ctx := context.Background()
		reg := dfSeed(t, srv)
		setBody := func(id int64, body string) {
			t.Helper()
			if _, err := srv.db.Exec(ctx, core.Raw("UPDATE df_articles SET body = ? WHERE id = ?", body, id)); err != nil {
				t.Fatal(err)
			}
		}

		t.Run("refresh", func(t *testing.T) {
			s := dfSession(srv, reg)
			arts, err := session.Query[dfArticle](s).OrderBy("ID").All(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.LoadFields(ctx, arts[0], "Body"); err != nil {
				t.Fatal(err)
			}
			a0, a1 := arts[0], arts[1]
			a1.Body = "" // unloaded, zero
			setBody(1, "fresh 1")
			srv.log.take()
			if err := s.Refresh(ctx, a0); err != nil {
				t.Fatal(err)
			}
			if err := s.Refresh(ctx, a1); err != nil {
				t.Fatal(err)
			}
			sel := selects(srv)
			if len(sel) != 2 || !strings.Contains(sel[0], "body") || strings.Contains(sel[1], "body") {
				t.Fatalf("refresh selects %q", sel)
			}
			if a0.Body != "fresh 1" || a1.Body != "" {
				t.Fatalf("after refresh: %q %q", a0.Body, a1.Body)
			}
			setBody(1, "body 1")
		})

		t.Run("merge and attach", func(t *testing.T) {
			s := dfSession(srv, reg)
			// A detached object, as from a request, without the body.
			m, err := session.Merge(ctx, s, &dfArticle{ID: 1, Title: "Merged", AuthorID: 1, Version: 1})
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Commit(ctx); err != nil {
				t.Fatal(err)
			}
			if got := dbBody(t, srv, 1); got != "body 1" || m.Title != "Merged" {
				t.Fatalf("merge wrote body %q", got)
			}
			s = dfSession(srv, reg)
			a := &dfArticle{ID: 2, Title: "Attached", AuthorID: 1, Version: 1}
			if err := s.Attach(a); err != nil {
				t.Fatal(err)
			}
			if err := s.Commit(ctx); err != nil {
				t.Fatal(err)
			}
			if got := dbBody(t, srv, 2); got != "body 2" {
				t.Fatalf("attach wrote body %q", got)
			}
			s = dfSession(srv, reg)
			a = &dfArticle{ID: 2, Title: "Attached", AuthorID: 1, Version: 2, Body: "set"}
			if err := s.Attach(a); err != nil {
				t.Fatal(err)
			}
			if err := s.Commit(ctx); err != nil {
				t.Fatal(err)
			}
			if got := dbBody(t, srv, 2); got != "set" {
				t.Fatalf("attach with a body wrote %q", got)
			}
			setBody(2, "body 2")
		})

		t.Run("stream", func(t *testing.T) {
			for _, c := range []struct {
				opts []loader.Option
				body string
			}{{nil, ""}, {[]loader.Option{loader.Undefer("Body")}, "body 1"}} {
				s := dfSession(srv, reg)
				srv.log.take()
				var got []*dfArticle
				for a, err := range session.Query[dfArticle](s).Options(c.opts...).OrderBy("ID").Stream(ctx, 2) {
					if err != nil {
						t.Fatal(err)
					}
					got = append(got, a)
				}
				if len(got) != 3 || got[0].Body != c.body || got[0].Title == "" {
					t.Fatalf("stream %v: %+v", c.opts, got)
				}
				for _, q := range selects(srv) {
					if strings.Contains(q, "body") != (c.body != "") {
						t.Fatalf("stream %v: %s", c.opts, q)
					}
				}
			}
		})

		t.Run("page", func(t *testing.T) {
			s := dfSession(srv, reg)
			p, err := session.Query[dfArticle](s).OrderBy("Title").Page(ctx, session.PageRequest{Size: 2})
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Items) != 2 || p.Items[0].Body != "" || p.Items[0].Title == "" || !p.HasNext {
				t.Fatalf("page %+v", p.Items)
			}
			p, err = session.Query[dfArticle](s).OrderBy("Title").Page(ctx, session.PageRequest{Size: 2, After: p.Next})
			if err != nil || len(p.Items) != 1 {
				t.Fatalf("page 2: %v %+v", err, p)
			}
			// Cursors take the order's values from the objects: a deferred
			// order column must be loaded.
			_, err = session.Query[dfArticle](s).OrderBy("Body").Page(ctx, session.PageRequest{Size: 2})
			if !errors.Is(err, session.ErrKeysetOrder) || !strings.Contains(err.Error(), "dfArticle.Body") {
				t.Fatalf("order by a deferred column: %v", err)
			}
			s = dfSession(srv, reg)
			var bodies []string
			req := session.PageRequest{Size: 2}
			for {
				p, err := session.Query[dfArticle](s).Options(loader.Undefer("Body")).OrderBy("-Body").Page(ctx, req)
				if err != nil {
					t.Fatal(err)
				}
				for _, a := range p.Items {
					bodies = append(bodies, a.Body)
				}
				if !p.HasNext {
					break
				}
				req.After = p.Next
			}
			if strings.Join(bodies, ",") != "body 3,body 2,body 1" {
				t.Fatalf("pages by body: %q", bodies)
			}
			// Statement shows the column options.
			st, err := session.Query[dfArticle](s).Options(loader.LoadOnly("Title")).Statement()
			if err != nil {
				t.Fatal(err)
			}
			sql, err := core.Compile(srv.db.Dialect(), st)
			if err != nil || strings.Contains(sql.SQL, "version") || !strings.Contains(sql.SQL, "title") {
				t.Fatalf("statement %v: %v", sql.SQL, err)
			}
		})

		t.Run("identity map hit", func(t *testing.T) {
			// Without autoflush, so that the caller's changes are still
			// unflushed when the rows come.
			s := session.New(session.DB(srv.db), session.Options{Registry: reg, NoAutoflush: true})
			a, err := session.Get[dfArticle](ctx, s, 1)
			if err != nil || a.Body != "" {
				t.Fatalf("get: %v %q", err, a.Body)
			}
			c, err := session.Get[dfArticle](ctx, s, 2)
			if err != nil {
				t.Fatal(err)
			}
			a.Title = "changed" // another field changed: Body is still filled
			c.Body = "mine"     // set by the caller: kept
			srv.log.take()
			arts, err := session.Query[dfArticle](s).Options(loader.Undefer("Body"), loader.UndeferGroup("text")).
				Where(core.Raw("1 = 1")).OrderBy("ID").All(ctx)
			if err != nil || arts[0] != a || arts[1] != c {
				t.Fatalf("query: %v", err)
			}
			// The held objects' unloaded fields are filled from the rows;
			// the one the caller set is kept.
			if a.Body != "body 1" || a.Summary != "sum 1" || a.Notes == nil || c.Body != "mine" || c.Summary != "sum 2" || a.Title != "changed" {
				t.Fatalf("filled: %q %q %v %q %q %q", a.Body, a.Summary, a.Notes, c.Body, c.Summary, a.Title)
			}
			// Joined and SelectIn loads fill held objects too.
			au, err := session.Get[dfAuthor](ctx, s, 1)
			if err != nil || au.Bio != "" {
				t.Fatalf("get author: %v %q", err, au.Bio)
			}
			if _, err := session.Query[dfArticle](s).Options(loader.Joined("Author").UndeferGroup("text")).All(ctx); err != nil || au.Bio != "bio of ada" {
				t.Fatalf("joined fill: %v %q", err, au.Bio)
			}
			srv.log.take()
			if err := s.Commit(ctx); err != nil {
				t.Fatal(err)
			}
			for _, q := range srv.log.take() {
				if strings.HasPrefix(q, "UPDATE") && (strings.Contains(q, "summary") || strings.Contains(q, "notes") || strings.Contains(q, "bio")) {
					t.Fatalf("wrote filled fields: %s", q)
				}
			}
			if got := dbBody(t, srv, 2); got != "mine" {
				t.Fatalf("body 2 = %q, want the caller's", got)
			}
			setBody(2, "body 2")
			if _, err := srv.db.Exec(ctx, core.Raw("UPDATE df_articles SET title = 'Engines' WHERE id = 1")); err != nil {
				t.Fatal(err)
			}
		})
	})
}

type dfBadPK struct {
	_  struct{} `athanor:",table:df_bad_pk"`
	ID int64    `athanor:",pk,deferred"`
}

type dfBadVersion struct {
	_       struct{} `athanor:",table:df_bad_version"`
	ID      int64    `athanor:",pk"`
	Version int64    `athanor:",version,deferred"`
}

type dfBadOwner struct {
	_     struct{}      `athanor:",table:df_bad_owners"`
	ID    int64         `athanor:",pk"`
	Items []*dfBadChild `athanor:",backref:Owner"`
}

type dfBadChild struct {
	_       struct{}    `athanor:",table:df_bad_children"`
	ID      int64       `athanor:",pk"`
	OwnerID int64       `athanor:",deferred"`
	Owner   *dfBadOwner `athanor:",backref:Items"`
}

type dfNoMethod struct {
	_    struct{} `athanor:",table:df_no_method"`
	ID   int64    `athanor:",pk"`
	Name string   `athanor:",computed"`
}

type dfBadComputedTag struct {
	_    struct{} `athanor:",table:df_bad_computed"`
	ID   int64    `athanor:",pk"`
	Name string   `athanor:",computed,size:10"`
}

func (dfBadComputedTag) Computed(*core.Table, *mapper.Registry) (map[string]core.Expr, error) {
	return nil, nil
}

type dfMissingExpr struct {
	_     struct{} `athanor:",table:ca_missing"`
	ID    int64    `athanor:",pk"`
	Label string   `athanor:",computed"`
}

func (dfMissingExpr) Computed(t *core.Table, _ *mapper.Registry) (map[string]core.Expr, error) {
	return map[string]core.Expr{"Other": t.C("id")}, nil
}

// TestDeferredRegistrationErrors: deferring a key, a version column or a
// relationship's key, and computed fields without a Computed method or
// with column options, fail at registration naming struct, field and
// tag; a Computed method that gives no expression for a field fails the
// query, naming the model and field.
func TestDeferredRegistrationErrors(t *testing.T) {
	for _, c := range []struct {
		reg   func(*mapper.Registry) (*mapper.Model, error)
		field string
		want  string
	}{
		{mapper.RegisterIn[dfBadPK], "ID", "primary-key"},
		{mapper.RegisterIn[dfBadVersion], "Version", "version"},
		{mapper.RegisterIn[dfBadOwner], "OwnerID", "relationship"},
		{mapper.RegisterIn[dfNoMethod], "Name", "Computed"},
		{mapper.RegisterIn[dfBadComputedTag], "Name", "size"},
	} {
		_, err := c.reg(mapper.NewRegistry())
		if !errors.Is(err, mapper.ErrBadTag) || !strings.Contains(err.Error(), "field "+c.field) ||
			!strings.Contains(err.Error(), "tag ") || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v", c.field, err)
		}
	}
	db := setup(t).db
	reg := mapper.NewRegistry()
	if _, err := mapper.RegisterIn[dfMissingExpr](reg); err != nil {
		t.Fatal(err)
	}
	s := session.New(session.DB(db), session.Options{Registry: reg})
	_, err := session.Query[dfMissingExpr](s).All(context.Background())
	if !errors.Is(err, mapper.ErrBadTag) || !strings.Contains(err.Error(), "dfMissingExpr") || !strings.Contains(err.Error(), "Label") {
		t.Fatalf("missing expression: %v", err)
	}
}

// TestDeferredBulkSync: a bulk UPDATE whose criteria name a deferred
// column cannot be evaluated on held objects that may lack it: it
// synchronises them by fetching the matched keys instead, so a held
// object without the body is updated too.
func TestDeferredBulkSync(t *testing.T) {
	eachServer(t, func(t *testing.T, srv server) {
		ctx := context.Background()
		reg := dfSeed(t, srv)
		s := dfSession(srv, reg)
		defer s.Close(ctx)
		a, err := session.Get[dfArticle](ctx, s, 1)
		if err != nil || a.Body != "" {
			t.Fatalf("get: %v %q", err, a.Body)
		}
		n, err := session.Query[dfArticle](s).Filter("Body", "body 1").UpdateAll(ctx, session.Set{"Title": "Bulk"}, session.SyncAuto)
		if err != nil || n != 1 {
			t.Fatalf("update: %d %v", n, err)
		}
		if a.Title != "Bulk" {
			t.Fatalf("held object not synchronised: %q", a.Title)
		}
		_, err = session.Query[dfArticle](s).Filter("Body", "body 1").UpdateAll(ctx, session.Set{"Title": "Bulk"}, session.SyncEvaluate)
		if !errors.Is(err, core.ErrNotEvaluable) {
			t.Fatalf("evaluate on a deferred column: %v", err)
		}
		if err := s.Rollback(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

type caEmployee struct {
	_           struct{}      `athanor:",table:ca_employees"`
	ID          int64         `athanor:",pk"`
	Name        string        `athanor:",size:50"`
	ManagerID   *int64        `athanor:",index"`
	Manager     *caEmployee   `athanor:",fk:manager_id"`
	Reports     []*caEmployee `athanor:",fk:manager_id,backref:Manager"`
	ReportCount int64         `athanor:",computed"`
}

// Computed aliases its own table inside the subquery, so that it does
// not capture t (the outer table or a load's alias of it).
func (caEmployee) Computed(t *core.Table, reg *mapper.Registry) (map[string]core.Expr, error) {
	emps, err := mapper.TableOf[caEmployee](reg)
	if err != nil {
		return nil, err
	}
	sub := emps.As("ca_sub")
	return map[string]core.Expr{
		"ReportCount": core.Subquery(core.Select(core.Count(core.Star())).From(sub).
			Where(core.Eq(sub.C("manager_id"), t.C("id")))),
	}, nil
}

// TestComputedSelfReference: a computed field over the model's own table
// is right for the query's objects and for a self-referencing joined or
// SelectIn load, whose alias the expression follows.
func TestComputedSelfReference(t *testing.T) {
	eachServer(t, func(t *testing.T, srv server) {
		ctx := context.Background()
		reg := schema(t, srv.db, mapper.RegisterIn[caEmployee])
		s := dfSession(srv, reg)
		boss := &caEmployee{ID: 1, Name: "boss"}
		mid := &caEmployee{ID: 2, Name: "mid", Manager: boss}
		for i := range 3 {
			if err := s.Add(&caEmployee{ID: int64(10 + i), Name: "e", Manager: mid}); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Add(boss, mid); err != nil {
			t.Fatal(err)
		}
		if err := s.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		for _, opt := range []loader.Option{loader.Joined("Manager"), loader.SelectIn("Manager")} {
			s := dfSession(srv, reg)
			es, err := session.Query[caEmployee](s).Options(opt).OrderBy("ID").All(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(es) != 5 || es[0].ReportCount != 1 || es[1].ReportCount != 3 || es[2].ReportCount != 0 {
				t.Fatalf("%v: counts %d %d %d", opt, es[0].ReportCount, es[1].ReportCount, es[2].ReportCount)
			}
			if es[1].Manager != es[0] || es[2].Manager != es[1] || es[2].Manager.ReportCount != 3 {
				t.Fatalf("%v: managers", opt)
			}
			// The managers come only through the load here.
			s = dfSession(srv, reg)
			q := session.Query[caEmployee](s)
			leaves, err := q.Where(core.Ge(q.C("ID"), 10)).Options(opt).OrderBy("ID").All(ctx)
			if err != nil || len(leaves) != 3 || leaves[0].ReportCount != 0 || leaves[0].Manager.ID != 2 || leaves[0].Manager.ReportCount != 3 {
				t.Fatalf("%v: leaves %v %+v", opt, err, leaves)
			}
		}
		// A joined collection under a bounded query (a derived table the
		// collection joins) and, where the server has LATERAL, with a
		// per-owner limit.
		s = dfSession(srv, reg)
		top, err := session.Query[caEmployee](s).Options(loader.Joined("Reports")).OrderBy("ID").Limit(2).All(ctx)
		if err != nil || len(top) != 2 || top[0].ReportCount != 1 || top[1].ReportCount != 3 || len(top[1].Reports) != 3 {
			t.Fatalf("bounded joined: %v %+v", err, top)
		}
		if srv.name == "postgres" {
			s = dfSession(srv, reg)
			b, err := session.Query[caEmployee](s).Filter("ID", 1).Options(loader.Joined("Reports").Limit(1)).One(ctx)
			if err != nil || len(b.Reports) != 1 || b.Reports[0].ReportCount != 3 {
				t.Fatalf("lateral: %v %+v", err, b)
			}
		}
		s = dfSession(srv, reg)
		es, err := session.Query[caEmployee](s).Join("Manager").Filter("Manager.ReportCount", 3).OrderBy("ID").All(ctx)
		if err != nil || len(es) != 3 || es[0].ID != 10 {
			t.Fatalf("filter through the join: %v %d", err, len(es))
		}
	})
}

// TestLoadFieldsEvents: LoadFields runs the refresh listeners of the
// objects it filled, once each, after filling them.
func TestLoadFieldsEvents(t *testing.T) {
	eachServer(t, func(t *testing.T, srv server) {
		ctx := context.Background()
		reg := dfSeed(t, srv)
		ev := &session.Events{}
		var seen []string
		session.OnRefresh(ev, func(_ context.Context, _ *session.Session, a *dfArticle) {
			seen = append(seen, a.Body)
		})
		s := session.New(session.DB(srv.db), session.Options{Registry: reg, Events: ev})
		arts, err := session.Query[dfArticle](s).Where(core.Raw("1 = 1")).OrderBy("ID").All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		arts[1].Body = "mine"
		if err := s.LoadFields(ctx, arts[0], "Body"); err != nil {
			t.Fatal(err)
		}
		if strings.Join(seen, ",") != "body 1,body 3" && strings.Join(seen, ",") != "body 3,body 1" {
			t.Fatalf("listeners saw %q", seen)
		}
		if err := s.Rollback(ctx); err != nil {
			t.Fatal(err)
		}
	})
}
