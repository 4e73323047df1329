package rpc

import (
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

// NewServer returns a server with no namespaces.
func NewServer() *Server {
	return &Server{rpc: jsonrpc.NewServer(jsonrpc.WithMaxRequestSize(maxRequestSize))}
}

// Register serves handler's exported methods as "<namespace>.<Method>".
func (s *Server) Register(namespace string, handler any) { s.rpc.Register(namespace, handler) }

// Alias serves the method original under the name alias too ("eth_chainId"
// for "Filecoin.EthChainId").
func (s *Server) Alias(alias, original string) { s.rpc.AliasMethod(alias, original) }

// Handler returns the HTTP handler: JSON-RPC over POST and WebSocket at Path.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle(Path, s.rpc)
	return mux
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
