package conformance_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/filecoin-project/go-address"
	fbig "github.com/filecoin-project/go-state-types/big"
	"github.com/ipfs/go-cid"
	"github.com/multiformats/go-multihash"

	"github.com/go-fvm/go-fvm/blockstore"
	"github.com/go-fvm/go-fvm/conformance"
	"github.com/go-fvm/go-fvm/message"
)

// vectorFiles walks $FVM_TEST_VECTORS for *.json, or skips the test.
func vectorFiles(t *testing.T) []string {
	t.Helper()
	dir := os.Getenv("FVM_TEST_VECTORS")
	if dir == "" {
		t.Skip("FVM_TEST_VECTORS is not set; skipping the vector corpus")
	}
	files, err := conformance.FindVectors([]string{dir})
	if err != nil || len(files) == 0 {
		t.Fatalf("no vectors under %s: %v", dir, err)
	}
	return files
}

func TestFindVectors(t *testing.T) {
	files := vectorFiles(t)
	got, err := conformance.FindVectors([]string{os.Getenv("FVM_TEST_VECTORS")})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, files) {
		t.Fatalf("FindVectors found %d files, the walk %d", len(got), len(files))
	}
	// A file is taken as it is, even without the .json suffix.
	one, err := conformance.FindVectors([]string{files[0], "vector_test.go"})
	if err != nil || !slices.Equal(one, []string{files[0], "vector_test.go"}) {
		t.Fatalf("FindVectors(files) = %v, %v", one, err)
	}
	empty := t.TempDir()
	if err := os.WriteFile(filepath.Join(empty, "README.md"), []byte("not a vector"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, err := conformance.FindVectors([]string{files[0], empty}); !errors.Is(err, conformance.ErrNoVectors) || !strings.Contains(err.Error(), empty) {
		t.Fatalf("FindVectors(a folder without vectors) = %v, %v; want ErrNoVectors naming the folder", got, err)
	}
	missing := filepath.Join(t.TempDir(), "nope")
	if _, err := conformance.FindVectors([]string{missing}); !errors.Is(err, conformance.ErrBadVector) || !strings.Contains(err.Error(), missing) {
		t.Fatalf("FindVectors(missing) err = %v", err)
	}
}

// rawVector is the part of a vector file read independently of the package.
type rawVector struct {
	Meta struct {
		ID string `json:"id"`
	} `json:"_meta"`
	Preconditions struct {
		Variants []struct {
			NV    uint  `json:"nv"`
			Epoch int64 `json:"epoch"`
		} `json:"variants"`
		BaseFee    json.Number `json:"basefee"`
		CircSupply json.Number `json:"circ_supply"`
	} `json:"preconditions"`
	Randomness []json.RawMessage `json:"randomness"`
}

func TestLoadVectors(t *testing.T) {
	ctx := context.Background()
	for _, f := range vectorFiles(t) {
		name := filepath.Base(f)
		v, err := conformance.LoadVector(f)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		data, _ := os.ReadFile(f)
		var raw rawVector
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		if err := dec.Decode(&raw); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if v.ID() != raw.Meta.ID || v.ID() != strings.TrimSuffix(name, ".json") {
			t.Errorf("%s: ID = %q, file's _meta.id %q", name, v.ID(), raw.Meta.ID)
		}
		if len(v.Preconditions.Variants) != len(raw.Preconditions.Variants) ||
			v.Preconditions.Variants[0].NV != raw.Preconditions.Variants[0].NV ||
			v.Preconditions.Variants[0].Epoch != raw.Preconditions.Variants[0].Epoch {
			t.Errorf("%s: variants %+v", name, v.Preconditions.Variants)
		}
		if raw.Preconditions.BaseFee != "" && v.BaseFee().String() != raw.Preconditions.BaseFee.String() {
			t.Errorf("%s: BaseFee = %s, file has %s", name, v.BaseFee(), raw.Preconditions.BaseFee)
		}
		if raw.Preconditions.CircSupply != "" && v.CircSupply().String() != raw.Preconditions.CircSupply.String() {
			t.Errorf("%s: CircSupply = %s, file has %s", name, v.CircSupply(), raw.Preconditions.CircSupply)
		}
		if len(v.Randomness) != len(raw.Randomness) {
			t.Errorf("%s: %d randomness rules, file has %d", name, len(v.Randomness), len(raw.Randomness))
		}
		for i, r := range v.Randomness {
			if len(r.Return) != 32 {
				t.Errorf("%s: randomness[%d] returns %d bytes", name, i, len(r.Return))
			}
		}
		if len(v.Postconditions.Receipts) != len(v.ApplyMessages) {
			t.Errorf("%s: receipts/messages mismatch", name)
		}
		bs := blockstore.NewMemory()
		if err := v.LoadCAR(ctx, bs); err != nil {
			t.Errorf("%s: LoadCAR: %v", name, err)
			continue
		}
		if ok, _ := bs.Has(ctx, v.PreRoot()); !ok {
			t.Errorf("%s: pre-state root block not in the CAR", name)
		}
		msgs, err := v.Messages()
		if err != nil || len(msgs) != len(v.ApplyMessages) {
			t.Errorf("%s: Messages: %v", name, err)
		}
	}
}

// The hygge AddBalance-Ok-1 sample, checked against the values of
// shared/spec/executor.md §5.2.
func TestKnownVector(t *testing.T) {
	dir := os.Getenv("FVM_TEST_VECTORS")
	if dir == "" {
		t.Skip("FVM_TEST_VECTORS is not set")
	}
	f := filepath.Join(dir, "extracted/0002-hygge-01/fil_10_storagemarket/AddBalance/Ok/ext-0002-fil_10_storagemarket-AddBalance-Ok-1.json")
	v, err := conformance.LoadVector(f)
	if err != nil {
		t.Fatal(err)
	}
	if got := v.Preconditions.Variants[0]; got.NV != 18 || got.Epoch != 2799999 {
		t.Errorf("variant = %+v", got)
	}
	if v.BaseFee().String() != "3721343" {
		t.Errorf("BaseFee = %s", v.BaseFee())
	}
	if v.CircSupply().String() != "464092209584480788784571614" {
		t.Errorf("CircSupply = %s", v.CircSupply())
	}
	if v.PreRoot().String() != "bafy2bzacebk2shqmwp5ay3x7s2irry4bzzijveofh4msbdqu2mpiuh7m73hrg" ||
		v.PostRoot().String() != "bafy2bzacedjngv5rp22w4szbmbg5evcs2fojdxjgc5fdbbgzl5hgmbzjkwxgo" {
		t.Errorf("roots %s %s", v.PreRoot(), v.PostRoot())
	}
	if r := v.Postconditions.Receipts[0]; r.ExitCode != 0 || r.GasUsed != 23185161 || len(r.Return) != 0 {
		t.Errorf("receipt %+v", r)
	}
	msgs, err := v.Messages()
	if err != nil {
		t.Fatal(err)
	}
	if msgs[0].ChainLength != 94 || msgs[0].Message.To.String() != "f05" || msgs[0].Message.From.Protocol() != address.BLS {
		t.Errorf("message: length %d, to %s, from %s", msgs[0].ChainLength, msgs[0].Message.To, msgs[0].Message.From)
	}
	bs := blockstore.NewMemory()
	if err := v.LoadCAR(ctx(), bs); err != nil {
		t.Fatal(err)
	}
	if bs.Len() != 56 {
		t.Errorf("CAR holds %d blocks, want 56", bs.Len())
	}
}

func ctx() context.Context { return context.Background() }

// --- synthetic vectors -------------------------------------------------------

// testCAR builds a gzipped CARv1 (by hand, from the CAR spec) holding one
// DAG-CBOR block per item, with the given roots.
func testCAR(t testing.TB, roots []cid.Cid, items ...[]byte) []byte {
	t.Helper()
	var header []byte
	header = append(header, 0xa2, 0x65)
	header = append(header, "roots"...)
	header = append(header, 0x80|byte(len(roots)))
	for _, r := range roots {
		link := append([]byte{0}, r.Bytes()...)
		header = append(header, 0xd8, 42, 0x58, byte(len(link)))
		header = append(header, link...)
	}
	header = append(header, 0x67)
	header = append(header, "version"...)
	header = append(header, 0x01)
	car := binary.AppendUvarint(nil, uint64(len(header)))
	car = append(car, header...)
	for _, it := range items {
		c := blockCID(t, it)
		car = binary.AppendUvarint(car, uint64(c.ByteLen()+len(it)))
		car = append(car, c.Bytes()...)
		car = append(car, it...)
	}
	return gz(t, car)
}

func gz(t testing.TB, data []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func blockCID(t testing.TB, data []byte) cid.Cid {
	c, err := cid.Prefix{Version: 1, Codec: cid.DagCBOR, MhType: multihash.BLAKE2B_MIN + 31, MhLength: 32}.Sum(data)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var (
	preBlock  = []byte{0x83, 0x05, 0x80, 0x80} // not a real state root: only its CID matters here
	postBlock = []byte{0x83, 0x05, 0x80, 0x81, 0x01}
)

func testMessageBytes(t testing.TB) []byte {
	to, _ := address.NewIDAddress(5)
	from, _ := address.NewIDAddress(100)
	m := message.Message{To: to, From: from, Sequence: 1, Value: fbig.NewInt(10), GasLimit: 1000,
		GasFeeCap: fbig.NewInt(2), GasPremium: fbig.NewInt(1), Method: 0}
	return m.Bytes()
}

// syntheticVector returns a valid vector as a generic JSON tree, so that tests
// can break it field by field.
func syntheticVector(t testing.TB) map[string]any {
	pre, post := blockCID(t, preBlock), blockCID(t, postBlock)
	car := testCAR(t, []cid.Cid{pre, post}, preBlock, postBlock)
	doc := `{
		"class": "message",
		"selector": {"min_protocol_version": "ohsnap"},
		"_meta": {"id": "synthetic-1", "gen": [{"source": "network:mainnet"}]},
		"car": "` + base64.StdEncoding.EncodeToString(car) + `",
		"preconditions": {
			"variants": [{"id": "ohsnap", "epoch": 2800000, "nv": 18}],
			"state_tree": {"root_cid": {"/": "` + pre.String() + `"}},
			"basefee": 100000000000000000000000000000000000000001,
			"circ_supply": 464092209584480788784571614
		},
		"apply_messages": [{"bytes": "` + base64.StdEncoding.EncodeToString(testMessageBytes(t)) + `"}],
		"postconditions": {
			"state_tree": {"root_cid": {"/": "` + post.String() + `"}},
			"receipts": [{"exit_code": 0, "return": "", "gas_used": 12345}]
		},
		"randomness": [
			{"on": ["chain", 10], "ret": "` + base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{1}, 32)) + `"},
			{"on": {"kind": "beacon", "epoch": 10}, "ret": "` + base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{2}, 32)) + `"},
			{"on": ["chain", 10], "ret": "` + base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{3}, 32)) + `"}
		]
	}`
	var tree map[string]any
	dec := json.NewDecoder(strings.NewReader(doc))
	dec.UseNumber()
	if err := dec.Decode(&tree); err != nil {
		t.Fatalf("synthetic vector: %v", err)
	}
	return tree
}

