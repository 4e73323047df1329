package trace

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	gobig "math/big"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/filecoin-project/go-address"
	"github.com/filecoin-project/go-bitfield"
	"github.com/filecoin-project/go-state-types/big"
	"github.com/ipfs/go-cid"
	cbg "github.com/whyrusleeping/cbor-gen"
)

// IPLD codecs of parameters, returns and event values.
const (
	codecNone    = 0
	codecCBOR    = 0x51
	codecRaw     = 0x55
	codecDagCBOR = 0x71
)

// Value is a decoded parameter, return value or event value. Data holds the decoded tree:
// Fields for a struct or map (in order), []any for a list, and strings, numbers, booleans or
// nil for the leaves (addresses, CIDs and token amounts as strings, bytes as Bytes). When the
// bytes could not be decoded, Raw holds them and Error says why.
type Value struct {
	// Type is the go-state-types type the bytes decoded into ("market.PublishStorageDealsParams");
	// empty when decoded without a schema.
	Type  string `json:"type,omitempty"`
	Codec uint64 `json:"codec"`
	Data  any    `json:"data,omitempty"`
	Raw   Bytes  `json:"raw,omitempty"`
	Error string `json:"error,omitempty"`
}

// Field is one named value of a struct or map.
type Field struct {
	Name  string
	Value any
}

// Fields is a struct's fields, or a map's entries, in order. It marshals as a JSON object
// that keeps the order.
type Fields []Field

// MarshalJSON writes the fields as an object, in order.
func (fs Fields) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range fs {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(f.Name)
		b.Write(k)
		b.WriteByte(':')
		v, err := json.Marshal(f.Value)
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// Get returns the value of the named field, and whether there is one.
func (fs Fields) Get(name string) (any, bool) {
	for _, f := range fs {
		if f.Name == name {
			return f.Value, true
		}
	}
	return nil, false
}

// Bytes are raw bytes, written as 0x-prefixed hex.
type Bytes []byte

// String is the 0x-prefixed hex form.
func (b Bytes) String() string { return "0x" + hex.EncodeToString(b) }

// MarshalJSON writes the hex form.
func (b Bytes) MarshalJSON() ([]byte, error) { return json.Marshal(b.String()) }

// maxDepth bounds the nesting the decoders follow.
const maxDepth = 64

// decodeTyped decodes data (CBOR) into a new value of type t (a pointer type of the
// method table) and reflects on it.
func decodeTyped(t reflect.Type, codec uint64, data []byte) *Value {
	v := &Value{Codec: codec}
	if t.Kind() != reflect.Pointer {
		return rawValue(v, data, fmt.Errorf("type %s is not a pointer", t))
	}
	v.Type = typeName(t.Elem())
	ptr := reflect.New(t.Elem())
	u, ok := ptr.Interface().(cbg.CBORUnmarshaler)
	if !ok {
		return rawValue(v, data, fmt.Errorf("%s has no CBOR decoder", v.Type))
	}
	r := bytes.NewReader(data)
	if err := unmarshal(u, r); err != nil {
		return rawValue(v, data, fmt.Errorf("does not decode as %s: %w", v.Type, err))
	}
	if r.Len() > 0 {
		return rawValue(v, data, fmt.Errorf("%d bytes left after %s", r.Len(), v.Type))
	}
	v.Data = reflectData(ptr.Elem(), 0)
	return v
}

// unmarshal runs a cbor-gen decoder, turning a panic on hostile bytes into an error.
func unmarshal(u cbg.CBORUnmarshaler, r io.Reader) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("decoder panicked: %v", p)
		}
	}()
	return u.UnmarshalCBOR(r)
}

func rawValue(v *Value, data []byte, err error) *Value {
	v.Raw = Bytes(data)
	v.Data = nil
	v.Error = err.Error()
	return v
}

// typeName is "package.Type" for a named type (the package's name, not its path).
func typeName(t reflect.Type) string {
	return t.String()
}

var (
	addressType  = reflect.TypeFor[address.Address]()
	cidType      = reflect.TypeFor[cid.Cid]()
	bigType      = reflect.TypeFor[big.Int]()
	bitfieldType = reflect.TypeFor[bitfield.BitField]()
	deferredType = reflect.TypeFor[cbg.Deferred]()
)

