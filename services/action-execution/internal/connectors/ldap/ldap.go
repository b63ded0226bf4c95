// Package ldap is the LDAP connector (OpenLDAP, 389-DS, Active Directory-style directories):
// it creates, changes, disables, enables, unlocks and deletes user entries, changes passwords,
// and creates, deletes and fills groups and roles, with github.com/go-ldap/ldap/v3.
//
// Provider settings:
//
//	baseDN             the directory's base DN (required)
//	bindDN             the DN the connector binds as (required); credential bindPassword
//	userDNTemplate     text/template over the account attributes naming a new user's DN, e.g.
//	                   uid={{.userName}},ou=people,dc=example,dc=org (values are DN-escaped);
//	                   without it the attributes must carry distinguishedName
//	userObjectClasses  object classes of new users (default inetOrgPerson)
//	attributeMap       renames policy attributes to LDAP ones, e.g. {"userName": "uid"}; a name
//	                   mapped to "" is left out of the entry (it may still serve the template)
//	groupBaseDN        where group names are looked up and groups created (default baseDN)
//	groupObjectClass   object class of new groups: groupOfNames (default), groupOfUniqueNames
//	                   or posixGroup
//	roleBaseDN         where role names are looked up and roles (organizationalRole) created
//	                   (default baseDN)
//	disableMethod      how an account is disabled: "ppolicy" (default: pwdAccountLockedTime
//	                   set to 000001010000Z, the ppolicy overlay's administrative lock; unlock
//	                   removes a lockout's pwdAccountLockedTime), "attribute" (disableAttribute
//	                   set to disableValue, e.g. nsAccountLock: TRUE; enabling removes it) or
//	                   "userAccountControl" (Active Directory: the ACCOUNTDISABLE bit; unlock
//	                   sets lockoutTime to 0)
//	passwordMethod     "exop" (default: the Password Modify extended operation, RFC 3062, so
//	                   the server hashes), "replace" (replace userPassword) or "unicodePwd"
//	                   (Active Directory: the quoted UTF-16LE password, over TLS)
//	startTLS           true to upgrade ldap:// with StartTLS
//	caCertificate      PEM certificates to trust for ldaps:// and StartTLS (default: system)
//
// Every operation checks the directory's state first or treats "already so" answers as done,
// so a retried script never acts twice.
package ldap

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"text/template"
	"time"

	goldap "github.com/go-ldap/ldap/v3"

	"github.com/accessflow/accessflow/pkg/outbound"
	"github.com/accessflow/accessflow/services/action-execution/internal/connector"
)

// Operations the connector implements.
const (
	OpCreateUser          = "create_user"
	OpUpdateUser          = "update_user"
	OpDeleteUser          = "delete_user"
	OpDisableUser         = "disable_user"
	OpEnableUser          = "enable_user"
	OpUnlockUser          = "unlock_user"
	OpChangePassword      = "change_password"
	OpCreateGroup         = "create_group"
	OpDeleteGroup         = "delete_group"
	OpAddUserToGroup      = "add_user_to_group"
	OpRemoveUserFromGroup = "remove_user_from_group"
	OpCreateRole          = "create_role"
	OpDeleteRole          = "delete_role"
	OpAddUserToRole       = "add_user_to_role"
	OpRemoveUserFromRole  = "remove_user_from_role"
)

// Settings and credential names.
const (
	SettingBaseDN            = "baseDN"
	SettingBindDN            = "bindDN"
	SettingUserDNTemplate    = "userDNTemplate"
	SettingUserObjectClasses = "userObjectClasses"
	SettingAttributeMap      = "attributeMap"
	SettingGroupBaseDN       = "groupBaseDN"
	SettingGroupObjectClass  = "groupObjectClass"
	SettingRoleBaseDN        = "roleBaseDN"
	SettingDisableMethod     = "disableMethod"
	SettingDisableAttribute  = "disableAttribute"
	SettingDisableValue      = "disableValue"
	SettingPasswordMethod    = "passwordMethod"
	SettingStartTLS          = "startTLS"
	SettingCACertificate     = "caCertificate"
	CredentialBindPassword   = "bindPassword"
)

// Values of disableMethod and passwordMethod.
const (
	DisablePPolicy   = "ppolicy"
	DisableAttribute = "attribute"
	// DisableUserAccountControl is Active Directory's ACCOUNTDISABLE bit.
	DisableUserAccountControl = "userAccountControl"
	PasswordExop              = "exop"
	PasswordReplace           = "replace"
	// PasswordUnicodePwd is Active Directory's unicodePwd.
	PasswordUnicodePwd = "unicodePwd"
)