func encode(t testing.TB, tree any) []byte {
	data, err := json.Marshal(tree)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// at returns the object at a dotted path of tree (array indexes as numbers).
func at(tree map[string]any, path string) (map[string]any, string) {
	parts := strings.Split(path, ".")
	var cur any = tree
	for _, p := range parts[:len(parts)-1] {
		switch c := cur.(type) {
		case map[string]any:
			cur = c[p]
		case []any:
			cur = c[int(p[0]-'0')]
		}
	}
	return cur.(map[string]any), parts[len(parts)-1]
}

func TestParseSyntheticVector(t *testing.T) {
	v, err := conformance.ParseVector(encode(t, syntheticVector(t)))
	if err != nil {
		t.Fatalf("ParseVector: %v", err)
	}
	if v.ID() != "synthetic-1" || v.Class != "message" || v.Selector["min_protocol_version"] != "ohsnap" {
		t.Errorf("vector %+v", v)
	}
	if v.BaseFee().String() != "100000000000000000000000000000000000000001" {
		t.Errorf("BaseFee = %s", v.BaseFee())
	}
	if v.CircSupply().String() != "464092209584480788784571614" {
		t.Errorf("CircSupply = %s", v.CircSupply())
	}
	if v.PreRoot() != blockCID(t, preBlock) || v.PostRoot() != blockCID(t, postBlock) {
		t.Errorf("roots %s %s", v.PreRoot(), v.PostRoot())
	}
	if err := v.LoadCAR(ctx(), blockstore.NewMemory()); err != nil {
		t.Errorf("LoadCAR: %v", err)
	}
	msgs, err := v.Messages()
	if err != nil || len(msgs) != 1 || !bytes.Equal(msgs[0].Message.Bytes(), testMessageBytes(t)) {
		t.Errorf("Messages = %v, %v", msgs, err)
	}
	if r := v.Postconditions.Receipts[0]; r.GasUsed != 12345 {
		t.Errorf("receipt %+v", r)
	}
}

func TestVectorDefaults(t *testing.T) {
	tree := syntheticVector(t)
	pre := tree["preconditions"].(map[string]any)
	delete(pre, "basefee")
	delete(pre, "circ_supply")
	v, err := conformance.ParseVector(encode(t, tree))
	if err != nil {
		t.Fatal(err)
	}
	// The reference runner's defaults: base fee 100 atto, circulating
	// supply 2e9 FIL = 2e27 atto (spec §4.1).
	if v.BaseFee().String() != "100" {
		t.Errorf("default BaseFee = %s", v.BaseFee())
	}
	if v.CircSupply().String() != "2000000000000000000000000000" {
		t.Errorf("default CircSupply = %s", v.CircSupply())
	}
}

func TestReplayRandomness(t *testing.T) {
	v, err := conformance.ParseVector(encode(t, syntheticVector(t)))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		kind  conformance.RandomnessKind
		epoch int64
		want  []byte
	}{
		{conformance.RandomnessChain, 10, bytes.Repeat([]byte{1}, 32)}, // the first match wins
		{conformance.RandomnessBeacon, 10, bytes.Repeat([]byte{2}, 32)},
		{conformance.RandomnessChain, 11, []byte("i_am_random_____i_am_random_____")},
		{conformance.RandomnessBeacon, 9, []byte("i_am_random_____i_am_random_____")},
	}
	for _, tc := range cases {
		if got := v.ReplayRandomness(tc.kind, tc.epoch); !bytes.Equal(got, tc.want) {
			t.Errorf("ReplayRandomness(%s, %d) = %q, want %q", tc.kind, tc.epoch, got, tc.want)
		}
	}
}

