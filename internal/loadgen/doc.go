// Package loadgen is the load generator of cmd/netid-load: it measures
// complete applications (Apply) and complete verifications (Verify) per
// second against a development platform, in-process (package devplatform)
// or running on this machine, and, with an open-loop attack by vegeta
// (github.com/tsenart/vegeta), the rate one relying-party endpoint
// sustains. Floor measures what a verification session, as netid designs
// it, costs on netid's stack alone (net/http, crypto/ecdsa and the
// pure-Go SQLite, without any of netid's code), in the unit Verify reports
// a session in, so that a session's figure can be read against that
// floor. It lives outside the product binary: cmd/netid does not link it.
//
// Every run ends by itself (bounded counts, rates and durations) and
// prints figures that carry no personal data; Verify, which can attack at
// a fixed rate, loads only this machine (ErrNotLoopback).
package loadgen
