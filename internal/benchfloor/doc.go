// Package benchfloor measures, inside a benchmark, the cost of the two
// P-256 signature checks an offline presentation verification cannot
// avoid (the issuer's and the key-binding JWT's), so that the benchmark
// can report its own time as a share of that floor measured in the same
// run. The credential package's and the public rp SDK's presentation
// benchmarks both use it.
package benchfloor
