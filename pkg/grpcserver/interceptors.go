package grpcserver

import (
	"context"
	"log/slog"
	"runtime/debug"
	"time"

	"buf.build/go/protovalidate"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/accessflow/accessflow/pkg/apierror"
)

// The interceptor chain, outermost first. This is the one place that says it:
//
//	recovery → (otelgrpc stats handler, a server option) → tracking → deadline → logging →
//	[extra, e.g. auth] → protovalidate → error mapping → handler
//
// Recovery is outermost so nothing can crash the process; logging sees the mapped status;
// validation runs after auth so unauthenticated callers learn nothing about request shapes;
// error mapping is innermost so every handler error is a clean status before anyone sees it.
func unaryChain(logger *slog.Logger, validator protovalidate.Validator, timeout time.Duration, extra []grpc.UnaryServerInterceptor) []grpc.UnaryServerInterceptor {
	chain := []grpc.UnaryServerInterceptor{
		recoveryUnary(logger),
		trackingUnary,
		deadlineUnary(timeout),
		loggingUnary(logger),
	}
	chain = append(chain, extra...)
	return append(chain, validateUnary(validator), errorsUnary(logger))
}

func streamChain(logger *slog.Logger, extra []grpc.StreamServerInterceptor) []grpc.StreamServerInterceptor {
	chain := []grpc.StreamServerInterceptor{recoveryStream(logger), trackingStream}
	chain = append(chain, extra...)
	return append(chain, errorsStream(logger))
}

func recoveryUnary(logger *slog.Logger) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (resp any, err error) {
		defer func() {
			if r := recover(); r != nil {
				logger.ErrorContext(ctx, "panic in handler", "method", info.FullMethod, "panic", r, "stack", string(debug.Stack()))
				err = status.Error(codes.Internal, "internal error")
			}
		}()
		return handler(ctx, req)
	}
}

func recoveryStream(logger *slog.Logger) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) (err error) {
		defer func() {
			if r := recover(); r != nil {
				logger.ErrorContext(ss.Context(), "panic in handler", "method", info.FullMethod, "panic", r, "stack", string(debug.Stack()))
				err = status.Error(codes.Internal, "internal error")
			}
		}()
		return handler(srv, ss)
	}
}

func loggingUnary(logger *slog.Logger) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		start := time.Now()
		resp, err := handler(ctx, req)
		code := status.Code(err)
		level := slog.LevelInfo
		switch code {
		case codes.Internal, codes.Unknown, codes.DataLoss:
			level = slog.LevelError
		case codes.OK:
			level = slog.LevelDebug
		}
		logger.Log(ctx, level, "rpc", "method", info.FullMethod, "code", code.String(), "duration", time.Since(start))
		return resp, err
	}
}

func validateUnary(validator protovalidate.Validator) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		if msg, ok := req.(proto.Message); ok {
			if err := validator.Validate(msg); err != nil {
				st, _ := apierror.ToStatus(err)
				return nil, st.Err()
			}
		}
		return handler(ctx, req)
	}
}

func errorsUnary(logger *slog.Logger) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		resp, err := handler(ctx, req)
		if err != nil {
			return nil, mapError(ctx, logger, info.FullMethod, err)
		}
		return resp, nil
	}
}

func errorsStream(logger *slog.Logger) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		if err := handler(srv, ss); err != nil {
			return mapError(ss.Context(), logger, info.FullMethod, err)
		}
		return nil
	}
}

func mapError(ctx context.Context, logger *slog.Logger, method string, err error) error {
	st, expected := apierror.ToStatus(err)
	if !expected {
		logger.ErrorContext(ctx, "request failed", "method", method, "error", err)
	}
	return st.Err()
}

// deadlineUnary bounds the call by timeout unless the caller asked for less.
func deadlineUnary(timeout time.Duration) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		if timeout <= 0 {
			return handler(ctx, req)
		}
		if d, ok := ctx.Deadline(); ok && time.Until(d) <= timeout {
			return handler(ctx, req)
		}
		ctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		return handler(ctx, req)
	}
}
