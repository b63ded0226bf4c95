package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"google.golang.org/protobuf/encoding/protojson"

	policyv1 "github.com/accessflow/accessflow/api/accessflow/policy/v1"
	"github.com/accessflow/accessflow/pkg/collection"
	"github.com/accessflow/accessflow/pkg/storage"
)

// StoredPolicy is a provisioning policy with its version: an opaque token that changes with
// every write, also across a delete and re-create, so it can serve as an ETag.
type StoredPolicy struct {
	Policy  *policyv1.ProvisioningPolicy
	Version string
}

// UpdateFunc computes a policy's new state from its current one. It runs inside the store's
// transaction and may run more than once when a concurrent write intervenes; an error aborts
// the update and is returned as is.
type UpdateFunc func(current StoredPolicy) (*policyv1.ProvisioningPolicy, error)

// CreatePolicy stores the policy of p.UsageType on a source. storage.ErrNotFound when the
// source does not exist, storage.ErrConflict when it already has a policy of that usage type.
func (s *Store) CreatePolicy(ctx context.Context, sourceID string, p *policyv1.ProvisioningPolicy) (StoredPolicy, error) {
	doc, err := marshalPolicy(p)
	if err != nil {
		return StoredPolicy{}, err
	}
	now := s.now().UnixMicro()
	err = s.backend.InTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		if err := sourceExists(ctx, tx, sourceID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx,
			`INSERT INTO provisioning_policies (source_id, usage_type, doc, revision, created_us, modified_us) VALUES ($1, $2, $3, 1, $4, $4)`,
			sourceID, p.GetUsageType(), doc, now)
		if errors.Is(err, storage.ErrConflict) {
			return fmt.Errorf("source %q already has a provisioning policy %s: %w", sourceID, p.GetUsageType(), storage.ErrConflict)
		}
		if err != nil {
			return fmt.Errorf("create %s: %w", policyName(sourceID, p.GetUsageType()), err)
		}
		return nil
	})
	if err != nil {
		return StoredPolicy{}, err
	}
	return StoredPolicy{Policy: p, Version: version(1, now)}, nil
}

// GetPolicy returns a source's policy of usageType, or storage.ErrNotFound naming what is
// missing: the source or its policy.
func (s *Store) GetPolicy(ctx context.Context, sourceID, usageType string) (StoredPolicy, error) {
	return getPolicy(ctx, s.backend.DB(), sourceID, usageType)
}

// PolicyVersion returns the version of a source's policy of usageType without reading the
// policy, so that evaluations can reuse a policy compiled earlier.
func (s *Store) PolicyVersion(ctx context.Context, sourceID, usageType string) (string, error) {
	var rev, created int64
	err := s.backend.DB().QueryRow(ctx,
		`SELECT revision, created_us FROM provisioning_policies WHERE source_id = $1 AND usage_type = $2`,
		sourceID, usageType).Scan(&rev, &created)
	if err != nil {
		return "", missingPolicy(ctx, s.backend.DB(), sourceID, usageType, err)
	}
	return version(rev, created), nil
}

