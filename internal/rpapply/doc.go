// Package rpapply lets organisations apply to become relying parties, and
// operators decide on their applications.
//
// An organisation applies (POST /v1/rp/applications) with the client ID it
// asks for, its name, category, domains, redirect URIs, the claims and the
// legal basis it asks for, and its other way in for people without a 网号;
// the answer carries the application's ID, a bearer token (shown once,
// stored by HMAC) and a challenge. For each domain it publishes the
// challenge either as a file at
// https://<domain>/.well-known/netid-challenge/<challenge> whose content is
// the challenge, or as a DNS TXT record _netid-challenge.<domain> whose
// value is the challenge, and asks the platform to check
// (POST /v1/rp/applications/{id}/check). An operator approves an
// application whose domains are all proved, which registers the relying
// party (client_secret_basic), or refuses it with a reason
// (/v1/admin/rp-applications, netid admin rp applications). Once approved,
// the applicant fetches its client ID and secret exactly once
// (POST /v1/rp/applications/{id}/credentials); only the secret's keyed hash
// is stored.
//
// The platform's check reaches out to the applicant's servers, so its
// fetcher guards against server-side request forgery (Checker): https only
// on port 443 of the domain as written, no proxies, no redirects, the
// connection refused unless the address it dials is a public unicast one
// (loopback, private, link-local, CGNAT, unique-local, multicast and
// unspecified addresses are refused at dial time, after resolution, so a
// name that resolves differently on a second lookup cannot slip through),
// a five-second limit and at most 1 KiB read. Checks are limited per
// application. Tests inject the fetcher's HTTP client and the TXT resolver.
package rpapply