// labelLike is go-state-types' DealLabel (one type per actors version): a string or bytes.
type labelLike interface {
	IsString() bool
	ToString() (string, error)
	ToBytes() ([]byte, error)
}

// reflectData turns a decoded go-state-types value into the Data tree.
func reflectData(v reflect.Value, depth int) any {
	if depth > maxDepth {
		return "…"
	}
	if d, ok := leafData(v); ok {
		return d
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return reflectData(v.Elem(), depth+1)
	case reflect.Struct:
		return structData(v, depth)
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return Bytes(bytesOf(v))
		}
		out := make([]any, v.Len())
		for i := range out {
			out[i] = reflectData(v.Index(i), depth+1)
		}
		return out
	case reflect.Map:
		return mapData(v, depth)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return v.Uint()
	case reflect.Bool:
		return v.Bool()
	case reflect.String:
		return v.String()
	case reflect.Float32, reflect.Float64:
		return v.Float()
	}
	return fmt.Sprint(v.Interface())
}

// leafData renders the types whose fields say nothing: addresses, CIDs, big integers,
// bitfields, deal labels, deferred CBOR.
func leafData(v reflect.Value) (any, bool) {
	if !v.IsValid() {
		return nil, true
	}
	switch v.Type() {
	case addressType:
		a := v.Interface().(address.Address)
		if a == address.Undef {
			return nil, true
		}
		return a.String(), true
	case cidType:
		c := v.Interface().(cid.Cid)
		if !c.Defined() {
			return nil, true
		}
		return c.String(), true
	case bigType:
		b := v.Interface().(big.Int)
		if b.Int == nil {
			return nil, true
		}
		return b.String(), true
	case bitfieldType:
		bf := v.Interface().(bitfield.BitField)
		return bitfieldString(bf), true
	case deferredType:
		return Bytes(v.Interface().(cbg.Deferred).Raw), true
	}
	if v.CanInterface() && v.Kind() == reflect.Struct {
		if l, ok := v.Interface().(labelLike); ok {
			if l.IsString() {
				s, _ := l.ToString()
				return s, true
			}
			b, _ := l.ToBytes()
			return Bytes(b), true
		}
	}
	return nil, false
}

func structData(v reflect.Value, depth int) any {
	t := v.Type()
	out := Fields{}
	for i := 0; i < t.NumField(); i++ {
		if !t.Field(i).IsExported() {
			continue
		}
		out = append(out, Field{Name: t.Field(i).Name, Value: reflectData(v.Field(i), depth+1)})
	}
	if len(out) == 0 && t.NumField() > 0 {
		// A type with only unexported fields: its String, if it has one.
		if s, ok := v.Interface().(fmt.Stringer); ok {
			return s.String()
		}
	}
	return out
}

