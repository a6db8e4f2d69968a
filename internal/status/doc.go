// Package status publishes credential status as IETF Token Status Lists:
// it builds each list from storage (active → VALID, suspended → SUSPENDED,
// revoked → INVALID), signs it with the platform key and caches the signed
// token for its time-to-live, so a status change is visible to relying
// parties within that time-to-live and the platform signs each list at most
// once per time-to-live however often it is fetched.
package status
