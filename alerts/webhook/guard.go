package webhook

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// ErrRefused is wrapped by the error of every destination the guard
// refuses: an address on a private, loopback, link-local or otherwise
// internal network that alerts.allow_networks does not list.
var ErrRefused = errors.New("destination refused")

// RefusedError is the guard's refusal of an address.
type RefusedError struct {
	Addr  netip.Addr
	Class string // "loopback", "private", "link-local"...
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("destination %s is %s: refused (webhooks may reach it only if a network of alerts.allow_networks contains it)",
		e.Addr, withArticle(e.Class))
}

func (e *RefusedError) Unwrap() error { return ErrRefused }

func withArticle(class string) string {
	if strings.IndexByte("aeiou", class[0]) >= 0 {
		return "an " + class + " address"
	}
	return "a " + class + " address"
}

// Networks refused unless allowed, beside what netip's predicates find.
var (
	cgnat        = netip.MustParsePrefix("100.64.0.0/10")
	thisNetwork  = netip.MustParsePrefix("0.0.0.0/8")
	ietfProtocol = netip.MustParsePrefix("192.0.0.0/24")
	benchmarking = netip.MustParsePrefix("198.18.0.0/15")
	reserved4    = netip.MustParsePrefix("240.0.0.0/4") // broadcast included
	siteLocal6   = netip.MustParsePrefix("fec0::/10")
	nat64        = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour    = netip.MustParsePrefix("2002::/16")
	v4Compatible = netip.MustParsePrefix("::/96")
)

// Classify names the kind of internal network ip is on ("loopback",
// "private", "link-local", "unique local", "multicast", "unspecified",
// "shared (CGNAT)", "reserved"...), or returns "" for a public address.
// An IPv4-mapped IPv6 address is classified as its IPv4 address, and so
// are the IPv4 addresses NAT64 and 6to4 embed.
func Classify(ip netip.Addr) string {
	ip = ip.Unmap()
	switch {
	case !ip.IsValid():
		return "invalid"
	case ip.IsUnspecified():
		return "unspecified"
	case ip.IsLoopback():
		return "loopback"
	case ip.Is6() && ip.IsPrivate():
		return "unique local (IPv6 ULA)"
	case ip.IsPrivate():
		return "private"
	case ip.IsLinkLocalUnicast():
		return "link-local"
	case ip.IsMulticast(), ip.IsLinkLocalMulticast(), ip.IsInterfaceLocalMulticast():
		return "multicast"
	}
	if ip.Is4() {
		switch {
		case cgnat.Contains(ip):
			return "shared (CGNAT)"
		case thisNetwork.Contains(ip):
			return "\"this network\" (0.0.0.0/8)"
		case ietfProtocol.Contains(ip), benchmarking.Contains(ip), reserved4.Contains(ip):
			return "reserved"
		}
		return ""
	}
	b := ip.As16()
	switch {
	case siteLocal6.Contains(ip):
		return "site-local"
	case nat64.Contains(ip):
		return embedded(netip.AddrFrom4([4]byte(b[12:16])))
	case sixToFour.Contains(ip):
		return embedded(netip.AddrFrom4([4]byte(b[2:6])))
	case v4Compatible.Contains(ip):
		return "IPv4-compatible (deprecated)"
	}
	return ""
}

func embedded(v4 netip.Addr) string {
	if c := Classify(v4); c != "" {
		return c + " (embedded in IPv6)"
	}
	return ""
}

// Guard refuses internal destinations, except those in Allow.
type Guard struct {
	Allow []netip.Prefix
}

// Check returns nil when ip may be reached, else a *RefusedError.
func (g Guard) Check(ip netip.Addr) error {
	class := Classify(ip)
	if class == "" {
		return nil
	}
	u := ip.Unmap()
	for _, p := range g.Allow {
		if p.Contains(u) || p.Contains(ip) {
			return nil
		}
	}
	return &RefusedError{Addr: u, Class: class}
}

// control checks the address a connection is about to be made to: the
// resolved IP, so that a name that resolves (or rebinds) to an internal
// address is refused as the address itself would be.
func (g Guard) control(network, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return fmt.Errorf("%w: cannot read the address %q", ErrRefused, address)
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return fmt.Errorf("%w: %q is not an IP address", ErrRefused, host)
	}
	return g.Check(ip)
}

// ParseNetworks reads CIDR ranges ("127.0.0.0/8", "fd00::/8"); a bare
// address stands for itself alone (/32 or /128). The error names the bad
// entry by its position and value.
func ParseNetworks(list []string) ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(list))
	for i, s := range list {
		p, err := ParseNetwork(s)
		if err != nil {
			return nil, fmt.Errorf("[%d] %w", i, err)
		}
		out = append(out, p)
	}
	return out, nil
}

