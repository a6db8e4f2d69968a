package audit

import "testing"

// KeepTreeHeadsEvery makes the log keep a tree head every n sizes (and
// Verify expect one) for the rest of t, instead of KeptTreeHeadEvery, so
// that a short log keeps several. Tests that call it must not run in
// parallel with others of this package.
func KeepTreeHeadsEvery(t testing.TB, n int64) {
	old := keptEvery
	keptEvery = n
	t.Cleanup(func() { keptEvery = old })
}

// PageBy makes Verify and the tree's rebuilds read n records (and tree
// heads) a page for the rest of t, so that a short log spans several
// pages. Tests that call it must not run in parallel with others of this
// package.
func PageBy(t testing.TB, n int) {
	old := pageSize
	pageSize = n
	t.Cleanup(func() { pageSize = old })
}
