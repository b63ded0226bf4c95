package gateway

import (
	"io"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/genproto/googleapis/api/httpbody"
)

// rawBody passes a request body bound to a google.api.HttpBody field to the service
// verbatim instead of decoding it: services that authenticate a body by its signature
// (Standard Webhooks) must see the exact bytes sent, and keep their secrets to themselves.
// Every other body is decoded by the wrapped marshaler.
type rawBody struct{ runtime.Marshaler }

func (m rawBody) NewDecoder(r io.Reader) runtime.Decoder {
	return runtime.DecoderFunc(func(v any) error {
		if hb, ok := v.(**httpbody.HttpBody); ok {
			data, err := io.ReadAll(r)
			if err != nil {
				return err
			}
			*hb = &httpbody.HttpBody{ContentType: "application/json", Data: data}
			return nil
		}
		return m.Marshaler.NewDecoder(r).Decode(v)
	})
}
