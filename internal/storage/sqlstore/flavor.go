package sqlstore

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"reflect"
	"strings"
	"time"
	"unicode/utf8"
)

// flavor is what differs between the databases. Everything else (the
// queries, the transactions, the policies) is written once, in the
// PostgreSQL dialect that SQLite also speaks, with $N placeholders.
type flavor struct {
	// name prefixes the errors: "sqlite", "postgres".
	name string

	// placeholders, if set, rewrites a query's $N placeholders and its
	// arguments to match for the driver.
	placeholders func(query string, args []any) (string, []any)

	// forUpdate ends the SELECT with which an Update method reads its row:
	// it locks the row until the end of the transaction, where the
	// transaction's own lock does not already (" FOR UPDATE"), or "".
	forUpdate string
	// issueLock, with the person ID as $1, serialises IssueCredential per
	// person where the transaction's own lock does not already; "" if it
	// does.
	issueLock string
	// takeTail takes the record log's tail for AppendRecord, until the end
	// of the transaction, and returns the new record's Seq and the time and
	// hash of the last record (NULL if the log is empty); "" if the
	// transaction's own lock holds the tail (AppendRecord then reads the
	// last record at once). untakeTail gives back the Seq that takeTail
	// took, for an append whose chain failed inside a longer transaction.
	takeTail, untakeTail string
	// takeTree takes the tail as takeTail does and also returns the size
	// and frontier of the tree the tail row keeps (-1 and NULL if it keeps
	// none), for AppendTreeRecord; appendTree stores an append (the
	// record as $1…$13, the tree head's size, root, frontier, time and
	// signature as $14…$18, the nodes' levels, indexes and hashes as
	// arrays $19…$21, whether the head is kept as $22) and keeps its end,
	// the head included, in the tail row, in one statement. Both "" where
	// the flavor keeps no tail row.
	takeTree, appendTree string
	// tree reads the stored tree heads: those of tree_heads and the
	// newest append's, from where the flavor keeps it (newTreeQueries).
	tree treeQueries
	// changeOnce: the database runs data-modifying WITH queries, so a
	// change of a session and the one-time value it records take one
	// statement (onceStatement); false: one transaction.
	changeOnce bool
	// recordOfSession is a query of the record of the row of sessions
	// named sessions: a record with its id and rp_id, written from
	// storage.RecordSlack before its updated_at to storage.RecordWindow
	// after, looked up in records_rp_time. It asks for the first such
	// record in time order: the index is then read in order from the
	// session's end and the lookup stops at its record, a row or two
	// however busy the relying party; and the LIMIT keeps PostgreSQL's
	// planner from turning the lookups into a join that hashes the whole
	// log (it cannot estimate a range whose bounds come from the outer
	// row).
	recordOfSession string
	// monthlyRecords: records is partitioned by month of time
	// (MaintainPartitions keeps the partitions); false: one table.
	monthlyRecords bool

	// timeArg converts a non-zero time for the database: UTC, truncated
	// to the microsecond.
	timeArg func(time.Time) any
	// listArg converts a non-empty string list, each element valid UTF-8
	// without NUL bytes, for the database.
	listArg func([]string) (any, error)
	// scanList reads back a string list that the database returned as
	// text; nil if the driver scans a *[]string itself.
	scanList func(text []byte) ([]string, error)
	// unique reports whether err is the violation of a unique key.
	unique func(err error) bool
	// unavailable reports whether err means the database cannot be
	// reached for the moment (nil: never).
	unavailable func(err error) bool

	// migrations holds the flavor's migrations, NNNN_name.sql.
	migrations fs.FS
	// migrationLock, run first in each migration's transaction, makes
	// migrations from several processes wait for each other; "" if
	// beginning the transaction does.
	migrationLock string
	// migrationTable creates schema_migrations if it does not exist.
	migrationTable string
}

// errBadListElement is returned for a string list element that is not
// valid UTF-8 text without NUL bytes. Such elements are refused rather than
// altered (PostgreSQL's text cannot hold them, and JSON would replace
// invalid bytes), before the query, so the error never quotes them.
var errBadListElement = errors.New("list element is not valid UTF-8 text without NUL bytes")

// prepare returns query and its arguments as the driver takes them
// (placeholders, args).
func (f *flavor) prepare(query string, args []any) (string, []any, error) {
	args, err := f.args(args)
	if err != nil {
		return "", nil, err
	}
	if f.placeholders != nil {
		query, args = f.placeholders(query, args)
	}
	return query, args, nil
}