// ListPolicies returns one page of a source's policies ordered by usage type, or
// storage.ErrNotFound when the source does not exist.
func (s *Store) ListPolicies(ctx context.Context, sourceID string, page collection.Page) ([]StoredPolicy, error) {
	db := s.backend.DB()
	rows, err := db.Query(ctx,
		`SELECT doc, revision, created_us FROM provisioning_policies WHERE source_id = $1 ORDER BY usage_type LIMIT $2 OFFSET $3`,
		sourceID, page.Limit, page.Offset)
	if err != nil {
		return nil, fmt.Errorf("list provisioning policies of source %q: %w", sourceID, err)
	}
	defer rows.Close()
	var out []StoredPolicy
	for rows.Next() {
		var (
			doc          string
			rev, created int64
		)
		if err := rows.Scan(&doc, &rev, &created); err != nil {
			return nil, fmt.Errorf("list provisioning policies of source %q: %w", sourceID, err)
		}
		p, err := unmarshalPolicy(doc)
		if err != nil {
			return nil, err
		}
		out = append(out, StoredPolicy{Policy: p, Version: version(rev, created)})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list provisioning policies of source %q: %w", sourceID, err)
	}
	if len(out) == 0 {
		// An empty page of a source that does not exist is a 404, as in the reference API.
		if err := sourceExists(ctx, db, sourceID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// CountPolicies counts a source's policies.
func (s *Store) CountPolicies(ctx context.Context, sourceID string) (int, error) {
	var n int
	if err := s.backend.DB().QueryRow(ctx, `SELECT count(*) FROM provisioning_policies WHERE source_id = $1`, sourceID).Scan(&n); err != nil {
		return 0, fmt.Errorf("count provisioning policies of source %q: %w", sourceID, err)
	}
	return n, nil
}

// UpdatePolicy replaces a source's policy of usageType with what update computes from the
// current one, compare-and-swap on the revision: a concurrent write between the read and the
// write makes update run again on the newer state, so no write is lost. The new policy's
// usage type must be usageType.
func (s *Store) UpdatePolicy(ctx context.Context, sourceID, usageType string, update UpdateFunc) (StoredPolicy, error) {
	for range maxUpdateAttempts {
		stored, err := s.tryUpdatePolicy(ctx, sourceID, usageType, update)
		if !errors.Is(err, errRaced) { // errRaced: only on PostgreSQL, where another transaction committed in between
			return stored, err
		}
	}
	return StoredPolicy{}, fmt.Errorf("%s keeps changing concurrently: %w", policyName(sourceID, usageType), storage.ErrPreconditionFailed)
}

// maxUpdateAttempts bounds the retries of an update that keeps losing to concurrent writes.
const maxUpdateAttempts = 16

// errRaced reports a compare-and-swap that lost to a concurrent write.
var errRaced = errors.New("concurrent update")

func (s *Store) tryUpdatePolicy(ctx context.Context, sourceID, usageType string, update UpdateFunc) (StoredPolicy, error) {
	var stored StoredPolicy
	err := s.backend.InTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		current, rev, err := getPolicyForUpdate(ctx, tx, sourceID, usageType)
		if err != nil {
			return err
		}
		next, err := update(current)
		if err != nil {
			return err
		}
		stored, err = swapPolicy(ctx, tx, sourceID, usageType, rev, next, s.now().UnixMicro())
		return err
	})
	return stored, err
}

// ReplacePolicies replaces existing policies of a source in one transaction: all of them or,
// when one is missing (storage.ErrNotFound), none.
func (s *Store) ReplacePolicies(ctx context.Context, sourceID string, policies []*policyv1.ProvisioningPolicy) ([]StoredPolicy, error) {
	var out []StoredPolicy
	err := s.backend.InTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		out = make([]StoredPolicy, 0, len(policies))
		now := s.now().UnixMicro()
		for _, p := range policies {
			_, rev, err := getPolicyForUpdate(ctx, tx, sourceID, p.GetUsageType())
			if err != nil {
				return err
			}
			stored, err := swapPolicy(ctx, tx, sourceID, p.GetUsageType(), rev, p, now)
			if err != nil {
				return err
			}
			out = append(out, stored)
		}
		return nil
	})
	if errors.Is(err, errRaced) {
		// A concurrent single write won the race: report it rather than retry a bulk write
		// whose caller assumed the state it read.
		return nil, fmt.Errorf("provisioning policies of source %q changed concurrently: %w", sourceID, storage.ErrPreconditionFailed)
	}
	return out, err
}

// DeletePolicy deletes a source's policy of usageType after check (when not nil) accepted its
// current state; storage.ErrNotFound when there is none.
func (s *Store) DeletePolicy(ctx context.Context, sourceID, usageType string, check func(StoredPolicy) error) error {
	return s.backend.InTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		current, rev, err := getPolicyForUpdate(ctx, tx, sourceID, usageType)
		if err != nil {
			return err
		}
		if check != nil {
			if err := check(current); err != nil {
				return err
			}
		}
		n, err := tx.Exec(ctx, `DELETE FROM provisioning_policies WHERE source_id = $1 AND usage_type = $2 AND revision = $3`,
			sourceID, usageType, rev)
		if err != nil {
			return fmt.Errorf("delete %s: %w", policyName(sourceID, usageType), err)
		}
		if n == 0 {
			return fmt.Errorf("%s changed concurrently: %w", policyName(sourceID, usageType), storage.ErrPreconditionFailed)
		}
		return nil
	})
}