// Every required field, removed or broken, gives an error that names it.
func TestParseVectorBadInput(t *testing.T) {
	type edit func(tree map[string]any)
	remove := func(path string) edit {
		return func(tree map[string]any) {
			obj, key := at(tree, path)
			delete(obj, key)
		}
	}
	set := func(path string, val any) edit {
		return func(tree map[string]any) {
			obj, key := at(tree, path)
			obj[key] = val
		}
	}
	cases := []struct {
		name    string
		edit    edit
		mention string
	}{
		{"no class", remove("class"), `"class"`},
		{"empty class", set("class", ""), `"class"`},
		{"tipset class", set("class", "tipset"), `"tipset"`},
		{"no car", remove("car"), `"car"`},
		{"empty car", set("car", ""), `"car"`},
		{"car not a string", set("car", 12), "base64"},
		{"car bad base64", set("car", "!!!not base64!!!"), "base64"},
		{"no preconditions", remove("preconditions"), `"preconditions"`},
		{"no pre state tree", remove("preconditions.state_tree"), `"preconditions.state_tree"`},
		{"no pre root", remove("preconditions.state_tree.root_cid"), `"preconditions.state_tree.root_cid"`},
		{"pre root without slash", set("preconditions.state_tree.root_cid", map[string]any{"cid": "x"}), `"/"`},
		{"pre root not a cid", set("preconditions.state_tree.root_cid", map[string]any{"/": "bafynotacid"}), "bafynotacid"},
		{"pre root a string", set("preconditions.state_tree.root_cid", "bafy"), "cid"},
		{"no variants", remove("preconditions.variants"), `"preconditions.variants"`},
		{"empty variants", set("preconditions.variants", []any{}), `"preconditions.variants"`},
		{"epoch not a number", set("preconditions.variants.0.epoch", "soon"), "epoch"},
		{"basefee not an integer", set("preconditions.basefee", 1.5), "integer"},
		{"circ_supply not an integer", set("preconditions.circ_supply", "lots"), "integer"},
		{"no apply_messages", remove("apply_messages"), `"apply_messages"`},
		{"empty apply_messages", set("apply_messages", []any{}), `"apply_messages"`},
		{"message without bytes", remove("apply_messages.0.bytes"), `apply_messages[0]: missing "bytes"`},
		{"message bad base64", set("apply_messages.0.bytes", "a*b"), "base64"},
		{"no postconditions", remove("postconditions"), `"postconditions"`},
		{"no post state tree", remove("postconditions.state_tree"), `"postconditions.state_tree.root_cid"`},
		{"no post root", remove("postconditions.state_tree.root_cid"), `"postconditions.state_tree.root_cid"`},
		{"no receipts", remove("postconditions.receipts"), "0 receipts for 1 messages"},
		{"two receipts", set("postconditions.receipts", []any{map[string]any{}, map[string]any{}}), "2 receipts for 1 messages"},
		{"receipt return bad base64", set("postconditions.receipts.0.return", "@"), "base64"},
		{"randomness unknown kind", set("randomness", []any{map[string]any{"on": []any{"moon", 1}, "ret": ""}}), `"moon"`},
		{"randomness 3-tuple", set("randomness", []any{map[string]any{"on": []any{"chain", 1, 2}, "ret": ""}}), "3 elements"},
		{"randomness epoch not a number", set("randomness", []any{map[string]any{"on": []any{"chain", "x"}, "ret": ""}}), "epoch"},
		{"randomness on a number", set("randomness", []any{map[string]any{"on": 7, "ret": ""}}), `"on"`},
		{"randomness bad ret", set("randomness", []any{map[string]any{"on": []any{"chain", 1}, "ret": "%%"}}), "base64"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tree := syntheticVector(t)
			tc.edit(tree)
			v, err := conformance.ParseVector(encode(t, tree))
			if !errors.Is(err, conformance.ErrBadVector) {
				t.Fatalf("ParseVector = %v, %v; want ErrBadVector", v, err)
			}
			if !strings.Contains(err.Error(), tc.mention) {
				t.Fatalf("error %q does not mention %s", err, tc.mention)
			}
		})
	}
}

