package storage

import "context"

// CryptoSuiteStore records the crypto suite (package suite: "es256" or
// "sm") the platform's data was created under, once: what the platform
// sealed and indexed can only be read under that suite. Storage embeds it.
type CryptoSuiteStore interface {
	// RecordCryptoSuite stores name as the data's crypto suite if none is
	// stored yet and returns the stored one: name, or the suite another
	// process recorded first. Of concurrent callers exactly one records;
	// all get the same answer. An empty name is an error.
	RecordCryptoSuite(ctx context.Context, name string) (string, error)
	// CryptoSuite returns the stored crypto suite, or "" if none is
	// stored (data created before the suite was recorded).
	CryptoSuite(ctx context.Context) (string, error)
}
