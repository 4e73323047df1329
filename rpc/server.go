package rpc

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
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
// with HTTP 200, as Ethereum nodes do: go-jsonrpc answers a parse error or
// an unknown method with 500, whose body ethers does not read (go-jsonrpc's
// own client reads both).
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle(Path, s.rpc)
	mux.Handle("/", s.rpc)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mux.ServeHTTP(statusOK{w}, r)
	})
}

// statusOK turns the 500 go-jsonrpc sends with a JSON-RPC error into 200.
type statusOK struct{ http.ResponseWriter }

func (w statusOK) WriteHeader(code int) {
	if code == http.StatusInternalServerError {
		code = http.StatusOK
	}
	w.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the connection (WebSocket
// upgrades hijack it).
func (w statusOK) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Hijack hands the connection over for a WebSocket upgrade.
func (w statusOK) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	h, ok := w.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("the connection cannot be hijacked")
	}
	return h.Hijack()
}

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
