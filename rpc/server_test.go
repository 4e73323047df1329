package rpc

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	logging "github.com/ipfs/go-log/v2"
)

func init() {
	// go-jsonrpc logs every error response; these tests provoke many.
	_ = logging.SetLogLevel("rpc", "fatal")
}

type echo struct{}

func (echo) Echo(x int) int { return x }

// The handler answers JSON-RPC errors with HTTP 200 and batches as JSON-RPC
// 2.0 says: one answer per request that has an id, in order, in a valid
// array, and nothing at all for a batch of notifications.
func TestHandlerAnswers(t *testing.T) {
	s := NewServer()
	s.Register("Test", echo{})
	s.Alias("test_echo", "Test.Echo")
	h := s.Handler()
	cases := []struct {
		name, body string
		want       []string // the answers' ids and results or error codes; nil: no answer
	}{
		{"one", `{"jsonrpc":"2.0","id":1,"method":"test_echo","params":[5]}`, []string{"1:5"}},
		{"batch", `[{"jsonrpc":"2.0","id":1,"method":"test_echo","params":[5]},{"jsonrpc":"2.0","id":2,"method":"Test.Echo","params":[6]}]`, []string{"1:5", "2:6"}},
		{"with a notification", `[{"jsonrpc":"2.0","id":1,"method":"test_echo","params":[5]},{"jsonrpc":"2.0","method":"test_echo","params":[7]},{"jsonrpc":"2.0","id":3,"method":"test_echo","params":[8]}]`, []string{"1:5", "3:8"}},
		{"notification last", `[{},{"method":"test_echo","params":[1]}]`, []string{"null:-32601"}},
		{"bad id", `[{"jsonrpc":"2.0","id":{"a":1},"method":"test_echo","params":[5]},{"jsonrpc":"2.0","id":2,"method":"test_echo","params":[6]}]`, []string{"null:-32700", "2:6"}},
		{"not an object", `[1,{"jsonrpc":"2.0","id":2,"method":"test_echo","params":[6]}]`, []string{"null:-32700", "2:6"}},
		{"notifications only", `[{"jsonrpc":"2.0","method":"test_echo","params":[7]}]`, nil},
		{"empty batch", `[]`, []string{"null:-32600"}},
		{"empty body", ``, []string{"null:-32600"}},
		{"unknown method", `{"jsonrpc":"2.0","id":1,"method":"nope","params":[]}`, []string{"1:-32601"}},
		{"not JSON", `{"jsonrpc":`, []string{"null:-32700"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, Path, strings.NewReader(c.body)))
			if w.Code != http.StatusOK {
				t.Fatalf("HTTP %d: %s", w.Code, w.Body)
			}
			if got := answers(t, w.Body.Bytes()); strings.Join(got, " ") != strings.Join(c.want, " ") {
				t.Fatalf("answers %q, want %q (%s)", got, c.want, w.Body)
			}
		})
	}
}

// answers reads a response body as id:result or id:error-code per answer.
func answers(t *testing.T, body []byte) []string {
	t.Helper()
	if len(strings.TrimSpace(string(body))) == 0 {
		return nil
	}
	type answer struct {
		ID     json.RawMessage `json:"id"`
		Result json.RawMessage `json:"result"`
		Error  *struct {
			Code int `json:"code"`
		} `json:"error"`
	}
	var all []answer
	if err := json.Unmarshal(body, &all); err != nil {
		var one answer
		if err := json.Unmarshal(body, &one); err != nil {
			t.Fatalf("not JSON: %v: %s", err, body)
		}
		all = []answer{one}
	}
	var out []string
	for _, a := range all {
		id := string(a.ID)
		if id == "" {
			id = "null"
		}
		if a.Error != nil {
			out = append(out, id+":"+strconv.Itoa(a.Error.Code))
			continue
		}
		out = append(out, id+":"+string(a.Result))
	}
	return out
}