// lockedForever is the pwdAccountLockedTime the ppolicy overlay reads as an administrative lock
// that no pwdLockoutDuration ends.
const lockedForever = "000001010000Z"

// Connector is the LDAP connector.
type Connector struct {
	guard   *outbound.Guard
	timeout time.Duration
}

var _ connector.Connector = (*Connector)(nil)

// Option configures a Connector.
type Option func(*Connector)

// WithTimeout bounds dialling and each LDAP request (default 10s).
func WithTimeout(d time.Duration) Option { return func(c *Connector) { c.timeout = d } }

// New returns an LDAP connector dialling only what guard allows.
func New(guard *outbound.Guard, opts ...Option) *Connector {
	c := &Connector{guard: guard, timeout: 10 * time.Second}
	for _, o := range opts {
		o(c)
	}
	return c
}

// Kind implements connector.Connector.
func (*Connector) Kind() string { return connector.KindLDAP }

// Operations implements connector.Connector.
func (*Connector) Operations() []string {
	return []string{
		OpCreateUser, OpUpdateUser, OpDeleteUser, OpDisableUser, OpEnableUser, OpUnlockUser, OpChangePassword,
		OpCreateGroup, OpDeleteGroup, OpAddUserToGroup, OpRemoveUserFromGroup,
		OpCreateRole, OpDeleteRole, OpAddUserToRole, OpRemoveUserFromRole,
	}
}

// ValidateProvider implements connector.Connector.
func (*Connector) ValidateProvider(p connector.Provider) error {
	_, err := parseConfig(p)
	return err
}

// config is a provider's settings, checked.
type config struct {
	url               *url.URL
	baseDN            string
	bindDN            string
	bindPassword      string
	userDN            *template.Template
	userObjectClasses []string
	attributeMap      map[string]string
	groupBaseDN       string
	groupObjectClass  string
	roleBaseDN        string
	disableMethod     string
	disableAttribute  string
	disableValue      string
	passwordMethod    string
	startTLS          bool
	rootCAs           *x509.CertPool
}

