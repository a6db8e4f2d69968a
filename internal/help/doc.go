// Package help owns the help the operator offers people who cannot go on
// alone: a text in Chinese and English, a hotline and a link to find a
// service office (netid serve --help-text, --help-text-en, --help-hotline,
// --help-offices-url), and which of the platform's problems call for it.
//
// The platform publishes it at GET /v1/help (api.Help, the text in the
// request's language) and adds it as the member "help" to the problems a
// person cannot resolve alone (Needed): a locked credential password, an
// operator's suspension, an expired document, an in-person check refused
// because the credential is suspended, revoked or expired. The web wallet
// shows it in every page's footer and under such errors, the command line
// prints it under them, and the in-person verifier page shows it to the
// clerk when a check is refused for one of them.
package help
