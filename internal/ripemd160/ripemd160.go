package ripemd160

//go:generate go run gen.go

import (
	"encoding/binary"
	"hash"
)

// Size is the digest length in bytes.
const Size = 20

// BlockSize is the block length in bytes.
const BlockSize = 64

const (
	init0 = 0x67452301
	init1 = 0xefcdab89
	init2 = 0x98badcfe
	init3 = 0x10325476
	init4 = 0xc3d2e1f0
)

type digest struct {
	h   [5]uint32
	x   [BlockSize]byte
	nx  int
	len uint64
}

// New returns a RIPEMD-160 hash.Hash.
func New() hash.Hash {
	d := new(digest)
	d.Reset()
	return d
}

func (d *digest) Reset() {
	d.h = [5]uint32{init0, init1, init2, init3, init4}
	d.nx = 0
	d.len = 0
}

func (d *digest) Size() int      { return Size }
func (d *digest) BlockSize() int { return BlockSize }

func (d *digest) Write(p []byte) (int, error) {
	n := len(p)
	d.len += uint64(n)
	if d.nx > 0 {
		c := copy(d.x[d.nx:], p)
		d.nx += c
		p = p[c:]
		if d.nx < BlockSize {
			return n, nil
		}
		blocks(&d.h, d.x[:])
		d.nx = 0
	}
	if len(p) >= BlockSize {
		m := len(p) &^ (BlockSize - 1)
		blocks(&d.h, p[:m])
		p = p[m:]
	}
	d.nx = copy(d.x[:], p)
	return n, nil
}

// Sum appends the digest of the data written so far to in; d is unchanged.
func (d *digest) Sum(in []byte) []byte {
	c := *d
	s := c.finish()
	return append(in, s[:]...)
}

func (d *digest) finish() [Size]byte {
	bitLen := d.len << 3
	var pad [BlockSize + 8]byte
	pad[0] = 0x80
	// Pad to 56 mod 64, then the 64-bit little-endian bit length.
	n := 56 - int(d.len%BlockSize)
	if n <= 0 {
		n += BlockSize
	}
	binary.LittleEndian.PutUint64(pad[n:], bitLen)
	d.Write(pad[:n+8])
	var out [Size]byte
	for i, v := range d.h {
		binary.LittleEndian.PutUint32(out[4*i:], v)
	}
	return out
}

// Sum160 returns the RIPEMD-160 digest of data.
func Sum160(data []byte) [Size]byte {
	var d digest
	d.Reset()
	d.Write(data)
	return d.finish()
}
