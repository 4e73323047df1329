package conformance

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	fbig "github.com/filecoin-project/go-state-types/big"
	"github.com/filecoin-project/go-state-types/network"
	"github.com/ipfs/go-cid"

	"github.com/go-fvm/go-fvm/blockstore"
	"github.com/go-fvm/go-fvm/internal/machine"
	"github.com/go-fvm/go-fvm/message"
)

// ErrBadVector is returned (wrapped) for a vector that cannot be used.
var ErrBadVector = errors.New("bad vector")

// Defaults the reference runner uses when a vector leaves them out.
var (
	// DefaultBaseFee is the base fee of a vector without "basefee" (atto).
	DefaultBaseFee = fbig.NewInt(100)
	// DefaultCircSupply is the circulating supply of a vector without
	// "circ_supply": all 2e9 FIL, in atto.
	DefaultCircSupply = fbig.Mul(fbig.NewInt(2_000_000_000), fbig.NewInt(1_000_000_000_000_000_000))
)

// Vector is a message-class test vector.
type Vector struct {
	Class          string            `json:"class"`
	Selector       map[string]string `json:"selector"`
	Meta           *Meta             `json:"_meta"`
	CAR            Base64            `json:"car"`
	Preconditions  *Preconditions    `json:"preconditions"`
	ApplyMessages  []ApplyMessage    `json:"apply_messages"`
	Postconditions *Postconditions   `json:"postconditions"`
	Randomness     []RandomnessRule  `json:"randomness"`
}

// Meta describes where a vector comes from.
type Meta struct {
	ID          string          `json:"id"`
	Version     string          `json:"version"`
	Description string          `json:"description"`
	Comment     string          `json:"comment"`
	Tags        []string        `json:"tags"`
	Gen         []GenerationRef `json:"gen"`
}

// GenerationRef is one entry of the vector's provenance.
type GenerationRef struct {
	Source  string `json:"source"`
	Version string `json:"version"`
}

// Preconditions is the state a vector starts from.
type Preconditions struct {
	Variants   []Variant  `json:"variants"`
	StateTree  *StateTree `json:"state_tree"`
	BaseFee    *BigInt    `json:"basefee"`
	CircSupply *BigInt    `json:"circ_supply"`
}

// Variant is one (epoch, network version) to run the vector at.
type Variant struct {
	ID    string `json:"id"`
	Epoch int64  `json:"epoch"`
	NV    uint   `json:"nv"`
}

// StateTree names a state root.
type StateTree struct {
	RootCID CID `json:"root_cid"`
}

// ApplyMessage is a message to apply: its chain bytes, base64.
type ApplyMessage struct {
	Bytes       Base64 `json:"bytes"`
	EpochOffset *int64 `json:"epoch_offset"`
}

// Postconditions is what applying the messages must give.
type Postconditions struct {
	StateTree     *StateTree `json:"state_tree"`
	Receipts      []Receipt  `json:"receipts"`
	ReceiptsRoots []CID      `json:"receipts_roots"`
}

// Receipt is an expected message receipt.
type Receipt struct {
	ExitCode int64  `json:"exit_code"`
	Return   Base64 `json:"return"`
	GasUsed  int64  `json:"gas_used"`
}

// RandomnessKind says which randomness a rule replays.
type RandomnessKind string

// The randomness kinds of a vector.
const (
	RandomnessChain  RandomnessKind = "chain"
	RandomnessBeacon RandomnessKind = "beacon"
)

// RandomnessRule replays a 32-byte randomness digest for (kind, epoch).
type RandomnessRule struct {
	Kind   RandomnessKind
	Epoch  int64
	Return []byte
}

