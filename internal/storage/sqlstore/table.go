package sqlstore

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// table maps a storage value type T to its SQL table: the columns in
// order, and a function returning pointers to T's fields in the same
// order, so that one list serves as query arguments (values) and as Scan
// destinations. The first column is the key of Get and Update.
type table[T any] struct {
	// what names a T in errors: "update " + what.
	what   string
	fields func(*T) []any

	// selectAll is SELECT every column FROM the table; byKey adds WHERE
	// key = $1; insert and update write every column (update's $1 is the
	// key).
	selectAll, byKey, insert, update string
	// insertHead is insert up to VALUES, for a multi-row insert of
	// valuesRow rows; columns is the number of columns.
	insertHead string
	columns    int
	// columnList is the columns, comma separated, in order.
	columnList string
}

// newTable describes the table name holding values of T in columns (comma
// separated). It panics if fields does not return one pointer per column.
func newTable[T any](name, what, columns string, fields func(*T) []any) *table[T] {
	cols := strings.Split(columns, ",")
	for i := range cols {
		cols[i] = strings.TrimSpace(cols[i])
	}
	var zero T
	if n := len(fields(&zero)); n != len(cols) {
		panic(fmt.Sprintf("sqlstore: table %s has %d columns and %d fields", name, len(cols), n))
	}
	params := make([]string, len(cols))
	set := make([]string, 0, len(cols)-1)
	for i, c := range cols {
		params[i] = fmt.Sprintf("$%d", i+1)
		if i > 0 {
			set = append(set, fmt.Sprintf("%s = $%d", c, i+1))
		}
	}
	t := &table[T]{what: what, fields: fields, columnList: strings.Join(cols, ", ")}
	t.selectAll = "SELECT " + strings.Join(cols, ", ") + " FROM " + name
	t.byKey = t.selectAll + " WHERE " + cols[0] + " = $1"
	t.insertHead = "INSERT INTO " + name + " (" + strings.Join(cols, ", ") + ") VALUES "
	t.insert = t.insertHead + "(" + strings.Join(params, ", ") + ")"
	t.columns = len(cols)
	t.update = "UPDATE " + name + " SET " + strings.Join(set, ", ") + " WHERE " + cols[0] + " = $1"
	return t
}

// qualified is the columns, comma separated, in order, each prefixed with
// alias and a dot: the select list of t in a join.
func (t *table[T]) qualified(alias string) string {
	return qualify(alias, strings.Split(t.columnList, ", "))
}

// qualify is cols, comma separated, each prefixed with alias and a dot.
func qualify(alias string, cols []string) string {
	for i, c := range cols {
		cols[i] = alias + "." + c
	}
	return strings.Join(cols, ", ")
}

// without is the select list of t in a join, as qualified gives it, less
// the column omit, and keep, which drops omit's field from the pointers
// fields returns, so that the two stay in step.
func (t *table[T]) without(alias, omit string) (list string, keep func([]any) []any) {
	cols := strings.Split(t.columnList, ", ")
	at := slices.Index(cols, omit)
	if at < 0 {
		panic(fmt.Sprintf("sqlstore: %s has no column %s", t.what, omit))
	}
	return qualify(alias, slices.Delete(cols, at, at+1)), func(f []any) []any { return slices.Delete(f, at, at+1) }
}

// valuesRow is the parenthesised placeholders of one row of a multi-row
// insert whose earlier rows took the first n arguments.
func (t *table[T]) valuesRow(n int) string {
	var b strings.Builder
	b.WriteByte('(')
	for i := range t.columns {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(n + i + 1))
	}
	b.WriteByte(')')
	return b.String()
}

// args returns v's fields as query arguments, in column order.
func (t *table[T]) args(v T) []any { return values(t.fields(&v)) }

// scan reads one row into a T.
func (t *table[T]) scan(r scanner) (T, error) {
	var v T
	err := r.Scan(t.fields(&v)...)
	return v, err
}

// get returns the one row of query (a SELECT of every column).
func get[T any](ctx context.Context, s *Store, t *table[T], op, query string, args ...any) (T, error) {
	v, err := t.scan(s.queryRow(ctx, query, args...))
	if err != nil {
		var zero T
		return zero, s.fail(op, err)
	}
	return v, nil
}

// list returns every row of query (a SELECT of every column), nil if
// there are none.
func list[T any](ctx context.Context, s *Store, t *table[T], op, query string, args ...any) ([]T, error) {
	rows, err := s.query(ctx, query, args...)
	if err != nil {
		return nil, s.fail(op, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := t.scan(rows)
		if err != nil {
			return nil, s.fail(op, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail(op, err)
	}
	return out, nil
}

// create inserts v; ErrAlreadyExists if a unique key is taken.
func create[T any](ctx context.Context, s *Store, t *table[T], v T) error {
	if _, err := s.exec(ctx, t.insert, t.args(v)...); err != nil {
		return s.fail("create "+t.what, err)
	}
	return nil
}

// update replaces the row id with fn's result, in a transaction holding
// the row: SQLite's write lock, or PostgreSQL's row lock (SELECT … FOR
// UPDATE). The key cannot be changed. If fn fails, nothing is written and
// its error is returned unchanged.
func update[T any](ctx context.Context, s *Store, t *table[T], id string, fn func(T) (T, error)) (T, error) {
	op := "update " + t.what
	var out T
	err := s.inTx(ctx, op, func(tx *Store) error {
		cur, err := get(ctx, tx, t, op, t.byKey+tx.f.forUpdate, id)
		if err != nil {
			return err
		}
		next, err := fn(cur)
		if err != nil {
			return err
		}
		*(t.fields(&next)[0].(*string)) = id
		if _, err := tx.exec(ctx, t.update, t.args(next)...); err != nil {
			return tx.fail(op, err)
		}
		out = readBack(next)
		return nil
	})
	return out, err
}