func getPolicy(ctx context.Context, db storage.DBTX, sourceID, usageType string) (StoredPolicy, error) {
	var (
		doc          string
		rev, created int64
	)
	err := db.QueryRow(ctx,
		`SELECT doc, revision, created_us FROM provisioning_policies WHERE source_id = $1 AND usage_type = $2`,
		sourceID, usageType).Scan(&doc, &rev, &created)
	if err != nil {
		return StoredPolicy{}, missingPolicy(ctx, db, sourceID, usageType, err)
	}
	p, err := unmarshalPolicy(doc)
	if err != nil {
		return StoredPolicy{}, err
	}
	return StoredPolicy{Policy: p, Version: version(rev, created)}, nil
}

// getPolicyForUpdate reads a policy and its revision inside a write transaction.
func getPolicyForUpdate(ctx context.Context, tx storage.DBTX, sourceID, usageType string) (StoredPolicy, int64, error) {
	var (
		doc          string
		rev, created int64
	)
	err := tx.QueryRow(ctx,
		`SELECT doc, revision, created_us FROM provisioning_policies WHERE source_id = $1 AND usage_type = $2`,
		sourceID, usageType).Scan(&doc, &rev, &created)
	if err != nil {
		return StoredPolicy{}, 0, missingPolicy(ctx, tx, sourceID, usageType, err)
	}
	p, err := unmarshalPolicy(doc)
	if err != nil {
		return StoredPolicy{}, 0, err
	}
	return StoredPolicy{Policy: p, Version: version(rev, created)}, rev, nil
}

// swapPolicy writes next over the policy at revision rev; errRaced when the revision moved.
func swapPolicy(ctx context.Context, tx storage.DBTX, sourceID, usageType string, rev int64, next *policyv1.ProvisioningPolicy, now int64) (StoredPolicy, error) {
	if next.GetUsageType() != usageType {
		return StoredPolicy{}, fmt.Errorf("store: policy of usage type %q written as %q", next.GetUsageType(), usageType)
	}
	doc, err := marshalPolicy(next)
	if err != nil {
		return StoredPolicy{}, err
	}
	var created int64
	err = tx.QueryRow(ctx,
		`UPDATE provisioning_policies SET doc = $4, revision = revision + 1, modified_us = $5
		 WHERE source_id = $1 AND usage_type = $2 AND revision = $3 RETURNING created_us`,
		sourceID, usageType, rev, doc, now).Scan(&created)
	if errors.Is(err, storage.ErrNotFound) {
		return StoredPolicy{}, errRaced
	}
	if err != nil {
		return StoredPolicy{}, fmt.Errorf("update %s: %w", policyName(sourceID, usageType), err)
	}
	return StoredPolicy{Policy: next, Version: version(rev+1, created)}, nil
}

// missingPolicy turns a failed policy read into an error naming what is missing.
func missingPolicy(ctx context.Context, db storage.DBTX, sourceID, usageType string, err error) error {
	if !errors.Is(err, storage.ErrNotFound) {
		return fmt.Errorf("%s: %w", policyName(sourceID, usageType), err)
	}
	if err := sourceExists(ctx, db, sourceID); err != nil {
		return err
	}
	return fmt.Errorf("%s: %w", policyName(sourceID, usageType), storage.ErrNotFound)
}

func sourceExists(ctx context.Context, db storage.DBTX, sourceID string) error {
	var one int
	if err := db.QueryRow(ctx, `SELECT 1 FROM sources WHERE id = $1`, sourceID).Scan(&one); err != nil {
		return fmt.Errorf("source %q: %w", sourceID, err)
	}
	return nil
}

func policyName(sourceID, usageType string) string {
	return fmt.Sprintf("provisioning policy %s of source %q", usageType, sourceID)
}

// version renders a policy's version. The creation time tells apart a policy from one deleted
// and created again, whose revision starts over.
func version(revision, createdUS int64) string {
	return strconv.FormatInt(revision, 10) + "." + strconv.FormatInt(createdUS, 36)
}

func marshalPolicy(p *policyv1.ProvisioningPolicy) (string, error) {
	b, err := protojson.Marshal(p)
	if err != nil {
		return "", fmt.Errorf("encode provisioning policy: %w", err)
	}
	return string(b), nil
}

func unmarshalPolicy(doc string) (*policyv1.ProvisioningPolicy, error) {
	p := &policyv1.ProvisioningPolicy{}
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal([]byte(doc), p); err != nil {
		return nil, fmt.Errorf("decode provisioning policy: %w", err)
	}
	return p, nil
}
