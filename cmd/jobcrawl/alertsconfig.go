package main

import "github.com/jobcrawl/jobcrawl/crawler"

// AlertsConfig is alerts: where saved searches are kept and how their
// webhooks are delivered.
type AlertsConfig struct {
	// Path is the store of saved searches, what they delivered and the
	// outbox (default: data_dir/alerts.db).
	Path string `yaml:"path"`
	// BaseURL is this server's public address, for the links of feeds and
	// messages (default: the daemon's listen address).
	BaseURL string `yaml:"base_url"`
	// AllowNetworks are CIDR ranges webhook destinations may be in though
	// private, loopback or link-local (refused otherwise).
	AllowNetworks []string `yaml:"allow_networks"`
	// MaxAttempts is how many times a message is tried before it becomes a
	// dead letter (default 8).
	MaxAttempts int `yaml:"max_attempts"`
	// Timeout bounds one delivery attempt (default 10s).
	Timeout crawler.Duration `yaml:"timeout"`
	// DigestAt is the time of day ("08:00", local) daily digests are sent.
	DigestAt string `yaml:"digest_at"`
}