func mapData(v reflect.Value, depth int) any {
	out := Fields{}
	iter := v.MapRange()
	for iter.Next() {
		out = append(out, Field{Name: fmt.Sprint(reflectData(iter.Key(), depth+1)), Value: reflectData(iter.Value(), depth+1)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func bytesOf(v reflect.Value) []byte {
	if v.Kind() == reflect.Slice {
		return v.Bytes()
	}
	b := make([]byte, v.Len())
	for i := range b {
		b[i] = byte(v.Index(i).Uint())
	}
	return b
}

// bitfieldString lists a bitfield's set bits as runs ("0-3,7"); "" when empty.
func bitfieldString(bf bitfield.BitField) string {
	it, err := bf.RunIterator()
	if err != nil {
		return "invalid bitfield: " + err.Error()
	}
	var parts []string
	var pos uint64
	for it.HasNext() {
		run, err := it.NextRun()
		if err != nil {
			return "invalid bitfield: " + err.Error()
		}
		if run.Val {
			switch run.Len {
			case 1:
				parts = append(parts, strconv.FormatUint(pos, 10))
			default:
				parts = append(parts, fmt.Sprintf("%d-%d", pos, pos+run.Len-1))
			}
		}
		pos += run.Len
	}
	return strings.Join(parts, ",")
}

// decodeUntyped decodes bytes without a schema: CBOR generically, raw bytes as they are.
func decodeUntyped(codec uint64, data []byte) *Value {
	v := &Value{Codec: codec}
	switch codec {
	case codecCBOR, codecDagCBOR:
		d, err := decodeGeneric(data)
		if err != nil {
			return rawValue(v, data, fmt.Errorf("does not decode as CBOR: %w", err))
		}
		v.Data = d
	default:
		v.Raw = Bytes(data)
	}
	return v
}

// decodeGeneric reads data as one CBOR item.
func decodeGeneric(data []byte) (any, error) {
	br := bytes.NewReader(data)
	g := generic{br: br, cr: cbg.NewCborReader(br)}
	d, err := g.item(0)
	if err == nil && br.Len() > 0 {
		err = fmt.Errorf("%d bytes left after the CBOR item", br.Len())
	}
	return d, err
}

// generic reads CBOR items into the Data tree: maps as Fields (keys rendered), CIDs (tag 42)
// as strings, byte strings as Bytes.
type generic struct {
	br *bytes.Reader
	cr *cbg.CborReader
}

func (g generic) item(depth int) (any, error) {
	if depth > maxDepth {
		return nil, errors.New("nested too deep")
	}
	maj, extra, err := g.cr.ReadHeader()
	if err != nil {
		return nil, err
	}
	switch maj {
	case cbg.MajUnsignedInt:
		return extra, nil
	case cbg.MajNegativeInt:
		if extra > math.MaxInt64 {
			n := new(gobig.Int).SetUint64(extra)
			return n.Neg(n.Add(n, gobig.NewInt(1))).String(), nil
		}
		return -1 - int64(extra), nil
	case cbg.MajByteString, cbg.MajTextString:
		return g.str(maj, extra)
	case cbg.MajArray:
		return g.list(extra, depth)
	case cbg.MajMap:
		return g.dict(extra, depth)
	case cbg.MajTag:
		return g.tag(extra, depth)
	}
	switch extra { // major type 7
	case 20:
		return false, nil
	case 21:
		return true, nil
	case 22, 23:
		return nil, nil
	}
	return nil, fmt.Errorf("simple value or float %d (Filecoin uses none)", extra)
}

func (g generic) str(maj byte, n uint64) (any, error) {
	if n > uint64(g.br.Len()) {
		return nil, fmt.Errorf("string of %d bytes, %d left", n, g.br.Len())
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(g.cr, b); err != nil {
		return nil, err
	}
	if maj == cbg.MajTextString {
		return string(b), nil
	}
	return Bytes(b), nil
}

func (g generic) list(n uint64, depth int) (any, error) {
	if n > uint64(g.br.Len()) {
		return nil, fmt.Errorf("list of %d items, %d bytes left", n, g.br.Len())
	}
	out := make([]any, n)
	for i := range out {
		var err error
		if out[i], err = g.item(depth + 1); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (g generic) dict(n uint64, depth int) (any, error) {
	if n > uint64(g.br.Len()) {
		return nil, fmt.Errorf("map of %d entries, %d bytes left", n, g.br.Len())
	}
	out := make(Fields, n)
	for i := range out {
		k, err := g.item(depth + 1)
		if err != nil {
			return nil, err
		}
		v, err := g.item(depth + 1)
		if err != nil {
			return nil, err
		}
		out[i] = Field{Name: fmt.Sprint(k), Value: v}
	}
	return out, nil
}

func (g generic) tag(tag uint64, depth int) (any, error) {
	v, err := g.item(depth + 1)
	if err != nil {
		return nil, err
	}
	if tag == 42 {
		b, ok := v.(Bytes)
		if !ok || len(b) == 0 || b[0] != 0 {
			return nil, errors.New("tag 42 without a 0x00-prefixed CID")
		}
		c, err := cid.Cast(b[1:])
		if err != nil {
			return nil, fmt.Errorf("tag 42: %w", err)
		}
		return c.String(), nil
	}
	return Fields{{Name: "tag", Value: tag}, {Name: "value", Value: v}}, nil
}
