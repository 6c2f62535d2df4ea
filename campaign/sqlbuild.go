package campaign

import (
	"context"
	"database/sql"
	"strconv"
	"strings"

	"github.com/pacerhq/pacer/models"
)

// query builds a statement with positional arguments in the dialect's
// placeholder style, for the multi-row statements gorm would build slowly.
type query struct {
	postgres bool
	b        strings.Builder
	args     []any
}

func newQuery(dialect string) *query { return &query{postgres: dialect == models.DialectPostgres} }

// sql appends SQL text.
func (q *query) sql(s string) *query {
	q.b.WriteString(s)
	return q
}

// arg appends a placeholder bound to v.
func (q *query) arg(v any) *query {
	q.args = append(q.args, v)
	if q.postgres {
		q.b.WriteByte('$')
		q.b.WriteString(strconv.Itoa(len(q.args)))
	} else {
		q.b.WriteByte('?')
	}
	return q
}

// tuple appends "(a, b, …)" with one placeholder per value.
func (q *query) tuple(vs ...any) *query {
	q.b.WriteByte('(')
	for i, v := range vs {
		if i > 0 {
			q.b.WriteString(", ")
		}
		q.arg(v)
	}
	q.b.WriteByte(')')
	return q
}

// in appends " IN (…)" over values on SQLite, and " = ANY($n)" with one
// array argument on Postgres.
func in[T int64 | string](q *query, values []T) *query {
	if q.postgres {
		return q.sql(" = ANY(").arg(values).sql(")")
	}
	vs := make([]any, len(values))
	for i, v := range values {
		vs[i] = v
	}
	return q.sql(" IN ").tuple(vs...)
}

func (q *query) String() string { return q.b.String() }

// stmts runs a transaction's statements, prepared once per shape when
// prepare is set: a batch's chunks share a few shapes, and the SQLite
// driver would otherwise parse each one again.
type stmts struct {
	tx      *sql.Tx
	prepare bool
	cache   map[string]*sql.Stmt
}

func (s *stmts) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := s.cache[query]; ok {
		return st, nil
	}
	st, err := s.tx.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if s.cache == nil {
		s.cache = map[string]*sql.Stmt{}
	}
	s.cache[query] = st
	return st, nil
}

// ExecContext runs a statement.
func (s *stmts) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if !s.prepare {
		return s.tx.ExecContext(ctx, query, args...)
	}
	st, err := s.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

// QueryContext runs a query.
func (s *stmts) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if !s.prepare {
		return s.tx.QueryContext(ctx, query, args...)
	}
	st, err := s.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

func (s *stmts) close() {
	for _, st := range s.cache {
		_ = st.Close()
	}
}