// args converts query arguments for the database, in place: times, byte
// slices and string lists are stored NULL when zero or empty, times UTC
// to the microsecond; string lists as the flavor keeps them.
func (f *flavor) args(args []any) ([]any, error) {
	for i, a := range args {
		switch v := a.(type) {
		case time.Time:
			if v.IsZero() {
				args[i] = nil
			} else {
				args[i] = f.timeArg(v)
			}
		case []byte:
			if len(v) == 0 {
				args[i] = nil
			}
		case []string:
			if len(v) == 0 {
				args[i] = nil
				continue
			}
			for _, e := range v {
				if !utf8.ValidString(e) || strings.IndexByte(e, 0) >= 0 {
					return nil, errBadListElement
				}
			}
			l, err := f.listArg(v)
			if err != nil {
				return nil, err
			}
			args[i] = l
		}
	}
	return args, nil
}

// dests converts Scan destinations, in place: a *time.Time, *[]byte or
// (unless the driver reads lists itself) *[]string gets a scanner that
// reads the flavor's column back (NULL as the zero time or nil).
func (f *flavor) dests(dest []any) []any {
	for i, d := range dest {
		switch p := d.(type) {
		case *time.Time:
			dest[i] = (*timeDest)(p)
		case *[]byte:
			dest[i] = (*bytesDest)(p)
		case *[]string:
			if f.scanList != nil {
				dest[i] = &listDest{f: f, p: p}
			}
		}
	}
	return dest
}

// timeDest reads a time back: INTEGER microseconds since the Unix epoch
// (SQLite) or timestamptz (PostgreSQL), in UTC; NULL is the zero time.
type timeDest time.Time

func (t *timeDest) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*t = timeDest{}
	case int64:
		*t = timeDest(time.UnixMicro(v).UTC())
	case time.Time:
		*t = timeDest(v.UTC())
	default:
		return fmt.Errorf("reading a time: unexpected %T", src)
	}
	return nil
}

// bytesDest reads a byte slice back, nil if NULL or empty.
type bytesDest []byte

func (b *bytesDest) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*b = nil
	case []byte:
		*b = bytes.Clone(v)
		if len(*b) == 0 {
			*b = nil
		}
	default:
		return fmt.Errorf("reading bytes: unexpected %T", src)
	}
	return nil
}

// listDest reads a string list back, nil if NULL or empty.
type listDest struct {
	f *flavor
	p *[]string
}

func (l *listDest) Scan(src any) error {
	var text []byte
	switch v := src.(type) {
	case nil:
		*l.p = nil
		return nil
	case string:
		text = []byte(v)
	case []byte:
		text = v
	default:
		return fmt.Errorf("reading a list: unexpected %T", src)
	}
	v, err := l.f.scanList(text)
	if err != nil {
		return fmt.Errorf("reading a list: %w", err)
	}
	if len(v) == 0 {
		v = nil
	}
	*l.p = v
	return nil
}

// values dereferences the field pointers of a table's fields function into
// query arguments, in place. Named string types become strings.
func values(fields []any) []any {
	for i, p := range fields {
		switch p := p.(type) {
		case *string:
			fields[i] = *p
		case *int:
			fields[i] = int64(*p)
		case *int64:
			fields[i] = *p
		case *float64:
			fields[i] = *p
		case *bool:
			fields[i] = *p
		case *time.Time:
			fields[i] = *p
		case *[]byte:
			fields[i] = *p
		case *[]string:
			fields[i] = *p
		default:
			v := reflect.ValueOf(p).Elem()
			if v.Kind() != reflect.String {
				panic(fmt.Sprintf("sqlstore: no column type for %T", p))
			}
			fields[i] = v.String()
		}
	}
	return fields
}

var (
	timeType    = reflect.TypeFor[time.Time]()
	bytesType   = reflect.TypeFor[[]byte]()
	stringsType = reflect.TypeFor[[]string]()
)

// readBack returns v, a storage value struct, as it reads back from the
// database: times in UTC truncated to the microsecond, empty byte slices
// and string lists nil.
func readBack[T any](v T) T {
	rv := reflect.ValueOf(&v).Elem()
	for i := range rv.NumField() {
		f := rv.Field(i)
		switch f.Type() {
		case timeType:
			if t := f.Addr().Interface().(*time.Time); t.IsZero() {
				*t = time.Time{}
			} else {
				*t = t.UTC().Truncate(time.Microsecond)
			}
		case bytesType, stringsType:
			if f.Len() == 0 {
				f.SetZero()
			}
		}
	}
	return v
}
