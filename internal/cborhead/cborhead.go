package cborhead

import "encoding/binary"

// Read decodes the header at the start of buf: the major type and its
// argument, and the bytes after the header. Like the reference's scanner it
// does not check minimal encoding; ok is false for empty or short input and
// for indefinite lengths or reserved values (additional info 28-31).
func Read(buf []byte) (major byte, arg uint64, rest []byte, ok bool) {
	if len(buf) == 0 {
		return 0, 0, nil, false
	}
	major, low := buf[0]>>5, buf[0]&0x1f
	buf = buf[1:]
	switch {
	case low < 24:
		return major, uint64(low), buf, true
	case low == 24 && len(buf) >= 1:
		return major, uint64(buf[0]), buf[1:], true
	case low == 25 && len(buf) >= 2:
		return major, uint64(binary.BigEndian.Uint16(buf)), buf[2:], true
	case low == 26 && len(buf) >= 4:
		return major, uint64(binary.BigEndian.Uint32(buf)), buf[4:], true
	case low == 27 && len(buf) >= 8:
		return major, binary.BigEndian.Uint64(buf), buf[8:], true
	}
	return 0, 0, nil, false
}