// ParseNetwork reads one CIDR range, or an address (a range of one).
func ParseNetwork(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	var p netip.Prefix
	var err error
	if strings.Contains(s, "/") {
		p, err = netip.ParsePrefix(s)
	} else if a, aerr := netip.ParseAddr(s); aerr == nil {
		p = netip.PrefixFrom(a, a.BitLen())
	} else {
		err = aerr
	}
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%q is not a CIDR range (like 127.0.0.0/8 or fd00::/8)", clipText(s, 60))
	}
	if p.Addr().Zone() != "" {
		return netip.Prefix{}, fmt.Errorf("%q: a range cannot have a zone", clipText(s, 60))
	}
	p = p.Masked()
	// ::ffff:10.0.0.0/104 is 10.0.0.0/8
	if p.Addr().Is4In6() && p.Bits() >= 96 {
		p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
	}
	return p, nil
}

// ErrBadURL is wrapped by every error CheckURL returns.
var ErrBadURL = errors.New("invalid webhook URL")

// CheckURL checks a webhook URL when it is saved: http or https, a host,
// no user name or password, and not an internal address written as such
// (an IP literal or a localhost name) unless allow contains it. Names are
// not resolved here: the deliverer checks every address it connects to.
// Its error never repeats the URL's path or query (where tokens live).
func CheckURL(raw string, allow []netip.Prefix) error {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return fmt.Errorf("%w: it does not parse as a URL", ErrBadURL)
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
	case "":
		return fmt.Errorf("%w: it has no scheme (it must start with https:// or http://)", ErrBadURL)
	default:
		return fmt.Errorf("%w: scheme %q is not http or https", ErrBadURL, clipText(u.Scheme, 20))
	}
	if u.Opaque != "" || u.Host == "" {
		return fmt.Errorf("%w: it has no host (like https://example.com/hook)", ErrBadURL)
	}
	if u.User != nil {
		return fmt.Errorf("%w: it carries a user name or password (user:password@%s); remove them from the URL", ErrBadURL, clipText(u.Hostname(), 60))
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if host == "" {
		return fmt.Errorf("%w: it has no host (like https://example.com/hook)", ErrBadURL)
	}
	if p := u.Port(); p != "" {
		if n, err := parsePort(p); err != nil || n == 0 {
			return fmt.Errorf("%w: port %q is not 1 to 65535", ErrBadURL, clipText(p, 10))
		}
	}
	g := Guard{Allow: allow}
	if ip, err := netip.ParseAddr(host); err == nil {
		if err := g.Check(ip); err != nil {
			return fmt.Errorf("%w: %w", ErrBadURL, err)
		}
		return nil
	}
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		if err := g.Check(netip.MustParseAddr("127.0.0.1")); err != nil {
			return fmt.Errorf("%w: %s names the loopback interface (%w: webhooks may reach it only if alerts.allow_networks contains 127.0.0.0/8)",
				ErrBadURL, clipText(host, 60), ErrRefused)
		}
	}
	return nil
}

func parsePort(p string) (int, error) {
	n := 0
	if len(p) > 5 {
		return 0, errors.New("too long")
	}
	for _, c := range p {
		if c < '0' || c > '9' {
			return 0, errors.New("not a number")
		}
		n = n*10 + int(c-'0')
	}
	if n > 65535 {
		return 0, errors.New("too large")
	}
	return n, nil
}

// MaskURL is raw without its path, query and user: "https://host/…". The
// path of a Slack or Discord webhook URL is its secret.
func MaskURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "…"
	}
	return strings.ToLower(u.Scheme) + "://" + u.Host + "/…"
}

// NewClient returns the HTTP client of deliveries: every connection it
// makes is checked by a Guard of allow at dial time, it uses no proxy
// (a proxy would make the check meaningless), and it follows no
// redirect (a 3xx answer is the answer).
func NewClient(allow []netip.Prefix) *http.Client {
	g := Guard{Allow: allow}
	d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second, Control: g.control}
	tr := &http.Transport{
		Proxy:                 nil,
		DialContext:           d.DialContext,
		TLSClientConfig:       &tls.Config{MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 30 * time.Second,
		MaxIdleConns:          16,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
		ForceAttemptHTTP2:     true,
	}
	return &http.Client{Transport: tr, CheckRedirect: noRedirects}
}

func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
