package engine

import (
	"bytes"
	"crypto/sha256"
	"os"
	"path/filepath"

	"github.com/ipfs/go-cid"
)

// The on-disk cache keeps, per instrumentation version, the instrumented
// code of each code CID (so a restart skips instrumenting) next to wazero's
// compiled code (keyed by the instrumented bytes). Instrumented files carry
// a SHA-256 of their content; a file that does not match, or does not
// compile, is ignored and rewritten. Failures to write are ignored: the
// cache only saves time.

// cacheVersionDir returns the per-version directory, or "" without a cache.
func cacheVersionDir(cfg Config) string {
	if cfg.CacheDir == "" {
		return ""
	}
	dir, err := cfg.versionDir()
	if err != nil {
		return ""
	}
	return dir
}

func (e *Engine) instrumentedPath(c cid.Cid) string {
	return filepath.Join(e.dir, "instrumented", c.String()+".wasm")
}

// readInstrumented returns the cached instrumented code of c, if valid.
func (e *Engine) readInstrumented(c cid.Cid) ([]byte, bool) {
	if e.dir == "" {
		return nil, false
	}
	b, err := os.ReadFile(e.instrumentedPath(c))
	if err != nil || len(b) < sha256.Size {
		return nil, false
	}
	sum, body := b[:sha256.Size], b[sha256.Size:]
	got := sha256.Sum256(body)
	if !bytes.Equal(sum, got[:]) {
		return nil, false
	}
	return body, true
}

// onDisk reports whether the disk cache has c, instrumented (written once
// it compiled, next to the compiled code).
func (e *Engine) onDisk(c cid.Cid) bool {
	if e.dir == "" {
		return false
	}
	_, err := os.Stat(e.instrumentedPath(c))
	return err == nil
}

// writeInstrumented stores inst for c, atomically (temp file and rename).
func (e *Engine) writeInstrumented(c cid.Cid, inst []byte) {
	if e.dir == "" {
		return
	}
	path := e.instrumentedPath(c)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return
	}
	sum := sha256.Sum256(inst)
	_, werr := f.Write(append(sum[:], inst...))
	cerr := f.Close()
	if werr != nil || cerr != nil {
		_ = os.Remove(f.Name())
		return
	}
	if err := os.Rename(f.Name(), path); err != nil {
		_ = os.Remove(f.Name())
	}
}