func TestParseVectorNotJSON(t *testing.T) {
	good := encode(t, syntheticVector(t))
	inputs := map[string][]byte{
		"empty":   nil,
		"garbage": []byte("not json"),
		"array":   []byte("[]"),
		"null":    []byte("null"),
	}
	for _, n := range []int{1, 10, len(good) / 2, len(good) - 1} {
		inputs["truncated at "+strconv.Itoa(n)] = good[:n]
	}
	for name, in := range inputs {
		if _, err := conformance.ParseVector(in); !errors.Is(err, conformance.ErrBadVector) {
			t.Errorf("%s: err = %v, want ErrBadVector", name, err)
		}
	}
}

// LoadVector names the file in its errors.
func TestLoadVectorErrors(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.json")
	if _, err := conformance.LoadVector(missing); !errors.Is(err, conformance.ErrBadVector) || !strings.Contains(err.Error(), missing) {
		t.Errorf("missing file: err = %v", err)
	}
	tree := syntheticVector(t)
	delete(tree, "class")
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, encode(t, tree), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := conformance.LoadVector(bad)
	if !errors.Is(err, conformance.ErrBadVector) || !strings.Contains(err.Error(), bad) || !strings.Contains(err.Error(), `"class"`) {
		t.Errorf("bad vector: err = %v", err)
	}
}

