// Package browsertest is test support for the pages netid serves: it starts
// a headless Chromium (Debian's chromium) for a test with chromedp, and runs
// axe-core, the accessibility rules engine vendored under testdata, on the
// page a browser shows.
//
// A test that needs a browser skips when Chromium is not installed, and
// fails instead when NETID_REQUIRE_BROWSER is set (as in CI). Only tests
// import this package.
package browsertest
