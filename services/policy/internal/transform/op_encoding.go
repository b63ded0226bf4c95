package transform

import (
	"encoding/base64"
	"fmt"
)

func base64EncodeText(_ *evalState, s string) (value, error) {
	if err := checkSize(base64.StdEncoding.EncodedLen(len(s))); err != nil {
		return value{}, err
	}
	return stringValue(base64.StdEncoding.EncodeToString([]byte(s))), nil
}

// base64DecodeText accepts padded and unpadded standard base64; the decoded
// bytes are returned as a (possibly binary) string.
func base64DecodeText(_ *evalState, s string) (value, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		var rawErr error
		if b, rawErr = base64.RawStdEncoding.DecodeString(s); rawErr != nil {
			return value{}, fmt.Errorf("%w: %w", ErrInvalidValue, err)
		}
	}
	return stringValue(string(b)), nil
}
