package gateway

import (
	"context"
	"net/http"
	"strings"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/protobuf/proto"

	typev1 "github.com/accessflow/accessflow/api/accessflow/type/v1"
	"github.com/accessflow/accessflow/pkg/apidesc"
)

// successStatuses reads, once, the success status every RPC declares in its
// (accessflow.type.v1.http) option: 201 for creates, 204 for deletes, 202 for accepted work.
func successStatuses() map[string]int {
	out := map[string]int{}
	for md := range apidesc.Methods() {
		if opts, ok := proto.GetExtension(md.Options(), typev1.E_Http).(*typev1.HttpOptions); ok && opts.GetSuccessStatus() != 0 {
			out[apidesc.FullMethod(md)] = int(opts.GetSuccessStatus())
		}
	}
	return out
}

// setSuccessStatus is the one gateway hook that applies an RPC's declared success status.
func (g *Gateway) setSuccessStatus(ctx context.Context, w http.ResponseWriter, _ proto.Message) error {
	method, ok := runtime.RPCMethod(ctx)
	if !ok {
		return nil
	}
	code, ok := g.successStatus[method]
	if !ok {
		return nil
	}
	if code == http.StatusNoContent {
		// A 204 has no body: tell the writer to drop the "{}" the marshaler produces.
		if nb, ok := w.(interface{ discardBody() }); ok {
			nb.discardBody()
		}
		w.Header().Del("Content-Type")
	}
	w.WriteHeader(code)
	return nil
}

// outgoingHeader maps gRPC response metadata to HTTP headers: only the ones we mean to expose.
func outgoingHeader(key string) (string, bool) {
	switch strings.ToLower(key) {
	case "x-total-count":
		return "X-Total-Count", true
	case "etag":
		return "ETag", true
	case "location":
		return "Location", true
	default:
		return "", false
	}
}

// incomingHeader forwards the HTTP headers services read as gRPC metadata.
func incomingHeader(key string) (string, bool) {
	switch strings.ToLower(key) {
	case "idempotency-key", "if-match", "webhook-id", "webhook-timestamp", "webhook-signature":
		return strings.ToLower(key), true
	default:
		return runtime.DefaultHeaderMatcher(key)
	}
}