func parseConfig(p connector.Provider) (*config, error) {
	u, err := url.Parse(p.Endpoint)
	if err != nil || (u.Scheme != "ldap" && u.Scheme != "ldaps") || u.Hostname() == "" {
		return nil, fmt.Errorf("endpoint %q: want ldap://host[:port] or ldaps://host[:port]", p.Endpoint)
	}
	if u.Path != "" && u.Path != "/" {
		return nil, fmt.Errorf("endpoint %q: must not have a path (set %s instead)", p.Endpoint, SettingBaseDN)
	}
	s := settings(p.Settings)
	c := &config{url: u, bindPassword: p.Credentials[CredentialBindPassword]}
	var errs []error
	dnSetting := func(name string, required bool, def string) string {
		v, err := s.str(name)
		if err != nil {
			errs = append(errs, err)
			return ""
		}
		if v == "" {
			if required {
				errs = append(errs, fmt.Errorf("setting %s is required", name))
			}
			return def
		}
		if _, err := goldap.ParseDN(v); err != nil {
			errs = append(errs, fmt.Errorf("setting %s: %q is not a DN: %w", name, v, err))
		}
		return v
	}
	c.baseDN = dnSetting(SettingBaseDN, true, "")
	c.bindDN = dnSetting(SettingBindDN, true, "")
	c.groupBaseDN = dnSetting(SettingGroupBaseDN, false, c.baseDN)
	c.roleBaseDN = dnSetting(SettingRoleBaseDN, false, c.baseDN)
	if c.bindPassword == "" {
		errs = append(errs, fmt.Errorf("credential %s is required", CredentialBindPassword))
	}
	if tmpl, err := s.str(SettingUserDNTemplate); err != nil {
		errs = append(errs, err)
	} else if tmpl != "" {
		if c.userDN, err = template.New("userDN").Option("missingkey=error").Parse(tmpl); err != nil {
			errs = append(errs, fmt.Errorf("setting %s: %w", SettingUserDNTemplate, err))
		}
	}
	if c.userObjectClasses, err = s.strs(SettingUserObjectClasses); err != nil {
		errs = append(errs, err)
	} else if len(c.userObjectClasses) == 0 {
		c.userObjectClasses = []string{"inetOrgPerson"}
	}
	if c.attributeMap, err = s.stringMap(SettingAttributeMap); err != nil {
		errs = append(errs, err)
	}
	oneOf := func(name, def string, allowed ...string) string {
		v, err := s.str(name)
		switch {
		case err != nil:
			errs = append(errs, err)
		case v == "":
			return def
		case !slices.Contains(allowed, v):
			errs = append(errs, fmt.Errorf("setting %s: %q is not one of %v", name, v, allowed))
		}
		return v
	}
	c.groupObjectClass = oneOf(SettingGroupObjectClass, "groupOfNames", "groupOfNames", "groupOfUniqueNames", "posixGroup")
	c.disableMethod = oneOf(SettingDisableMethod, DisablePPolicy, DisablePPolicy, DisableAttribute, DisableUserAccountControl)
	c.passwordMethod = oneOf(SettingPasswordMethod, PasswordExop, PasswordExop, PasswordReplace, PasswordUnicodePwd)
	if c.disableMethod == DisableAttribute {
		c.disableAttribute, _ = s.str(SettingDisableAttribute)
		c.disableValue, _ = s.str(SettingDisableValue)
		if c.disableAttribute == "" || c.disableValue == "" {
			errs = append(errs, fmt.Errorf("disableMethod %q needs settings %s and %s", DisableAttribute, SettingDisableAttribute, SettingDisableValue))
		}
	}
	if c.startTLS, err = s.boolean(SettingStartTLS); err != nil {
		errs = append(errs, err)
	} else if c.startTLS && u.Scheme == "ldaps" {
		errs = append(errs, fmt.Errorf("setting %s applies to ldap:// endpoints, not ldaps://", SettingStartTLS))
	}
	if pemCerts, err := s.str(SettingCACertificate); err != nil {
		errs = append(errs, err)
	} else if pemCerts != "" {
		c.rootCAs = x509.NewCertPool()
		if !c.rootCAs.AppendCertsFromPEM([]byte(pemCerts)) {
			errs = append(errs, fmt.Errorf("setting %s: no PEM certificate found", SettingCACertificate))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, connector.Permanent(err)
	}
	return c, nil
}

// Run implements connector.Connector.
func (c *Connector) Run(ctx context.Context, p connector.Provider, req connector.Request) (connector.Result, error) {
	op, ok := operations[req.Operation]
	if !ok {
		return connector.Result{}, connector.Permanent(fmt.Errorf("%w: LDAP %q", connector.ErrUnsupported, req.Operation))
	}
	cfg, err := parseConfig(p)
	if err != nil {
		return connector.Result{}, err
	}
	conn, err := c.connect(ctx, cfg)
	if err != nil {
		return connector.Result{}, classify(err)
	}
	defer conn.conn.Close()
	// go-ldap takes no context: closing the connection when ctx ends aborts the request.
	stop := context.AfterFunc(ctx, func() { _ = conn.conn.Close() })
	defer stop()
	res, err := op(&session{conn: conn, cfg: cfg}, req)
	if err != nil {
		if ctx.Err() != nil {
			return connector.Result{}, fmt.Errorf("ldap %s: %w", req.Operation, ctx.Err())
		}
		return connector.Result{}, fmt.Errorf("ldap %s: %w", req.Operation, classify(err))
	}
	return res, nil
}

// operation runs one request on a bound connection.
type operation func(*session, connector.Request) (connector.Result, error)

// operations are the connector's operations by name.
var operations = map[string]operation{
	OpCreateUser:          (*session).createUser,
	OpUpdateUser:          (*session).updateUser,
	OpDeleteUser:          (*session).deleteUser,
	OpDisableUser:         (*session).disableUser,
	OpEnableUser:          (*session).enableUser,
	OpUnlockUser:          (*session).unlockUser,
	OpChangePassword:      (*session).changePassword,
	OpCreateGroup:         createOf(groupKind),
	OpDeleteGroup:         deleteOf(groupKind),
	OpAddUserToGroup:      membershipOf(groupKind, true),
	OpRemoveUserFromGroup: membershipOf(groupKind, false),
	OpCreateRole:          createOf(roleKind),
	OpDeleteRole:          deleteOf(roleKind),
	OpAddUserToRole:       membershipOf(roleKind, true),
	OpRemoveUserFromRole:  membershipOf(roleKind, false),
}

func createOf(k kind) operation {
	return func(s *session, r connector.Request) (connector.Result, error) { return s.createGroup(r, k) }
}

func deleteOf(k kind) operation {
	return func(s *session, r connector.Request) (connector.Result, error) { return s.deleteGroup(r, k) }
}

func membershipOf(k kind, add bool) operation {
	return func(s *session, r connector.Request) (connector.Result, error) { return s.membership(r, k, add) }
}

// connect dials (through the guard), upgrades to TLS if configured and binds.
func (c *Connector) connect(ctx context.Context, cfg *config) (*tracedConn, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	tlsConfig := &tls.Config{ServerName: cfg.url.Hostname(), RootCAs: cfg.rootCAs, MinVersion: tls.VersionTLS12}
	dialer := c.guard.Dialer(c.timeout)
	conn, err := goldap.DialURL(cfg.url.String(), goldap.DialWithDialer(dialer), goldap.DialWithTLSConfig(tlsConfig))
	if err != nil {
		return nil, fmt.Errorf("ldap dial %s: %w", cfg.url.Host, err)
	}
	conn.SetTimeout(c.timeout)
	if cfg.startTLS {
		if err := conn.StartTLS(tlsConfig); err != nil {
			_ = conn.Close()
			return nil, fmt.Errorf("ldap starttls %s: %w", cfg.url.Host, err)
		}
	}
	traced := newTracedConn(ctx, conn, cfg)
	if err := traced.Bind(cfg.bindDN, cfg.bindPassword); err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("ldap bind as %s: %w", cfg.bindDN, err)
	}
	return traced, nil
}

