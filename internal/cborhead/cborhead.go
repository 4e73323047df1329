package cborhead

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
	var size int
	switch {
	case low < 24:
		return major, uint64(low), buf, true
	case low == 24:
		size = 1
	case low == 25:
		size = 2
	case low == 26:
		size = 4
	case low == 27:
		size = 8
	default:
		return 0, 0, nil, false
	}
	if len(buf) < size {
		return 0, 0, nil, false
	}
	for _, b := range buf[:size] {
		arg = arg<<8 | uint64(b)
	}
	return major, arg, buf[size:], true
}
