package config

import (
	"io"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestDefaultsValidate(t *testing.T) {
	c, err := Parse("serve", nil, env(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("defaults do not validate: %v", err)
	}
	if c.PublicURL != "http://127.0.0.1:8080" || c.SQLitePath() != "netid-data/netid.db" || c.Postgres() {
		t.Fatalf("unexpected defaults: %+v", c)
	}
}

func TestFlagsBeatEnvironment(t *testing.T) {
	c, err := Parse("serve", []string{"--addr", "127.0.0.1:9000"}, env(map[string]string{
		"NETID_ADDR": "127.0.0.1:7000", "NETID_DEV": "true", "NETID_STATUS_TTL": "1m",
	}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:9000" || !c.Dev || c.StatusTTL != time.Minute {
		t.Fatalf("got %+v", c)
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	c, err := Parse("serve", []string{
		"--addr", "nope", "--public-url", "ftp://x", "--face-threshold", "2",
		"--sms-webhook", "http://gw", "--log-level", "loud", "--db", "mysql://x",
	}, env(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	err = c.Validate()
	if err == nil {
		t.Fatal("invalid configuration validated")
	}
	for _, want := range []string{"--addr", "--public-url", "--face-threshold", "--sms-webhook-secret", "--log-level", "--db"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %s:\n%v", want, err)
		}
	}
}

func TestBadEnvironmentIsReported(t *testing.T) {
	_, err := Parse("serve", nil, env(map[string]string{"NETID_DEV": "maybe", "NETID_STATUS_TTL": "soon"}), io.Discard)
	if err == nil || !strings.Contains(err.Error(), "NETID_DEV") || !strings.Contains(err.Error(), "NETID_STATUS_TTL") {
		t.Fatalf("got %v", err)
	}
}
