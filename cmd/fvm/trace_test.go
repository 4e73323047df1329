package main

import (
	"bytes"
	"compress/gzip"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/pprof/profile"

	"github.com/go-fvm/go-fvm/conformance"
)

const publishStorageDeals = "extracted/0002-hygge-01/fil_10_storagemarket/PublishStorageDeals/Ok/ext-0002-fil_10_storagemarket-PublishStorageDeals-Ok-1.json"

// fvm trace on a PublishStorageDeals vector shows the market actor's method by name with the
// deal proposal's fields decoded, and the nested calls by name.
func TestTracePublishStorageDeals(t *testing.T) {
	file := filepath.Join(vectorDir(t), publishStorageDeals)
	code, stdout, stderr := runCLI(t, nil, "trace", file)
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	for _, want := range []string{
		"message 0 bafy2bzaceaddunsxmbmb6phrj7nri3ae7nqbvmp7vp64q6h5ve5rycqxouzqm: exit 0, gas used 230448982",
		"f02118054 → f05 (storagemarket v10) PublishStorageDeals: exit 0",
		"params market.PublishStorageDealsParams:",
		"- Proposal:",
		"PieceCID: baga6ea4seaqe2owjlhe2airstvuwfjtolbtbv4wrcvgay6khf7yg7tc3bcqokoi",
		"PieceSize: 34359738368",
		"VerifiedDeal: true",
		"Client: f1mgnwoczfj25foxn4555wvwyak6rsynzy7z73azy",
		"Provider: f02118066",
		"Label: bafybeieifytxsy6c5sgpix6fre2lw43q2l6g7lckybpolg2exfpt7telwy",
		"StartEpoch: 2814509",
		"EndEpoch: 4306349",
		"ProviderCollateral: 11625038855105230",
		"return market.PublishStorageDealsReturn:",
		"IDs: [33916433]",
		"↳ f05 → f02118066 (storageminer v10) IsControllingAddressExported: exit 0",
		"↳ f05 → f02 (reward v10) ThisEpochReward: exit 0",
		"↳ f05 → f04 (storagepower v10) CurrentTotalPower: exit 0",
		"↳ f05 → f1mgnwoczfj25foxn4555wvwyak6rsynzy7z73azy (f01880278 account v10) AuthenticateMessage read-only: exit 0",
		"↳ f05 → f07 (datacap v10) TransferFromExported: exit 0",
		"↳ f07 → f06 (verifiedregistry v10) UniversalReceiverHook: exit 0",
		"charges: OnChainMessage 1023463, OnMethodInvocation 75000",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("output:\n%s", stdout)
	}
}

// --json gives the same tree for tools; --pprof a profile whose samples add up to the
// root call's gas.
func TestTraceJSONAndPprof(t *testing.T) {
	file := filepath.Join(vectorDir(t), publishStorageDeals)
	prof := filepath.Join(t.TempDir(), "gas.pb.gz")
	code, stdout, stderr := runCLI(t, nil, "trace", "--json", "--pprof", prof, file)
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	var got struct {
		ExitCode int64 `json:"exit_code"`
		GasUsed  int64 `json:"gas_used"`
		Call     struct {
			MethodName string `json:"method_name"`
			Actor      struct {
				Kind    string
				Version int
			}
			Params struct {
				Type string
				Data struct {
					Deals []struct {
						Proposal struct {
							Client, Provider, PieceCID string
						}
					}
				}
			}
			Gas      struct{ Total int64 }
			Subcalls []struct {
				MethodName string `json:"method_name"`
			}
		}
	}
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("%v\n%s", err, stdout)
	}
	c := got.Call
	if c.MethodName != "PublishStorageDeals" || c.Actor.Kind != "storagemarket" || c.Actor.Version != 10 ||
		c.Params.Type != "market.PublishStorageDealsParams" || len(c.Params.Data.Deals) != 1 {
		t.Fatalf("call %+v", c)
	}
	p := c.Params.Data.Deals[0].Proposal
	if p.Client != "f1mgnwoczfj25foxn4555wvwyak6rsynzy7z73azy" || p.Provider != "f02118066" || !strings.HasPrefix(p.PieceCID, "baga6ea4") {
		t.Errorf("proposal %+v", p)
	}
	if len(c.Subcalls) != 7 || c.Subcalls[0].MethodName != "IsControllingAddressExported" {
		t.Errorf("subcalls %+v", c.Subcalls)
	}
	f, err := os.Open(prof)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pp, err := profile.Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	var sum int64
	for _, s := range pp.Sample {
		sum += s.Value[0]
	}
	if sum != c.Gas.Total || pp.DefaultSampleType != "gas" {
		t.Errorf("profile: %d gas (default %q), want %d", sum, pp.DefaultSampleType, c.Gas.Total)
	}
}

// --message runs a message over a CAR's state: the AddBalance vector's message over its
// pre-state gives the vector's receipt.
func TestTraceMessage(t *testing.T) {
	file := filepath.Join(vectorDir(t), addBalance)
	v, err := conformance.LoadVector(file)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(v.CAR))
	if err != nil {
		t.Fatal(err)
	}
	car, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	carFile := filepath.Join(t.TempDir(), "state.car")
	if err := os.WriteFile(carFile, car, 0o644); err != nil {
		t.Fatal(err)
	}
	msg := hex.EncodeToString(v.ApplyMessages[0].Bytes)
	code, stdout, stderr := runCLI(t, nil, "trace", "--message", msg, "--car", carFile, "--root", v.PreRoot().String(),
		"--nv", "18", "--epoch", "2700000")
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	want := v.Postconditions.Receipts[0]
	for _, s := range []string{"AddBalance", "(storagemarket v10)"} {
		if !strings.Contains(stdout, s) {
			t.Errorf("output lacks %q:\n%s", s, stdout)
		}
	}
	if head := fmt.Sprintf(": exit %d, gas used %d", want.ExitCode, want.GasUsed); !strings.Contains(stdout, head) {
		t.Errorf("output lacks %q:\n%s", head, stdout)
	}
}

func TestTraceBadInput(t *testing.T) {
	dir := vectorDir(t)
	file := filepath.Join(dir, publishStorageDeals)
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"trace"}, "give a VECTOR, or --message with --car"},
		{[]string{"trace", "--message", "00", file}, "not both"},
		{[]string{"trace", "--message", "8a00"}, "--message needs --car"},
		{[]string{"trace", "--message", "not a message!", "--car", file}, "neither hex nor base64"},
		{[]string{"trace", "--message", "8a00", "--car", file}, "--message: malformed message"},
		{[]string{"trace", "--index", "3", file}, "--index 3: " + file + " has 1 messages"},
		{[]string{"trace", filepath.Join(dir, "nope.json")}, "nope.json"},
	}
	for _, c := range cases {
		code, _, stderr := runCLI(t, nil, c.args...)
		if code != 1 || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want 1 and %q", c.args, code, stderr, c.want)
		}
	}
}
