// Package httpx is the HTTP plumbing every netid API handler uses: RFC 9457
// problem details, strict JSON request decoding and the middleware stack.
//
// # Problems
//
// Every error response is an application/problem+json document (RFC 9457)
// written by [WriteError]. Handlers return a [*Problem] for failures the
// client should see; any other error becomes a generic 500 "internal"
// problem and its cause is logged, never sent. Problem values are never
// shared and mutated: [New] and the predefined constructors return fresh
// values and [Problem.With] returns a copy.
//
// A problem's type is a [Type] declared once, at package level, with
// [NewType] (a slug and a status); handlers never write titles. WriteError
// writes the message catalogue's title for the type (package i18n,
// "err.<slug>") in the request's language (the "lang" cookie, then
// Accept-Language, then Chinese) with a Content-Language header; the
// detail stays the developer's English sentence.
//
// # Strict JSON
//
// [DecodeJSON] checks the Content-Type and the size of a request body and
// decodes it with package strictjson, netid's one decoder for outside JSON:
// unknown fields, trailing data, invalid UTF-8, excessive nesting and
// duplicate object keys at any depth (keys that differ only in letter case
// included) are refused, each answered with its own problem type.
//
// # Middleware
//
// [TrustedProxies], [RequestID], [AccessLog], [Recover], [Metrics],
// [SecurityHeaders] and [RateLimiter] are plain func(http.Handler)
// http.Handler values composed with [Chain]. The recommended order,
// outermost first, is
//
//	httpx.Chain(mux,
//		httpx.TrustedProxies(proxies, httpx.HeaderXForwardedFor),
//		httpx.RequestID,
//		httpx.AccessLog(log),
//		metrics.Middleware,
//		httpx.Recover(log),
//		httpx.SecurityHeaders,
//		limiter.Middleware,
//	)
//
// Recover must sit inside AccessLog and Metrics so that a panic is recorded
// as the 500 it turns into. TrustedProxies comes first so that everything
// after it sees the client's address rather than the proxy's.
//
// # Route patterns
//
// Logs and metrics are labelled with the ServeMux pattern ("GET
// /v1/persons/{id}"), never the raw path, which may hold identifiers and
// would make metric cardinality unbounded. http.Request.Pattern is only set
// once the ServeMux has routed the request, which happens inside the
// middleware that wants it, and on a request value the outer middleware may
// not hold (any middleware in between that calls WithContext makes a copy).
// The chosen design: the outermost of AccessLog/Metrics places a small
// mutable holder in the request context; [Route] (or [Handle]/[HandleFunc],
// which apply it when registering on a mux) copies r.Pattern into the holder
// when the routed handler runs. As a fallback, when nothing filled the
// holder, the middleware reads Pattern from the request it passed on, which
// the ServeMux sets in place when it directly follows the middleware.
// Requests that matched no pattern (404, 405 from the mux) are labelled
// "unmatched".
package httpx
