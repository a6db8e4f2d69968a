// Package replicatest holds the tests of several netid replicas on one
// PostgreSQL: two platform processes (the test binary started again as
// `netid serve` would run, each on its own port, on one database and one
// data directory), reached as a load balancer reaches them, under the one
// public URL both are configured with. The tests check that nothing one
// replica keeps in memory is something the other needs:
//
//   - a one-time value (a relying party's client assertion, a holder
//     proof) used at one replica is refused at the other;
//   - a verification session created at one is opened and answered at the
//     other and polled at the first;
//   - failed client authentications from an address add up across both;
//   - wrong credential passwords tried at both add up to the lockout;
//   - verifications ending at both at once append to one record log whose
//     hash chain verifies;
//   - a status change made through one shows in the status list the other
//     serves within the list's time-to-live;
//   - a rotated signing key is published by both before either signs
//     with it, and then both sign with it.
//
// They need NETID_TEST_POSTGRES_DSN (scripts/postgres-for-tests.sh) and
// are skipped without it. The package has no code outside its tests.
package replicatest