func TestLoadCARBadInput(t *testing.T) {
	pre, post := blockCID(t, preBlock), blockCID(t, postBlock)
	goodCAR := testCAR(t, []cid.Cid{pre, post}, preBlock, postBlock)
	cases := []struct {
		name    string
		car     []byte
		mention string
	}{
		{"not gzip", []byte("plain bytes, no gzip header"), "gzip"},
		{"truncated gzip", goodCAR[:len(goodCAR)/2], "car"},
		{"gzip without its trailer", goodCAR[:len(goodCAR)-4], "car"},
		{"gzip of garbage", gz(t, []byte("garbage, not a CAR")), "malformed car"},
		{"gzip of an empty file", gz(t, nil), "malformed car"},
		{"block does not match its cid", func() []byte {
			var car []byte
			zr, _ := gzip.NewReader(bytes.NewReader(goodCAR))
			var buf bytes.Buffer
			_, _ = buf.ReadFrom(zr)
			car = buf.Bytes()
			car[len(car)-1] ^= 0x55
			return gz(t, car)
		}(), "malformed car"},
		{"roots without the pre root", testCAR(t, []cid.Cid{post}, postBlock), "pre-state root " + pre.String()},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tree := syntheticVector(t)
			tree["car"] = base64.StdEncoding.EncodeToString(tc.car)
			v, err := conformance.ParseVector(encode(t, tree))
			if err != nil {
				t.Fatalf("ParseVector: %v", err)
			}
			err = v.LoadCAR(ctx(), blockstore.NewMemory())
			if !errors.Is(err, conformance.ErrBadVector) {
				t.Fatalf("LoadCAR: err = %v, want ErrBadVector", err)
			}
			if !strings.Contains(err.Error(), tc.mention) {
				t.Fatalf("error %q does not mention %q", err, tc.mention)
			}
		})
	}
}

