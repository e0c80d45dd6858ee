package notify

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/passerelle/passerelle"
)

// A member's webhook URL is written by the member: without a policy the server would POST
// signed digests to whatever it names — its own loopback admin ports, the cloud metadata
// service, the office network — and show the answer back (SSRF). URLPolicy is what staff
// allow; everything else is refused, both when the member is saved and again at connect
// time (a name may resolve to anything, and resolve differently tomorrow).
type URLPolicy struct {
	// HTTPHosts are host names (or literal addresses) that may be reached over plain http;
	// every other webhook must be https.
	HTTPHosts []string
	// AllowNets are address ranges staff allow although they are internal (loopback,
	// private, link-local, …): tests allow 127.0.0.1/32, an intranet may allow its receiver.
	AllowNets []netip.Prefix
}

// blockedNets are never reached unless staff allow them: the addresses of this machine,
// of private networks, of link-local autoconfiguration and of cloud metadata services.
var blockedNets = func() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range []string{
		"0.0.0.0/8",          // "this network"; 0.0.0.0 reaches the local host
		"10.0.0.0/8",         // private
		"100.64.0.0/10",      // carrier-grade NAT
		"127.0.0.0/8",        // loopback
		"169.254.0.0/16",     // link-local, with the metadata service at 169.254.169.254
		"172.16.0.0/12",      // private
		"192.0.0.0/24",       // IETF protocol assignments
		"192.168.0.0/16",     // private
		"198.18.0.0/15",      // benchmarking
		"224.0.0.0/4",        // multicast
		"240.0.0.0/4",        // reserved, broadcast
		"::/128",             // unspecified
		"::1/128",            // loopback
		"fc00::/7",           // unique local (fd00:ec2::254 is a metadata address)
		"fe80::/10",          // link-local
		"ff00::/8",           // multicast
		"64:ff9b::/96",       // NAT64: would reach any IPv4 address, private ones included
		"2001:db8::/32",      // documentation
		"100::/64",           // discard
		"::ffff:0.0.0.0/96",  // IPv4-mapped: checked as IPv4 below, listed for completeness
		"2002::/16",          // 6to4: embeds an IPv4 address
		"fec0::/10",          // deprecated site-local
		"198.51.100.0/24",    // documentation
		"203.0.113.0/24",     // documentation
		"192.0.2.0/24",       // documentation
		"255.255.255.255/32", // broadcast
	} {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}()

// AllowedAddr reports whether the policy lets a webhook connect to addr.
func (p URLPolicy) AllowedAddr(addr netip.Addr) error {
	addr = addr.Unmap()
	for _, n := range p.AllowNets {
		if n.Contains(addr) {
			return nil
		}
	}
	if !addr.IsValid() || addr.IsUnspecified() || addr.IsLoopback() || addr.IsPrivate() ||
		addr.IsLinkLocalUnicast() || addr.IsLinkLocalMulticast() || addr.IsMulticast() {
		return fmt.Errorf("address %s is internal (loopback, private, link-local or unspecified) and not allowed by webhook_allow_nets", addr)
	}
	for _, n := range blockedNets {
		if n.Contains(addr) {
			return fmt.Errorf("address %s is in the reserved range %s and not allowed by webhook_allow_nets", addr, n)
		}
	}
	return nil
}

// CheckURL checks a webhook URL as written: https (http only to the policy's HTTPHosts),
// a host, no credentials, and — when the host is a literal address — an address allowed.
// Names are checked again, resolved, at connect time by Client.
func (p URLPolicy) CheckURL(raw string) error {
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("is not a URL: %v", err)
	}
	host := u.Hostname()
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http":
		if !p.httpAllowed(host) {
			return fmt.Errorf("must be https (plain http only to hosts staff list in webhook_http_hosts)")
		}
	default:
		return fmt.Errorf("must be an https URL, not %q", u.Scheme+":")
	}
	if host == "" {
		return fmt.Errorf("has no host")
	}
	if u.User != nil {
		return fmt.Errorf("must not carry a user name or password (put a token in the path or query)")
	}
	if a, err := netip.ParseAddr(host); err == nil {
		return p.AllowedAddr(a)
	}
	if h := strings.ToLower(strings.TrimSuffix(host, ".")); h == "localhost" || strings.HasSuffix(h, ".localhost") {
		if !p.httpAllowed(host) && !p.allowsLoopback() {
			return fmt.Errorf("host %s is this machine", host)
		}
	}
	return nil
}

func (p URLPolicy) httpAllowed(host string) bool {
	for _, h := range p.HTTPHosts {
		if strings.EqualFold(strings.TrimSpace(h), host) {
			return true
		}
	}
	return false
}

func (p URLPolicy) allowsLoopback() bool {
	for _, n := range p.AllowNets {
		if n.Contains(netip.MustParseAddr("127.0.0.1")) || n.Contains(netip.IPv6Loopback()) {
			return true
		}
	}
	return false
}

// ValidateMember checks a member's webhook settings against the policy, as a
// *passerelle.ValidationError naming notify.webhook_url: the API and `members import` call
// it before saving, so a member learns at once that its URL will never be called.
func (p URLPolicy) ValidateMember(m *passerelle.Member) error {
	var v passerelle.ValidationError
	wants := false
	for _, ch := range m.Notify.Channels {
		wants = wants || ch == "webhook"
	}
	switch {
	case strings.TrimSpace(m.Notify.WebhookURL) != "":
		if err := p.CheckURL(m.Notify.WebhookURL); err != nil {
			v.Add("notify.webhook_url", err.Error())
		}
	case wants:
		v.Add("notify.webhook_url", "is required when notify.channels has webhook")
	}
	return v.Err()
}

// Client is an HTTP client for webhooks under the policy: every address it connects to is
// checked after resolution (a net.Dialer Control func sees the very address dialled, so a
// name cannot pass the check and then resolve elsewhere), no proxy from the environment,
// and redirects are not followed (a 3xx is the answer, and a failure).
func (p URLPolicy) Client(timeout time.Duration) *http.Client {
	d := &net.Dialer{
		Timeout: 10 * time.Second,
		Control: func(network, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("webhook: unexpected address %q: %w", address, err)
			}
			if err := p.AllowedAddr(ap.Addr()); err != nil {
				return fmt.Errorf("webhook refused: %w", err)
			}
			return nil
		},
	}
	tr := &http.Transport{
		Proxy:               nil, // a proxy would dial for us, out of the Control func's sight
		DialContext:         d.DialContext,
		TLSHandshakeTimeout: 10 * time.Second,
		MaxIdleConns:        10,
		IdleConnTimeout:     30 * time.Second,
	}
	return &http.Client{
		Timeout:   timeout,
		Transport: tr,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}
