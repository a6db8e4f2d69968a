package storage

import "context"

// IdentityFormatStore finds the persons whose sealed identity is in an old
// format (Person.IdentityFormat), so that the platform can rewrite them in
// the current one (person.Reseal) and fields it no longer keeps leave the
// database. Storage embeds it.
type IdentityFormatStore interface {
	// ListPersonsByIdentityFormat returns up to limit persons whose
	// IdentityFormat is at least 1 and below format, with IDs greater than
	// after, ordered by ID in the database's order of IDs (so that passing
	// the last ID returned as after reads on where a call stopped); nil
	// when there are none or limit is below 1.
	ListPersonsByIdentityFormat(ctx context.Context, format int, after string, limit int) ([]Person, error)
}
