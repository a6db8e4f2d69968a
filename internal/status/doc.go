// Package status publishes credential status as IETF Token Status Lists:
// it builds each list from storage (active → VALID, suspended → SUSPENDED,
// revoked → INVALID), signs it with the platform key and caches the signed
// token for its time-to-live, so a status change is visible to relying
// parties within that time-to-live and the platform signs each list at most
// once per time-to-live however often it is fetched.
//
// It also hands out the indices (Allocator): at random among the free
// indices of the current list, so that an index reveals neither when a
// credential was issued nor how many were, and never one index twice, even
// to racing issuances on several replicas (the storage's status slots are
// unique).
package status
