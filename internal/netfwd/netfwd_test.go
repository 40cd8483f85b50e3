package netfwd

import (
	"bufio"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
)

// echoServer answers each line with "echo:" + line and, when the client
// half-closes, writes "bye" and closes.
func echoServer(t *testing.T) (port int) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				r := bufio.NewReader(c)
				for {
					line, err := r.ReadString('\n')
					if err == io.EOF {
						_, _ = c.Write([]byte("bye"))
						return
					}
					if err != nil {
						return
					}
					_, _ = c.Write([]byte("echo:" + line))
				}
			}()
		}
	}()
	return l.Addr().(*net.TCPAddr).Port
}

func TestParsePorts(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    []int
		wantErr string
	}{
		{"7050", []int{7050}, ""},
		{"7050,7150,,7250", []int{7050, 7150, 7250}, ""},
		{"", nil, "no port"},
		{"7050,x", nil, `port "x"`},
		{"0", nil, `port "0"`},
		{"70000", nil, `port "70000"`},
		{"7050,7050", nil, "listed twice"},
	} {
		got, err := ParsePorts(tc.in)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("ParsePorts(%q) = %v, %v; want error %q", tc.in, got, err, tc.wantErr)
			}
			continue
		}
		if err != nil || len(got) != len(tc.want) {
			t.Fatalf("ParsePorts(%q) = %v, %v", tc.in, got, err)
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("ParsePorts(%q)[%d] = %d, want %d", tc.in, i, got[i], tc.want[i])
			}
		}
	}
}

// The forwarder relays to the same port on the target host: the echo
// server listens on 127.0.0.1:P, the forwarder on 127.0.0.2:P (Linux
// routes all of 127/8 to the loopback interface).
func TestForwardsBothWaysWithHalfClose(t *testing.T) {
	port := echoServer(t)
	f := &Forwarder{ListenHost: "127.0.0.2", TargetHost: "127.0.0.1"}
	if err := f.Start([]int{port}); err != nil {
		t.Fatalf("listen on 127.0.0.2 (Linux routes 127/8 to lo): %v", err)
	}
	defer f.Close()
	if got, want := f.Addrs(), []string{"127.0.0.2:" + strconv.Itoa(port)}; len(got) != 1 || got[0] != want[0] {
		t.Fatalf("Addrs() = %v, want %v", got, want)
	}
	c, err := net.Dial("tcp", f.Addrs()[0])
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte("hello\n")); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(c)
	line, err := r.ReadString('\n')
	if err != nil || line != "echo:hello\n" {
		t.Fatalf("got %q, %v; want echo:hello", line, err)
	}
	if err := c.(*net.TCPConn).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	rest, err := io.ReadAll(r)
	if err != nil || string(rest) != "bye" {
		t.Fatalf("after the half-close got %q, %v; want the server's last words", rest, err)
	}
}

func TestStartFailsWhollyWhenAPortIsTaken(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	free, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	freePort := free.Addr().(*net.TCPAddr).Port
	_ = free.Close()
	f := &Forwarder{ListenHost: "127.0.0.1", TargetHost: "127.0.0.1"}
	err = f.Start([]int{freePort, busy.Addr().(*net.TCPAddr).Port})
	if err == nil || !strings.Contains(err.Error(), "listen on 127.0.0.1 port") {
		t.Fatalf("Start with a taken port: %v", err)
	}
	if len(f.Addrs()) != 0 {
		t.Fatalf("listening on %v after a failed start", f.Addrs())
	}
	// the free port was released again
	l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(freePort))
	if err != nil {
		t.Fatalf("port %d still held after the failed start: %v", freePort, err)
	}
	_ = l.Close()
}

func TestTargetDownClosesTheClient(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close() // nothing listens on 127.0.0.1:port
	f := &Forwarder{ListenHost: "127.0.0.2", TargetHost: "127.0.0.1"}
	if err := f.Start([]int{port}); err != nil {
		t.Fatalf("listen on 127.0.0.2 (Linux routes 127/8 to lo): %v", err)
	}
	defer f.Close()
	c, err := net.Dial("tcp", f.Addrs()[0])
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if b, err := io.ReadAll(c); len(b) != 0 {
		t.Fatalf("read %q, %v from a relay whose target is down", b, err)
	}
}

func TestMissingHosts(t *testing.T) {
	if err := (&Forwarder{TargetHost: "127.0.0.1"}).Start([]int{1}); err == nil {
		t.Fatal("Start without a listen host succeeded")
	}
}
