package status

// Invalidate drops the cached token of list, so the next Token call reads
// storage and signs afresh. Call it after changing the status of a
// credential in list: a relying party that fetches the list after the
// change then sees it, and one that fetched before caches the old token
// for at most TTL, so the change is visible to every relying party within
// TTL of the change.
//
// Without Invalidate (a change made by another process sharing the
// database: another replica, or `netid admin credential` working on the
// database directly) this process may serve its cached token for up to TTL
// after the change; a relying party that, like package rp, counts the ttl
// from the token's iat drops it at the same moment, so the change is
// visible within TTL (2×TTL for one that counts from its download).
//
// A build of list under way when Invalidate is called may have read the
// statuses before the change: its token is given to the requests already
// waiting for it but not cached, and the next request builds the list
// again.
func (p *Publisher) Invalidate(list string) {
	p.mu.Lock()
	delete(p.cache, list)
	if b := p.building[list]; b != nil {
		b.stale = true
		delete(p.building, list)
	}
	p.mu.Unlock()
}
