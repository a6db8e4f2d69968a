// Package webwallet is the citizen's wallet in a browser: the landing page
// of the service (/), the wallet's home and section pages (/wallet…), and
// the same-device page of a wallet link (/wallet/verify?code=…), served by
// netid serve from templates and assets embedded in the binary.
//
// Pages are rendered on the server (html/template) in the person's
// language (package i18n: the "lang" cookie, then Accept-Language, then
// Chinese) and in 关怀版, the care mode for older and low-vision people
// (larger text, high contrast, a home with only the three main actions).
// Both are switched by a small form on every page that works without
// JavaScript and remembered in cookies.
//
// Every page answers with a strict Content-Security-Policy (nothing from
// another origin, no inline script or style: the style sheet is a file
// under static/), every form carries a CSRF token checked by double
// submission ([CSRF]), and every cookie is HttpOnly, SameSite=Strict, and
// Secure when the public URL is https. A person who meets an error sees a
// page that says what to do next, never an internal error.
package webwallet
