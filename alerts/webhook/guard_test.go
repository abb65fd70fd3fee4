package webhook_test

import (
	"encoding/base64"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/jobcrawl/jobcrawl/alerts/webhook"
)

func TestClassify(t *testing.T) {
	cases := map[string]string{
		"127.0.0.1": "loopback", "127.9.9.9": "loopback", "::1": "loopback",
		"10.1.2.3": "private", "172.16.0.1": "private", "172.31.255.255": "private", "192.168.1.1": "private",
		"169.254.169.254": "link-local", "fe80::1": "link-local",
		"fd00::1": "unique local (IPv6 ULA)", "fc00::1": "unique local (IPv6 ULA)",
		"100.64.0.1": "shared (CGNAT)", "100.127.255.254": "shared (CGNAT)",
		"0.0.0.0": "unspecified", "::": "unspecified", "0.1.2.3": `"this network" (0.0.0.0/8)`,
		"224.0.0.1": "multicast", "ff02::1": "multicast", "255.255.255.255": "reserved", "198.18.0.1": "reserved",
		"::ffff:10.0.0.1": "private", "::ffff:127.0.0.1": "loopback", "::ffff:169.254.169.254": "link-local",
		"64:ff9b::7f00:1": "loopback (embedded in IPv6)", "2002:a00:1::1": "private (embedded in IPv6)",
		"fec0::1": "site-local", "::127.0.0.1": "IPv4-compatible (deprecated)",
		"8.8.8.8": "", "1.1.1.1": "", "100.128.0.1": "", "172.32.0.1": "", "2606:4700::1111": "", "64:ff9b::808:808": "",
	}
	for ip, want := range cases {
		if got := webhook.Classify(netip.MustParseAddr(ip)); got != want {
			t.Errorf("Classify(%s) = %q, want %q", ip, got, want)
		}
	}
}

func TestGuardAllow(t *testing.T) {
	allow, err := webhook.ParseNetworks([]string{"127.0.0.0/8", " 10.20.0.0/16 ", "::ffff:192.168.0.0/112", "fd12::1"})
	if err != nil {
		t.Fatal(err)
	}
	g := webhook.Guard{Allow: allow}
	for _, ip := range []string{"127.0.0.1", "::ffff:127.0.0.1", "10.20.3.4", "192.168.5.6", "fd12::1", "8.8.8.8"} {
		if err := g.Check(netip.MustParseAddr(ip)); err != nil {
			t.Errorf("%s refused: %v", ip, err)
		}
	}
	for _, ip := range []string{"10.21.0.1", "172.16.0.1", "fd12::2", "::1", "169.254.169.254"} {
		err := g.Check(netip.MustParseAddr(ip))
		if !errors.Is(err, webhook.ErrRefused) {
			t.Errorf("%s allowed, want refused", ip)
		}
	}
}

func TestParseNetworksNamesTheBadEntry(t *testing.T) {
	_, err := webhook.ParseNetworks([]string{"127.0.0.0/8", "10.0.0.0/33"})
	if err == nil || !strings.Contains(err.Error(), `[1] "10.0.0.0/33" is not a CIDR range`) {
		t.Errorf("error %v, want it to name entry [1]", err)
	}
	if _, err := webhook.ParseNetworks([]string{"localhost"}); err == nil {
		t.Error("a name taken for a network")
	}
}