// retryable are the LDAP result codes a later attempt may not get.
var retryable = []uint16{
	goldap.ErrorNetwork, goldap.LDAPResultBusy, goldap.LDAPResultUnavailable, goldap.LDAPResultTimeLimitExceeded,
	goldap.LDAPResultAdminLimitExceeded, goldap.LDAPResultOther, goldap.LDAPResultTimeout, goldap.LDAPResultServerDown,
	goldap.LDAPResultConnectError,
}

// classify marks err permanent unless retrying could help: the directory answered with a result
// code that a later attempt could change (busy, unavailable, a dropped connection…).
func classify(err error) error {
	var ldapErr *goldap.Error
	switch {
	case err == nil || connector.IsPermanent(err):
		return err
	case errors.Is(err, outbound.ErrForbiddenAddress), isCertificateError(err):
		return connector.Permanent(err)
	case errors.As(err, &ldapErr):
		// ErrorNetwork (a refused, reset or timed-out connection) is among the retryable codes;
		// the guard's refusal, also a network error, was caught above.
		if slices.Contains(retryable, ldapErr.ResultCode) {
			return err
		}
		return connector.Permanent(err)
	default:
		return err
	}
}

// isCertificateError reports a TLS certificate the configured roots do not verify: a
// configuration problem, not a passing one.
func isCertificateError(err error) bool {
	var verify *tls.CertificateVerificationError
	var unknown x509.UnknownAuthorityError
	var hostname x509.HostnameError
	// go-ldap's StartTLS keeps only the handshake error's text.
	return errors.As(err, &verify) || errors.As(err, &unknown) || errors.As(err, &hostname) ||
		strings.Contains(err.Error(), "failed to verify certificate")
}

// settings reads typed values out of a provider's settings.
type settings map[string]any

func (s settings) str(name string) (string, error) {
	switch v := s[name].(type) {
	case nil:
		return "", nil
	case string:
		return strings.TrimSpace(v), nil
	default:
		return "", fmt.Errorf("setting %s: want a string, got %T", name, v)
	}
}

func (s settings) strs(name string) ([]string, error) {
	switch v := s[name].(type) {
	case nil:
		return nil, nil
	case string:
		return []string{v}, nil
	case []string:
		return v, nil
	case []any:
		out := make([]string, 0, len(v))
		for _, e := range v {
			str, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("setting %s: want strings, got %T", name, e)
			}
			out = append(out, str)
		}
		return out, nil
	default:
		return nil, fmt.Errorf("setting %s: want a list of strings, got %T", name, v)
	}
}

func (s settings) stringMap(name string) (map[string]string, error) {
	switch v := s[name].(type) {
	case nil:
		return nil, nil
	case map[string]string:
		return v, nil
	case map[string]any:
		out := make(map[string]string, len(v))
		for k, e := range v {
			str, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("setting %s: %s: want an attribute name, got %T", name, k, e)
			}
			out[k] = str
		}
		return out, nil
	default:
		return nil, fmt.Errorf("setting %s: want an object of attribute names, got %T", name, v)
	}
}

func (s settings) boolean(name string) (bool, error) {
	switch v := s[name].(type) {
	case nil:
		return false, nil
	case bool:
		return v, nil
	default:
		return false, fmt.Errorf("setting %s: want true or false, got %T", name, v)
	}
}
