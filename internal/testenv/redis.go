package testenv

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Redis is a throwaway redis-server bound to a loopback port, without persistence. Stop and
// Start let a test take Redis away in the middle and bring it back on the same address
// (empty, as after a crash of an unpersisted instance).
type Redis struct {
	t    testing.TB
	bin  string
	dir  string
	port int
	conf string // config file given first on the command line (Sentinel), or ""
	args []string
	// Addr is host:port, stable across Stop/Start.
	Addr string

	mu     sync.Mutex
	paused bool
	cmd    *exec.Cmd
	exited chan struct{} // closed once cmd.Wait returned
}

// StartRedis starts a redis-server for t and returns its address and a function that stops
// it (stopping twice is harmless). It is stopped at the end of the test in any case. Skips
// when redis-server is not installed (fails under ASTRACAPH_INTEGRATION=1).
func StartRedis(t testing.TB) (addr string, stop func()) {
	t.Helper()
	r := NewRedis(t)
	return r.Addr, r.Stop
}

// NewRedis starts a redis-server for t and returns its handle; t.Cleanup stops it. Extra
// arguments are appended to the command line (e.g. "--cluster-enabled", "yes"); the data
// directory is a fresh t.TempDir, kept across Stop/Start.
func NewRedis(t testing.TB, extraArgs ...string) *Redis {
	t.Helper()
	return newRedis(t, "", extraArgs...)
}

// newRedis starts a server whose command line begins with conf (when not empty): Sentinel
// needs a config file it can rewrite.
func newRedis(t testing.TB, conf string, extraArgs ...string) *Redis {
	t.Helper()
	r := &Redis{t: t, bin: LookPath(t, "redis-server"), dir: t.TempDir(), conf: conf, args: extraArgs}
	t.Cleanup(r.Stop)
	// The free port is found by binding and releasing it, so another process can grab it
	// in between: retry on a fresh port a few times.
	var err error
	for range 5 {
		if r.port, err = freePort(); err != nil {
			continue
		}
		r.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(r.port))
		if err = r.start(); err == nil {
			return r
		}
	}
	t.Fatalf("testenv: cannot start redis-server: %v", err)
	return nil
}

// Start (re)starts the server on the same port; a no-op when it is running.
func (r *Redis) Start() {
	r.t.Helper()
	var err error
	// The old socket may linger briefly after Stop; retry for a short while.
	for range 20 {
		if err = r.start(); err == nil {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	r.t.Fatalf("testenv: cannot restart redis-server on %s: %v", r.Addr, err)
}

// Stop kills the server (like a crash: nothing is saved) and waits for it to exit.
func (r *Redis) Stop() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cmd == nil {
		return
	}
	_ = r.cmd.Process.Kill() // a paused process dies of SIGKILL too
	<-r.exited
	r.cmd, r.exited, r.paused = nil, nil, false
}

// Running reports whether the server process is up and answering (started, not stopped
// and not paused).
func (r *Redis) Running() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.cmd != nil && !r.paused
}

// Pause stops the process without killing it (SIGSTOP): it keeps its sockets but neither
// reads nor answers, like a frozen or partitioned node. Resume continues it.
func (r *Redis) Pause() { r.signal(syscall.SIGSTOP, true) }

// Resume continues a paused server (SIGCONT).
func (r *Redis) Resume() { r.signal(syscall.SIGCONT, false) }

func (r *Redis) signal(sig syscall.Signal, paused bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cmd != nil {
		_ = r.cmd.Process.Signal(sig)
		r.paused = paused
	}
}

func (r *Redis) start() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cmd != nil {
		return nil
	}
	out := &bytes.Buffer{}
	var args []string
	if r.conf != "" {
		args = append(args, r.conf)
	}
	args = append(args,
		"--save", "", "--appendonly", "no",
		"--port", strconv.Itoa(r.port), "--bind", "127.0.0.1",
		"--dir", r.dir, "--daemonize", "no", "--logfile", "")
	args = append(args, r.args...)
	cmd := exec.Command(r.bin, args...)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan struct{})
	go func() {
		// One waiter for the process's whole life: it notices an early exit (port taken)
		// and reaps the process after Stop's kill.
		_ = cmd.Wait()
		close(exited)
	}()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return fmt.Errorf("redis-server exited: %s", out.String())
		default:
		}
		if ping(r.Addr) == nil {
			r.cmd, r.exited = cmd, exited
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	_ = cmd.Process.Kill()
	<-exited
	return fmt.Errorf("redis-server did not answer PING on %s: %s", r.Addr, out.String())
}

// ping speaks just enough RESP to avoid depending on a client library here.
func ping(addr string) error {
	c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if line != "+PONG\r\n" {
		return fmt.Errorf("unexpected PING reply %q", line)
	}
	return nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
