package collection

// Paging limits of list endpoints, as in the reference API.
const (
	DefaultLimit = 250
	MaxLimit     = 250
)

// Page is a validated limit and offset.
type Page struct {
	Limit  int
	Offset int
}

// NewPage applies the default limit when none was given (validation of the range happens in
// the proto annotations).
func NewPage(limit *int32, offset int32) Page {
	p := Page{Limit: DefaultLimit, Offset: int(offset)}
	if limit != nil {
		p.Limit = int(*limit)
	}
	return p
}

// TotalCountHeader is the gRPC metadata key of a list's total count; the gateway turns it into
// the X-Total-Count header.
const TotalCountHeader = "x-total-count"
