// Copyright 2017 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

// Package argon2 is golang.org/x/crypto/argon2 (v0.58.0, the files of
// that package and its LICENSE, unchanged but for what this comment
// says and a staticcheck directive) with one change: the memory of a hash is kept in a pool and
// reused by the next hash of the same size, instead of being allocated
// anew for every hash.
//
// Why: netid hashes credential passwords with argon2id at 19 MiB. With
// x/crypto every hash allocated 19 MiB that became garbage at once: the
// allocation started a garbage collection cycle, the runtime zeroed the
// memory, and between hashes the runtime's scavenger gave the pages back
// to the operating system, so the next hash faulted them in again. Under
// the load of complete applications that cost about 4 ms of CPU per hash
// (runtime.memclrNoHeapPointers and the page faults it takes) plus the
// collections, against about 28 ms for the hash itself; see
// docs/performance.md. With the pool a hash allocates nothing but its
// 32-byte result.
//
// The first pass over memory writes each block instead of XOR-ing it into
// zeroed memory, as RFC 9106 (section 3.2) specifies it, so reused memory
// needs no zeroing. The known-answer tests of x/crypto are kept, and
// FuzzIDKey holds every result to golang.org/x/crypto/argon2 itself,
// which stays a dependency for that.
//
// Only IDKey (argon2id) is used by netid; Key (argon2i) is kept as
// x/crypto has it.
package argon2
