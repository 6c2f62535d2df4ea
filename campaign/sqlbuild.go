package campaign

import (
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

func (q *query) String() string { return q.b.String() }
