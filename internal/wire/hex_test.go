package wire

import (
	"encoding/hex"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestConstantTimeHelpers(t *testing.T) {
	mac, _ := hex.DecodeString("00ff10a5e3")
	require.True(t, HexEqual(mac, []byte("00ff10a5e3")))
	for _, h := range []string{"00ff10a5e4", "00FF10A5E3", "00ff10a5e", "00ff10a5e300", "", "00ff10a5e\x00"} {
		require.False(t, HexEqual(mac, []byte(h)), h)
	}
	long := make([]byte, 33)
	for i := range long {
		long[i] = byte(i * 7)
	}
	require.True(t, HexEqual(long, []byte(hex.EncodeToString(long))))
	require.True(t, CTEqual([]byte("0123456789abcdefX"), []byte("0123456789abcdefX")))
	require.False(t, CTEqual([]byte("0123456789abcdefX"), []byte("0123456789abcdefY")))
	require.False(t, CTEqual([]byte("01234567"), []byte("0123456")))
	var dst [8]byte
	n, ok := DecodeLowerHex(dst[:], []byte("00ff10a5"))
	require.True(t, ok)
	require.Equal(t, []byte{0, 0xff, 0x10, 0xa5}, dst[:n])
	for _, h := range []string{"", "0", "0G", "0A", "ff ", "zz"} {
		_, ok := DecodeLowerHex(dst[:], []byte(h))
		require.False(t, ok, h)
	}
	_, ok = DecodeLowerHex(dst[:2], []byte("000000"))
	require.False(t, ok, "no room")
}
