// Package pagetest is test support for the web wallet's pages: a dev
// platform (SQLite in a temporary folder, cheap argon2id, rate limits off)
// served on a loopback port with every request the browser sends
// recorded, applicants with fresh document numbers, the application steps
// a test is not about walked from Go, and a headless Chromium (its own
// profile, a fake camera) in which a test opens the wallet's pages, fills
// and clicks them, and evaluates script.
//
// Seed makes a wallet in the browser the way the Apply page ends (device
// key made in the browser and proved, profile and sealed secrets saved),
// so that tests of the other pages start from a holder.
package pagetest
