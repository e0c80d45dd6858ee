package notify

import (
	"bufio"
	"crypto/tls"
	"encoding/base64"
	"net"
	"strings"
	"sync"
	"testing"
)

// smtpSink is a minimal SMTP server on a real socket: enough of RFC 5321 for net/smtp
// (EHLO, AUTH PLAIN, MAIL, RCPT, DATA, RSET, NOOP, QUIT). It keeps what it was given.
// The thorough end-to-end test runs against mailpit; this one needs nothing installed.
type smtpSink struct {
	l      net.Listener
	reject string // RCPT address answered 550
	mu     sync.Mutex
	got    []sunk
	wg     sync.WaitGroup
}

type sunk struct {
	from string
	to   []string
	auth string // decoded AUTH PLAIN credentials, "\x00user\x00pass"
	data string
}

func newSMTPSink(t *testing.T) *smtpSink { return newSMTPSinkTLS(t, nil) }

// newSMTPSinkTLS speaks TLS from the first byte when conf is set (smtps, port 465 style).
func newSMTPSinkTLS(t *testing.T, conf *tls.Config) *smtpSink {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if conf != nil {
		l = tls.NewListener(l, conf)
	}
	s := &smtpSink{l: l}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			s.wg.Add(1)
			go func() { defer s.wg.Done(); s.serve(c) }()
		}
	}()
	t.Cleanup(func() { l.Close(); s.wg.Wait() })
	return s
}

func (s *smtpSink) addr() string { return s.l.Addr().String() }

func (s *smtpSink) messages() []sunk {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]sunk(nil), s.got...)
}

func (s *smtpSink) serve(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	say := func(l string) { c.Write([]byte(l + "\r\n")) }
	say("220 sink ESMTP")
	var cur sunk
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO", "HELO":
			say("250-sink")
			say("250-8BITMIME")
			say("250 AUTH PLAIN")
		case "AUTH":
			mech, resp, _ := strings.Cut(arg, " ")
			b, err := base64.StdEncoding.DecodeString(resp)
			if !strings.EqualFold(mech, "PLAIN") || err != nil {
				say("504 unsupported")
				continue
			}
			cur.auth = string(b)
			say("235 ok")
		case "MAIL":
			cur.from = addrArg(arg)
			say("250 ok")
		case "RCPT":
			a := addrArg(arg)
			if a == s.reject {
				say("550 no such user " + a)
				continue
			}
			cur.to = append(cur.to, a)
			say("250 ok")
		case "DATA":
			say("354 go on")
			var b strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				b.WriteString(strings.TrimPrefix(l, ".")) // dot-unstuffing
			}
			cur.data = b.String()
			s.mu.Lock()
			s.got = append(s.got, cur)
			s.mu.Unlock()
			cur = sunk{auth: cur.auth}
			say("250 queued")
		case "RSET":
			cur = sunk{auth: cur.auth}
			say("250 ok")
		case "NOOP":
			say("250 ok")
		case "QUIT":
			say("221 bye")
			return
		default:
			say("502 unknown command")
		}
	}
}

// addrArg takes the address out of "FROM:<a@b> SIZE=1".
func addrArg(arg string) string {
	i, j := strings.IndexByte(arg, '<'), strings.IndexByte(arg, '>')
	if i < 0 || j < i {
		return ""
	}
	return arg[i+1 : j]
}