func TestCheckURL(t *testing.T) {
	allow := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	cases := []struct {
		url   string
		allow []netip.Prefix
		want  string // "" for no error
	}{
		{"https://hooks.slack.com/services/T0/B0/TOKEN", nil, ""},
		{"http://example.com:8080/hook", nil, ""},
		{"ftp://example.com/", nil, `scheme "ftp" is not http or https`},
		{"example.com/hook", nil, "no scheme"},
		{"https:///hook", nil, "no host"},
		{"https://user:TOKEN@example.com/", nil, "user name or password"},
		{"http://127.0.0.1:7800/hook", nil, "127.0.0.1 is a loopback address: refused"},
		{"http://127.0.0.1:7800/hook", allow, ""},
		{"http://[::ffff:10.0.0.1]/", allow, "10.0.0.1 is a private address"},
		{"http://169.254.169.254/latest/meta-data", nil, "link-local"},
		{"http://localhost:8080/", nil, "names the loopback interface"},
		{"http://app.localhost./", nil, "names the loopback interface"},
		{"http://localhost:8080/", allow, ""},
		{"http://example.com:99999/", nil, "port"},
	}
	for _, c := range cases {
		err := webhook.CheckURL(c.url, c.allow)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("CheckURL(%q): %v", c.url, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("CheckURL(%q) = %v, want an error with %q", c.url, err, c.want)
		case err != nil && (strings.Contains(err.Error(), "TOKEN") || !errors.Is(err, webhook.ErrBadURL)):
			t.Errorf("CheckURL(%q) = %v: repeats the token or is not ErrBadURL", c.url, err)
		case err != nil && strings.Contains(c.want, "loopback") && !errors.Is(err, webhook.ErrRefused):
			t.Errorf("CheckURL(%q) = %v: not ErrRefused", c.url, err)
		}
	}
}

func TestMaskURL(t *testing.T) {
	if got := webhook.MaskURL("https://discord.com/api/webhooks/123/SECRET?wait=true"); got != "https://discord.com/…" {
		t.Errorf("MaskURL = %q", got)
	}
}

func TestSecrets(t *testing.T) {
	s, err := webhook.GenerateSecret()
	if err != nil {
		t.Fatal(err)
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(s, "whsec_"))
	if !strings.HasPrefix(s, "whsec_") || err != nil || len(key) != 32 {
		t.Errorf("GenerateSecret() = %q: want whsec_ and 32 bytes", s)
	}
	if err := webhook.ValidateSecret(s); err != nil {
		t.Errorf("a generated secret is invalid: %v", err)
	}
	if t2, _ := webhook.GenerateSecret(); t2 == s {
		t.Error("two secrets alike")
	}
	short := "whsec_" + base64.StdEncoding.EncodeToString(make([]byte, 16))
	cases := map[string]string{
		"sk_abc":                   `must start with "whsec_"`,
		"whsec_":                   "nothing follows",
		"whsec_not*base64!!secret": "is not standard base64 (bad character at offset 3)",
		short:                      "its key is 16 bytes; it must be 24 to 64",
	}
	for in, want := range cases {
		err := webhook.ValidateSecret(in)
		if err == nil || !strings.Contains(err.Error(), want) || !errors.Is(err, webhook.ErrSecret) {
			t.Errorf("ValidateSecret(%q) = %v, want %q", in, err, want)
		}
		if err != nil && len(in) > 8 && strings.Contains(err.Error(), in) {
			t.Errorf("the error repeats the secret: %v", err)
		}
	}
}

func TestSignKnownVector(t *testing.T) {
	// computed by hand with openssl:
	// printf 'msg_1.1700000000.{}' | openssl dgst -sha256 -hmac "0123456789abcdef0123456789abcdef" -binary | base64
	got, err := webhook.Sign([]string{secretA}, "msg_1", time.Unix(1700000000, 0), []byte("{}"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "v1,2c4VI0bO4Wd5svqP2unEA9pCk0dTAXr/elrHCJ+/efk="; got != want {
		t.Errorf("Sign = %q, want %q", got, want)
	}
	r := received{ID: "msg_1", Timestamp: "1700000000", Signature: got, Body: []byte("{}")}
	if !hmacMatches(r, secretA) {
		t.Errorf("signature %q does not verify", got)
	}
}

func TestBackoff(t *testing.T) {
	top := webhook.Backoff{Base: 5 * time.Second, Cap: time.Hour, Rand: func(n int64) int64 { return n - 1 }}
	want := []time.Duration{5, 10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600, 3600}
	for i, w := range want {
		if got := top.Delay(i + 1); got != w*time.Second {
			t.Errorf("Delay(%d) = %s, want %s (the ceiling)", i+1, got, w*time.Second)
		}
	}
	jitter := webhook.Backoff{}
	for range 200 {
		if d := jitter.Delay(3); d < 0 || d > 20*time.Second {
			t.Fatalf("Delay(3) = %s, want within [0, 20s]", d)
		}
	}
}
