// Package demo runs the whole flow once, as cmd/netid-demo shows it: a
// development platform in-process (package devplatform), a test document
// minted by its document authority, an application with the reference
// wallet, a presentation disclosing only age_over_18, its offline
// verification with package rp, and the refusal of the same presentation
// replayed. It prints each step without personal data beyond a masked
// document number and 网号.
package demo
