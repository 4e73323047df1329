package rpc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/filecoin-project/go-jsonrpc"
)

// Path is where the Filecoin JSON-RPC v1 API is served.
const Path = "/rpc/v1"

// maxRequestSize bounds a request body (Lotus's default is 100 MiB; a devnet
// needs far less).
const maxRequestSize = 32 << 20

// Server is a JSON-RPC server with any number of namespaces on one handler.
type Server struct {
	rpc *jsonrpc.RPCServer
}

// NewServer returns a server with no namespaces; opts add go-jsonrpc
// options (the Ethereum API's reverse client for eth_subscribe).
func NewServer(opts ...jsonrpc.ServerOption) *Server {
	return &Server{rpc: jsonrpc.NewServer(append([]jsonrpc.ServerOption{jsonrpc.WithMaxRequestSize(maxRequestSize)}, opts...)...)}
}

// Register serves handler's exported methods as "<namespace>.<Method>".
func (s *Server) Register(namespace string, handler any) { s.rpc.Register(namespace, handler) }

// Alias serves the method original under the name alias too ("eth_chainId"
// for "Filecoin.EthChainId").
func (s *Server) Alias(alias, original string) { s.rpc.AliasMethod(alias, original) }

// Handler returns the HTTP handler: JSON-RPC over POST and WebSocket at Path
// and at / (where Ethereum tools look by default). JSON-RPC errors answer
// with HTTP 200, as Ethereum nodes (Anvil, geth) do: go-jsonrpc answers an
// invalid request (an empty body, an empty batch) with 400 and a parse error
// or an unknown method with 500, whose body ethers does not read (go-jsonrpc's
// own client reads both).
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle(Path, s.rpc)
	mux.Handle("/", s.rpc)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(strings.ToLower(r.Header.Get("Connection")), "upgrade") {
			mux.ServeHTTP(w, r) // a WebSocket: its errors are HTTP's
			return
		}
		if r.Method == http.MethodPost && s.serveBatch(w, r) {
			return
		}
		mux.ServeHTTP(statusOK{w}, r)
	})
}

// serveBatch answers a POSTed batch (a non-empty JSON array) and reports
// whether r held one; otherwise r's body is left for go-jsonrpc to read.
// go-jsonrpc's own batches are not valid JSON when they hold a
// notification (an answerless request still gets its comma) or a bad id (the
// array is left open): each request goes to it alone here, and the answers
// are joined, as JSON-RPC 2.0 says; a batch of notifications gets no answer.
func (s *Server) serveBatch(w http.ResponseWriter, r *http.Request) bool {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequestSize+1))
	r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body), r.Body))
	if err != nil || len(body) > maxRequestSize {
		return false
	}
	var reqs []json.RawMessage
	if json.Unmarshal(body, &reqs) != nil || len(reqs) == 0 {
		return false
	}
	var out bytes.Buffer
	for _, req := range reqs {
		var answer bytes.Buffer
		s.rpc.HandleRequest(r.Context(), bytes.NewReader(req), &answer)
		if a := bytes.TrimSpace(answer.Bytes()); len(a) > 0 {
			if out.Len() == 0 {
				out.WriteByte('[')
			} else {
				out.WriteByte(',')
			}
			out.Write(a)
		}
	}
	if out.Len() == 0 {
		return true
	}
	out.WriteByte(']')
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(out.Bytes())
	return true
}

// statusOK turns the 400 or 500 go-jsonrpc sends with a JSON-RPC error
// into 200.
type statusOK struct{ http.ResponseWriter }

func (w statusOK) WriteHeader(code int) {
	if code == http.StatusBadRequest || code == http.StatusInternalServerError {
		code = http.StatusOK
	}
	w.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the connection.
func (w statusOK) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Flush sends buffered data.
func (w statusOK) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Serve serves on l until ctx ends, then shuts down gracefully.
func (s *Server) Serve(ctx context.Context, l net.Listener) error {
	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	select {
	case err := <-done:
		return fmt.Errorf("serving JSON-RPC: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
	}
	if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
