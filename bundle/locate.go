package bundle

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
)

// LotusModule is the Go module whose build/actors folder holds the bundles.
const LotusModule = "github.com/filecoin-project/lotus@v1.36.2"

// ErrNoBundle is returned (wrapped) when a bundle file cannot be located.
var ErrNoBundle = errors.New("bundle not found")

// Locator finds the bundle file of an actors version.
type Locator struct {
	// File, when set, is a bundle of the user's own (a tarball or a CAR),
	// used instead of the lotus module's bundles.
	File string
	// Dir, when set, is a folder holding vN.tar.zst files, as Lotus's
	// build/actors does: how a node ships the bundles beside its binary.
	Dir string
	// GoCommand runs `go`; empty means "go" from PATH. It is needed only
	// when the lotus module is not in the module cache yet.
	GoCommand string
}

// Path returns the bundle file for actors version v: Locator.File when set;
// else Dir/vN.tar.zst when Dir is set; else build/actors/vN.tar.zst of the
// lotus module in the Go module cache ($GOMODCACHE, or $GOPATH/pkg/mod),
// which is downloaded (with `go mod download -json`) when it is not there.
func (l Locator) Path(ctx context.Context, v int) (string, error) {
	if l.File != "" {
		if _, err := os.Stat(l.File); err != nil {
			return "", fmt.Errorf("%w: %w", ErrNoBundle, err)
		}
		return l.File, nil
	}
	if !slices.Contains(Versions(), v) {
		return "", fmt.Errorf("%w %d (known: %v)", ErrUnknownVersion, v, Versions())
	}
	if l.Dir != "" {
		p := filepath.Join(l.Dir, fmt.Sprintf("v%d.tar.zst", v))
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("%w: %w", ErrNoBundle, err)
		}
		return p, nil
	}
	dir, err := l.lotusDir(ctx)
	if err != nil {
		return "", err
	}
	p := filepath.Join(dir, "build", "actors", fmt.Sprintf("v%d.tar.zst", v))
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("%w: %w", ErrNoBundle, err)
	}
	return p, nil
}

// lotusDir returns the lotus module's folder in the module cache, downloading
// it when it is not there yet.
func (l Locator) lotusDir(ctx context.Context) (string, error) {
	if dir, ok := cachedLotusDir(); ok {
		return dir, nil
	}
	goCmd := l.GoCommand
	if goCmd == "" {
		goCmd = "go"
	}
	if cache, err := l.run(ctx, goCmd, "env", "GOMODCACHE"); err == nil {
		dir := filepath.Join(strings.TrimSpace(string(cache)), LotusModule)
		if _, err := os.Stat(filepath.Join(dir, "build", "actors")); err == nil {
			return dir, nil
		}
	}
	out, err := l.run(ctx, goCmd, "mod", "download", "-json", LotusModule)
	if err != nil {
		return "", fmt.Errorf("%w: go mod download %s: %w", ErrNoBundle, LotusModule, err)
	}
	var info struct {
		Dir   string
		Error string
	}
	if err := json.Unmarshal(out, &info); err != nil {
		return "", fmt.Errorf("%w: go mod download %s: %w", ErrNoBundle, LotusModule, err)
	}
	if info.Error != "" || info.Dir == "" {
		return "", fmt.Errorf("%w: go mod download %s: %s", ErrNoBundle, LotusModule, info.Error)
	}
	return info.Dir, nil
}

// run runs the go command outside any module, so that our go.mod is untouched.
func (l Locator) run(ctx context.Context, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = os.TempDir()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		if msg := strings.TrimSpace(stderr.String()); msg != "" {
			return out, fmt.Errorf("%w: %s", err, msg)
		}
		return out, err
	}
	return out, nil
}

// cachedLotusDir finds the lotus module in the module cache without the go
// command, where the environment or the default GOPATH names the cache.
func cachedLotusDir() (string, bool) {
	var roots []string
	if c := os.Getenv("GOMODCACHE"); c != "" {
		roots = append(roots, c)
	}
	if gp := os.Getenv("GOPATH"); gp != "" {
		roots = append(roots, filepath.Join(filepath.SplitList(gp)[0], "pkg", "mod"))
	} else if home, err := os.UserHomeDir(); err == nil {
		roots = append(roots, filepath.Join(home, "go", "pkg", "mod"))
	}
	for _, r := range roots {
		dir := filepath.Join(r, LotusModule)
		if _, err := os.Stat(filepath.Join(dir, "build", "actors")); err == nil {
			return dir, true
		}
	}
	return "", false
}
