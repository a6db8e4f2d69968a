// Package person owns what the platform knows of a natural person and
// what a person's credential may still do: the sealed record of what
// proofing proved (Proofed) and how each personal field is sealed to its
// person (AAD), the masking of names and document numbers for the people
// who may see only part of them, the credential password check with its
// lockout (Passwords), and the standing of a person's credentials (who
// set a suspension, whether an operator's hold stands, what a holder may
// still lift), with the errors that say why a change cannot happen.
//
// Proofing (package proofing) creates persons and their credentials;
// self-service (lifecycle), verification, the OpenID Connect provider and
// the in-person eID check read them through this package, so none of them
// depends on the proofing flow.
package person
