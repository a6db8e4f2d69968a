// Package conformance is the test suite every storage.Storage backend
// passes, in the style of dex's storage/conformance: RunTests checks each
// method against each sentence of the storage.Storage contract (sentinel
// errors, round trips of every field including zero times and empty byte
// slices, Update semantics, revocation on issue, orderings, expiry,
// InTransaction's commit, rollback, isolation and nesting), and
// RunConcurrencyTests checks the races the platform depends on (one person
// per blind index, one consumption per code or grant, one claim per
// verification session, contiguous record log appends each chained to its
// true predecessor, no lost updates, one of several transactions ending
// the same session) and is meant to run under -race.
// BenchmarkGetOrCreatePerson, BenchmarkUpdateCode and BenchmarkAppendRecord
// are shared benchmark bodies. RunTests includes the tests of
// storage.VerificationStore (verification.go).
//
// A backend's test file calls them with a function returning a fresh, empty
// storage per subtest:
//
//	func TestConformance(t *testing.T) {
//		conformance.RunTests(t, newStorage)
//		conformance.RunConcurrencyTests(t, newStorage)
//	}
//
// Byte slices compare as equal when both are empty (nil or not): the
// contract does not distinguish them. String slices must come back exactly,
// and nil when stored empty, as the VerificationStore contract says. Times must come back in UTC and equal
// to the microsecond. Expiry tests read the real clock with margins of hours
// and never sleep. The isolation test gives a reader outside a transaction
// a moment (isolationWait) to answer before the transaction ends; a
// backend may make it wait for the end instead. Where the contract is silent the suite pins down the
// behaviour the backends share: a zero expiresAt never expires (nonces as
// well as counters), and an expiry exactly at DeleteExpired's now is kept.
package conformance
