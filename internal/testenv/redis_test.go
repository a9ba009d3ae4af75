package testenv_test

import (
	"bufio"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/astracat/astracaph/internal/testenv"
)

func pong(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return false
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	return err == nil && line == "+PONG\r\n"
}

func TestRedisStopStart(t *testing.T) {
	r := testenv.NewRedis(t)
	require.True(t, pong(r.Addr))
	r.Stop()
	require.False(t, pong(r.Addr), "stopped")
	r.Stop() // idempotent
	r.Start()
	require.True(t, pong(r.Addr), "back on the same address")
	r.Start() // no-op while running

	addr, stop := testenv.StartRedis(t)
	require.NotEqual(t, r.Addr, addr)
	require.True(t, pong(addr))
	stop()
	require.False(t, pong(addr))
}