func TestMessagesBadInput(t *testing.T) {
	good := testMessageBytes(t)
	cases := map[string][]byte{
		"garbage":        []byte("xyz"),
		"truncated":      good[:len(good)-1],
		"trailing bytes": append(append([]byte{}, good...), 0),
	}
	for name, b := range cases {
		t.Run(name, func(t *testing.T) {
			tree := syntheticVector(t)
			tree["apply_messages"] = []any{
				map[string]any{"bytes": base64.StdEncoding.EncodeToString(good)},
				map[string]any{"bytes": base64.StdEncoding.EncodeToString(b)},
			}
			post := tree["postconditions"].(map[string]any)
			post["receipts"] = []any{map[string]any{}, map[string]any{}}
			v, err := conformance.ParseVector(encode(t, tree))
			if err != nil {
				t.Fatal(err)
			}
			_, err = v.Messages()
			if !errors.Is(err, conformance.ErrBadVector) || !errors.Is(err, message.ErrMalformed) || !strings.Contains(err.Error(), "apply_messages[1]") {
				t.Fatalf("Messages: err = %v", err)
			}
		})
	}
}

// FuzzParseVector checks that ParseVector never panics, that its errors wrap
// ErrBadVector, and that an accepted vector has what its accessors need.
func FuzzParseVector(f *testing.F) {
	f.Add(encode(f, syntheticVector(f)))
	f.Add([]byte(`{"class":"message","car":"AA==","preconditions":{"variants":[{}],"state_tree":{"root_cid":{"/":"bafy2bzacebc3bt6cedhoyw34drrmjvazhu4oj25er2ebk4u445pzycvq4ta4a"}}},"apply_messages":[{"bytes":"gA=="}],"postconditions":{"state_tree":{"root_cid":{"/":"bafy2bzacebc3bt6cedhoyw34drrmjvazhu4oj25er2ebk4u445pzycvq4ta4a"}},"receipts":[{}]},"randomness":[{"on":{"kind":"chain","epoch":1},"ret":"AA=="}]}`))
	f.Add([]byte(`{"randomness":[{"on":["beacon",-1]}]}`))
	f.Add([]byte(`{"preconditions":{"basefee":"12","circ_supply":-5}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := conformance.ParseVector(data)
		if err != nil {
			if !errors.Is(err, conformance.ErrBadVector) {
				t.Fatalf("error %v does not wrap ErrBadVector", err)
			}
			return
		}
		if !v.PreRoot().Defined() || !v.PostRoot().Defined() || len(v.ApplyMessages) == 0 || len(v.CAR) == 0 {
			t.Fatal("accepted a vector without its required fields")
		}
		_ = v.BaseFee()
		_ = v.CircSupply()
		_ = v.ReplayRandomness(conformance.RandomnessChain, 0)
		if _, err := v.Messages(); err != nil && !errors.Is(err, conformance.ErrBadVector) {
			t.Fatalf("Messages error %v does not wrap ErrBadVector", err)
		}
		if err := v.LoadCAR(context.Background(), blockstore.NewMemory()); err != nil && !errors.Is(err, conformance.ErrBadVector) {
			t.Fatalf("LoadCAR error %v does not wrap ErrBadVector", err)
		}
	})
}