// UnmarshalJSON reads {"on": [kind, epoch] or {"kind", "epoch"}, "ret": base64}.
func (r *RandomnessRule) UnmarshalJSON(data []byte) error {
	var raw struct {
		On  json.RawMessage `json:"on"`
		Ret Base64          `json:"ret"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	var tuple []json.RawMessage
	if err := json.Unmarshal(raw.On, &tuple); err == nil {
		if len(tuple) != 2 {
			return fmt.Errorf("randomness rule: \"on\" has %d elements, expected [kind, epoch]", len(tuple))
		}
		if err := json.Unmarshal(tuple[0], &r.Kind); err != nil {
			return fmt.Errorf("randomness rule kind: %w", err)
		}
		if err := json.Unmarshal(tuple[1], &r.Epoch); err != nil {
			return fmt.Errorf("randomness rule epoch: %w", err)
		}
	} else {
		var obj struct {
			Kind  RandomnessKind `json:"kind"`
			Epoch int64          `json:"epoch"`
		}
		if err := json.Unmarshal(raw.On, &obj); err != nil {
			return fmt.Errorf("randomness rule \"on\": %w", err)
		}
		r.Kind, r.Epoch = obj.Kind, obj.Epoch
	}
	if r.Kind != RandomnessChain && r.Kind != RandomnessBeacon {
		return fmt.Errorf("randomness rule: unknown kind %q", r.Kind)
	}
	r.Return = raw.Ret
	return nil
}

// Base64 is a byte string written as standard base64 in JSON.
type Base64 []byte

// UnmarshalJSON decodes a base64 string.
func (b *Base64) UnmarshalJSON(data []byte) error {
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return fmt.Errorf("expected a base64 string: %w", err)
	}
	dec, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return fmt.Errorf("bad base64: %w", err)
	}
	*b = dec
	return nil
}

// CID is a CID written as {"/": "bafy..."} in JSON.
type CID struct{ cid.Cid }

// UnmarshalJSON decodes {"/": cid}.
func (c *CID) UnmarshalJSON(data []byte) error {
	var obj struct {
		Slash *string `json:"/"`
	}
	if err := json.Unmarshal(data, &obj); err != nil {
		return fmt.Errorf(`expected {"/": cid}: %w`, err)
	}
	if obj.Slash == nil {
		return fmt.Errorf(`expected {"/": cid}: no "/" key`)
	}
	parsed, err := cid.Parse(*obj.Slash)
	if err != nil {
		return fmt.Errorf("bad cid %q: %w", *obj.Slash, err)
	}
	c.Cid = parsed
	return nil
}

// BigInt is an arbitrary-precision integer written as a JSON number.
type BigInt struct{ fbig.Int }

// UnmarshalJSON decodes a JSON integer of any size (or a decimal string).
func (b *BigInt) UnmarshalJSON(data []byte) error {
	s := string(bytes.TrimSpace(data))
	if unq, err := strconv.Unquote(s); err == nil {
		s = unq
	}
	v, ok := new(big.Int).SetString(s, 10)
	if !ok {
		return fmt.Errorf("expected an integer, got %s", data)
	}
	b.Int = fbig.NewFromGo(v)
	return nil
}

// LoadVector reads and parses a vector file. Its errors name the file.
func LoadVector(path string) (*Vector, error) {
	v, err := loadVector(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return v, nil
}

// loadVector is LoadVector with errors that do not name the file.
func loadVector(path string) (*Vector, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = fmt.Errorf("%s: %w", pe.Op, pe.Err)
		}
		return nil, fmt.Errorf("%w: %w", ErrBadVector, err)
	}
	return ParseVector(data)
}

// ParseVector parses a vector and checks that it has every field a
// message-class vector needs.
func ParseVector(data []byte) (*Vector, error) {
	var v Vector
	if err := json.Unmarshal(data, &v); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadVector, err)
	}
	if err := v.validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadVector, err)
	}
	return &v, nil
}

func (v *Vector) validate() error {
	switch {
	case v.Class == "":
		return errors.New(`missing "class"`)
	case v.Class != "message":
		return fmt.Errorf("class %q is not supported (only \"message\")", v.Class)
	case len(v.CAR) == 0:
		return errors.New(`missing "car"`)
	case v.Preconditions == nil:
		return errors.New(`missing "preconditions"`)
	case v.Preconditions.StateTree == nil:
		return errors.New(`missing "preconditions.state_tree"`)
	case !v.Preconditions.StateTree.RootCID.Defined():
		return errors.New(`missing "preconditions.state_tree.root_cid"`)
	case len(v.Preconditions.Variants) == 0:
		return errors.New(`missing "preconditions.variants"`)
	case len(v.ApplyMessages) == 0:
		return errors.New(`missing "apply_messages"`)
	case v.Postconditions == nil:
		return errors.New(`missing "postconditions"`)
	case v.Postconditions.StateTree == nil || !v.Postconditions.StateTree.RootCID.Defined():
		return errors.New(`missing "postconditions.state_tree.root_cid"`)
	case len(v.Postconditions.Receipts) != len(v.ApplyMessages):
		return fmt.Errorf("%d receipts for %d messages", len(v.Postconditions.Receipts), len(v.ApplyMessages))
	}
	for i, m := range v.ApplyMessages {
		if len(m.Bytes) == 0 {
			return fmt.Errorf(`apply_messages[%d]: missing "bytes"`, i)
		}
	}
	return nil
}

// ID returns the vector's id, or "" if it has none.
func (v *Vector) ID() string {
	if v.Meta == nil {
		return ""
	}
	return v.Meta.ID
}

// PreRoot returns the state root the vector starts from.
func (v *Vector) PreRoot() cid.Cid { return v.Preconditions.StateTree.RootCID.Cid }

// PostRoot returns the state root the vector must end at.
func (v *Vector) PostRoot() cid.Cid { return v.Postconditions.StateTree.RootCID.Cid }

// BaseFee returns the vector's base fee, or DefaultBaseFee.
func (v *Vector) BaseFee() fbig.Int {
	if v.Preconditions.BaseFee == nil {
		return DefaultBaseFee
	}
	return v.Preconditions.BaseFee.Int
}

// CircSupply returns the vector's circulating supply, or DefaultCircSupply.
func (v *Vector) CircSupply() fbig.Int {
	if v.Preconditions.CircSupply == nil {
		return DefaultCircSupply
	}
	return v.Preconditions.CircSupply.Int
}

// UnsupportedVariant reports the first of the vector's variants whose
// network version go-fvm does not run, with the reason: such a vector is
// skipped, whatever its path.
func (v *Vector) UnsupportedVariant() (reason string, unsupported bool) {
	for _, variant := range v.Preconditions.Variants {
		if _, err := machine.ProfileFor(network.Version(variant.NV)); err != nil {
			return fmt.Sprintf("variant %s: %v", variant.ID, err), true
		}
	}
	return "", false
}

// LoadCAR decodes the vector's CAR (gzip of a CARv1) into bs and checks that
// its roots include the pre-state root.
func (v *Vector) LoadCAR(ctx context.Context, bs blockstore.Blockstore) error {
	zr, err := gzip.NewReader(bytes.NewReader(v.CAR))
	if err != nil {
		if !strings.HasPrefix(err.Error(), "gzip: ") {
			// gzip's own errors name it; io errors do not.
			err = fmt.Errorf("gzip: %w", err)
		}
		return fmt.Errorf("%w: car: %w", ErrBadVector, err)
	}
	roots, _, err := blockstore.LoadCAR(ctx, zr, bs)
	if err != nil {
		return fmt.Errorf("%w: car: %w", ErrBadVector, err)
	}
	if !slices.Contains(roots, v.PreRoot()) {
		return fmt.Errorf("%w: car roots %v do not include the pre-state root %s", ErrBadVector, roots, v.PreRoot())
	}
	return nil
}

// Messages decodes the vector's messages with their chain lengths.
func (v *Vector) Messages() ([]*message.Decoded, error) {
	out := make([]*message.Decoded, len(v.ApplyMessages))
	for i, m := range v.ApplyMessages {
		d, err := message.Decode(m.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%w: apply_messages[%d]: %w", ErrBadVector, i, err)
		}
		out[i] = d
	}
	return out, nil
}

// ReplayRandomness returns the replayed digest for (kind, epoch): the first rule
// that matches, or else the reference runner's fixed fallback.
func (v *Vector) ReplayRandomness(kind RandomnessKind, epoch int64) []byte {
	for _, r := range v.Randomness {
		if r.Kind == kind && r.Epoch == epoch {
			return r.Return
		}
	}
	return []byte(fallbackRandomness)
}

// fallbackRandomness is what the reference runner returns when no rule matches.
const fallbackRandomness = "i_am_random_____i_am_random_____"

// ErrNoVectors is returned (wrapped) by FindVectors for a folder that holds
// no vector file.
var ErrNoVectors = errors.New("no vectors")

// FindVectors expands paths into vector files: a file is taken as it is, a
// folder is walked for *.json files (in lexical order). A folder without
// any is an error wrapping ErrNoVectors (a mistyped path must not pass as an
// empty success).
func FindVectors(paths []string) ([]string, error) {
	var files []string
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrBadVector, err)
		}
		if !info.IsDir() {
			files = append(files, p)
			continue
		}
		n := len(files)
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && strings.HasSuffix(d.Name(), ".json") {
				files = append(files, path)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrBadVector, err)
		}
		if len(files) == n {
			return nil, fmt.Errorf("%w: folder %s holds no *.json vector file", ErrNoVectors, p)
		}
	}
	return files, nil
}
