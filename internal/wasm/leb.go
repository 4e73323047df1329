package wasm

import (
	"errors"
	"unicode/utf8"
)

// Low-level reader errors; the section decoders wrap them with ErrMalformed and context.
var (
	errEOF       = errors.New("unexpected end of input")
	errLEB       = errors.New("integer representation too long or out of range")
	errBadUTF8   = errors.New("name is not valid UTF-8")
	errCountHuge = errors.New("count larger than the remaining input")
)

// reader decodes the binary format from a byte slice. It never panics: every read checks
// the bounds.
type reader struct {
	b   []byte
	pos int
}

func (r *reader) eof() bool      { return r.pos >= len(r.b) }
func (r *reader) remaining() int { return len(r.b) - r.pos }

func (r *reader) byte() (byte, error) {
	if r.pos >= len(r.b) {
		return 0, errEOF
	}
	c := r.b[r.pos]
	r.pos++
	return c, nil
}

func (r *reader) bytes(n uint32) ([]byte, error) {
	if uint64(n) > uint64(r.remaining()) {
		return nil, errEOF
	}
	s := r.b[r.pos : r.pos+int(n)]
	r.pos += int(n)
	return s, nil
}

// uleb reads an unsigned LEB128 integer of at most bits bits.
func (r *reader) uleb(bits uint) (uint64, error) {
	var v uint64
	var shift uint
	maxBytes := (bits + 6) / 7
	for i := uint(0); ; i++ {
		c, err := r.byte()
		if err != nil {
			return 0, err
		}
		if i == maxBytes-1 {
			// Last permitted byte: no continuation, and the unused high bits must be zero.
			if c&0x80 != 0 {
				return 0, errLEB
			}
			used := bits - shift
			if used < 7 && c>>used != 0 {
				return 0, errLEB
			}
			return v | uint64(c)<<shift, nil
		}
		v |= uint64(c&0x7f) << shift
		if c&0x80 == 0 {
			return v, nil
		}
		shift += 7
	}
}

// sleb reads a signed LEB128 integer of at most bits bits.
func (r *reader) sleb(bits uint) (int64, error) {
	var v int64
	var shift uint
	maxBytes := (bits + 6) / 7
	for i := uint(0); ; i++ {
		c, err := r.byte()
		if err != nil {
			return 0, err
		}
		if i == maxBytes-1 {
			if c&0x80 != 0 {
				return 0, errLEB
			}
			used := bits - shift // value bits held by this byte, sign bit included
			if used < 7 {
				p := c & 0x7f
				upper := p >> used
				if (p>>(used-1))&1 == 0 {
					if upper != 0 {
						return 0, errLEB
					}
				} else if upper != byte(1)<<(7-used)-1 {
					return 0, errLEB
				}
			}
			v |= int64(c&0x7f) << shift
			shift += 7
			if shift < 64 && c&0x40 != 0 {
				v |= -1 << shift
			}
			return v, nil
		}
		v |= int64(c&0x7f) << shift
		shift += 7
		if c&0x80 == 0 {
			if shift < 64 && c&0x40 != 0 {
				v |= -1 << shift
			}
			return v, nil
		}
	}
}

func (r *reader) u32() (uint32, error) {
	v, err := r.uleb(32)
	return uint32(v), err
}

func (r *reader) s32() (int32, error) {
	v, err := r.sleb(32)
	return int32(v), err
}

func (r *reader) s64() (int64, error) { return r.sleb(64) }

func (r *reader) s33() (int64, error) { return r.sleb(33) }

func (r *reader) fixed32() (uint32, error) {
	b, err := r.bytes(4)
	if err != nil {
		return 0, err
	}
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24, nil
}

func (r *reader) fixed64() (uint64, error) {
	lo, err := r.fixed32()
	if err != nil {
		return 0, err
	}
	hi, err := r.fixed32()
	if err != nil {
		return 0, err
	}
	return uint64(lo) | uint64(hi)<<32, nil
}

// count reads a vector length and checks that at least minSize*n bytes remain, so a
// hostile count cannot make us allocate more than the input justifies.
func (r *reader) count(minSize int) (uint32, error) {
	n, err := r.u32()
	if err != nil {
		return 0, err
	}
	if minSize > 0 && uint64(n)*uint64(minSize) > uint64(r.remaining()) {
		return 0, errCountHuge
	}
	return n, nil
}

func (r *reader) name() (string, error) {
	n, err := r.u32()
	if err != nil {
		return "", err
	}
	if n > maxStringSize {
		return "", errLEB
	}
	b, err := r.bytes(n)
	if err != nil {
		return "", err
	}
	if !utf8.Valid(b) {
		return "", errBadUTF8
	}
	return string(b), nil
}

// Encoding helpers.

func appendU32(b []byte, v uint32) []byte { return appendU64(b, uint64(v)) }

func appendU64(b []byte, v uint64) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v == 0 {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

func appendS64(b []byte, v int64) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if (v == 0 && c&0x40 == 0) || (v == -1 && c&0x40 != 0) {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

func appendFixed32(b []byte, v uint32) []byte {
	return append(b, byte(v), byte(v>>8), byte(v>>16), byte(v>>24))
}

func appendFixed64(b []byte, v uint64) []byte {
	return appendFixed32(appendFixed32(b, uint32(v)), uint32(v>>32))
}

func appendName(b []byte, s string) []byte {
	b = appendU32(b, uint32(len(s)))
	return append(b, s...)
}

// appendSection appends a section with its id and size prefix.
func appendSection(b []byte, id byte, payload []byte) []byte {
	b = append(b, id)
	b = appendU32(b, uint32(len(payload)))
	return append(b, payload...)
}
