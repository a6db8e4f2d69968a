// Package i18n is netid's one message catalogue: every text a person reads
// (the web pages, the API's problem titles with what to do next, the
// command line's prompts, outcomes and errors) is written once per
// language, in Simplified Chinese (the default) and English, on
// golang.org/x/text.
//
// A message is named by a [Key] constant and looked up for a language with
// [Lookup], which formats printf-style arguments (%s, %d, …) the way
// fmt.Sprintf does, except that numbers are written the language's way
// (English groups thousands: 1,234): pass codes and identifiers as strings
// (%s). [Negotiate] picks the language of an HTTP request: the
// "lang" cookie the pages' language switch sets, then Accept-Language, then
// Chinese.
//
// # Adding a message
//
//  1. Declare a Key constant in messages.go, named after where the text is
//     used (KeyWalletApply, KeyErrorExpired…); its value is a stable,
//     dotted identifier ("wallet.apply"), never the text itself.
//  2. Add its entry to the messages table beside it: the Chinese text first,
//     then the English. Both take the same arguments in the same order.
//  3. Run go test ./internal/i18n: it fails when a key lacks a language,
//     when the Chinese is only a copy of the English, or when the two
//     languages disagree on their arguments.
//
// A problem type of the API (httpx.NewType) has its messages in
// messages_problems.go, by slug: [ProblemTitle] and [ProblemNext].
//
// Keep texts short and plain: they are read on a phone, by older people too.
package i18n
