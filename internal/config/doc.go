// Package config is the typed configuration of `netid serve`: flags, each
// with an environment variable of the same meaning (flags win), and one
// Validate that reports every problem at once.
package config
