package ldap

import (
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"

	goldap "github.com/go-ldap/ldap/v3"

	"github.com/accessflow/accessflow/services/action-execution/internal/connector"
)

// Attributes with a meaning of their own in Request.Attributes and Params.
const (
	attrDN       = "distinguishedName"
	attrPassword = "password"
	userPassword = "userPassword"
	objectClass  = "objectClass"
)

// ppolicy overlay attributes.
const (
	pwdAccountLockedTime = "pwdAccountLockedTime"
)

// Active Directory attributes and userAccountControl flags.
const (
	userAccountControl = "userAccountControl"
	lockoutTime        = "lockoutTime"
	unicodePwd         = "unicodePwd"
	uacAccountDisable  = 0x2
	uacNormalAccount   = 0x200
)

// UnicodePwd encodes a password as Active Directory's unicodePwd takes it: in double quotes,
// UTF-16LE.
func UnicodePwd(password string) string {
	units := utf16.Encode([]rune(`"` + password + `"`))
	b := make([]byte, 0, 2*len(units))
	for _, u := range units {
		b = binary.LittleEndian.AppendUint16(b, u)
	}
	return string(b)
}

// session is one bound connection serving one request.
type session struct {
	conn *tracedConn
	cfg  *config
}

// userDN names the user an operation is on: the request's account, a distinguishedName
// attribute or parameter, or the DN template over the attributes.
func (s *session) userDN(req connector.Request, preferAttributes bool) (string, error) {
	candidates := []string{str(req.Attributes[attrDN]), str(req.Params[attrDN]), str(req.Params["user"])}
	if preferAttributes {
		candidates = append(candidates, req.AccountID)
	} else {
		candidates = append([]string{req.AccountID}, candidates...)
	}
	for _, c := range candidates {
		if c != "" {
			return checkDN(c)
		}
	}
	if s.cfg.userDN == nil {
		return "", connector.Permanent(fmt.Errorf("no user DN: the request has no account id or %s attribute and the provider no %s", attrDN, SettingUserDNTemplate))
	}
	escaped := make(map[string]string, len(req.Attributes))
	for k, v := range req.Attributes {
		if vs := values(v); len(vs) > 0 {
			escaped[k] = goldap.EscapeDN(vs[0])
		}
	}
	var b strings.Builder
	if err := s.cfg.userDN.Execute(&b, escaped); err != nil {
		return "", connector.Permanent(fmt.Errorf("%s: %w", SettingUserDNTemplate, err))
	}
	return checkDN(b.String())
}

// mapped renames attributes by the provider's attributeMap, leaving out those mapped to "".
func (s *session) mapped(attrs map[string]any) map[string]any {
	if len(s.cfg.attributeMap) == 0 {
		return attrs
	}
	out := make(map[string]any, len(attrs))
	for k, v := range attrs {
		if to, ok := s.cfg.attributeMap[k]; ok {
			if to == "" {
				continue
			}
			k = to
		}
		out[k] = v
	}
	return out
}

func checkDN(dn string) (string, error) {
	if _, err := goldap.ParseDN(dn); err != nil {
		return "", connector.Permanent(fmt.Errorf("%q is not a DN: %w", dn, err))
	}
	return dn, nil
}

func (s *session) createUser(req connector.Request) (connector.Result, error) {
	dn, err := s.userDN(req, true)
	if err != nil {
		return connector.Result{}, err
	}
	attrs := map[string][]string{}
	for k, v := range s.mapped(req.Attributes) {
		switch k {
		case attrDN:
		case attrPassword:
			attrs[userPassword] = values(v)
		default:
			if vs := values(v); len(vs) > 0 {
				attrs[k] = vs
			}
		}
	}
	if _, ok := attrs[objectClass]; !ok {
		attrs[objectClass] = s.cfg.userObjectClasses
	}
	// The naming attribute must be among the entry's values: add it from the DN when absent.
	parsed, _ := goldap.ParseDN(dn)
	for _, a := range parsed.RDNs[0].Attributes {
		if !containsFold(attrs[a.Type], a.Value) {
			attrs[a.Type] = append(attrs[a.Type], a.Value)
		}
	}
	add := goldap.NewAddRequest(dn, nil)
	for _, k := range slices.Sorted(maps.Keys(attrs)) {
		add.Attribute(k, attrs[k])
	}
	err = s.conn.Add(add)
	if goldap.IsErrorWithCode(err, goldap.LDAPResultEntryAlreadyExists) {
		// A retry after a lost answer, or someone else's entry: done only if it is what we
		// would have made.
		err = s.sameEntry(dn, attrs)
	}
	if err != nil {
		return connector.Result{}, fmt.Errorf("add %s: %w", dn, err)
	}
	res := connector.Result{AccountID: dn, AccountOperation: connector.AccountCreate, Output: map[string]any{"dn": dn}}
	for _, k := range slices.Sorted(maps.Keys(attrs)) {
		if k != userPassword && k != objectClass {
			res.AttributeRequests = append(res.AttributeRequests, attributeRequest(k, attrs[k], connector.AttributeSet))
		}
	}
	return res, nil
}

// sameEntry checks that the entry at dn has every value of attrs (passwords aside: the server
// may have hashed them).
func (s *session) sameEntry(dn string, attrs map[string][]string) error {
	entry, err := s.read(dn, slices.Collect(maps.Keys(attrs))...)
	if err != nil {
		return err
	}
	for name, want := range attrs {
		if name == userPassword {
			continue
		}
		have := entry.GetEqualFoldAttributeValues(name)
		for _, v := range want {
			if !containsFold(have, v) {
				return connector.Permanent(fmt.Errorf("%s already exists with a different %s", dn, name))
			}
		}
	}
	return nil
}

func (s *session) updateUser(req connector.Request) (connector.Result, error) {
	dn, err := s.userDN(req, false)
	if err != nil {
		return connector.Result{}, err
	}
	changes := map[string]any{}
	maps.Copy(changes, req.Attributes)
	if m, ok := req.Params["attributes"].(map[string]any); ok {
		maps.Copy(changes, m)
	}
	changes = s.settable(changes)
	if len(changes) == 0 {
		return connector.Result{}, connector.Permanent(errors.New("no attributes to set"))
	}
	set, err := s.replaceAttributes(dn, changes)
	if err != nil {
		return connector.Result{}, fmt.Errorf("modify %s: %w", dn, err)
	}
	return connector.Result{AccountID: dn, AccountOperation: connector.AccountModify, AttributeRequests: set}, nil
}

// settable is attrs as the entry takes them: renamed by the attributeMap, without the DN and
// password, which name the entry and have operations of their own.
func (s *session) settable(attrs map[string]any) map[string]any {
	changes := s.mapped(attrs)
	delete(changes, attrDN)
	delete(changes, attrPassword)
	return changes
}

// policyAttributes is what a disable or enable sets of the attributes its policy computed: the
// settable ones but the entry's naming attributes (the DN's first RDN), which a replace cannot
// change (renaming is not a disable's job) and which name the same entry anyway.
func (s *session) policyAttributes(dn string, attrs map[string]any) map[string]any {
	changes := s.settable(attrs)
	if parsed, err := goldap.ParseDN(dn); err == nil && len(parsed.RDNs) > 0 {
		for _, a := range parsed.RDNs[0].Attributes {
			maps.DeleteFunc(changes, func(k string, _ any) bool { return strings.EqualFold(k, a.Type) })
		}
	}
	return changes
}

// replaceAttributes replaces the entry's values of changes in one modify (nothing to do without
// changes) and reports them as attribute requests, in name order.
func (s *session) replaceAttributes(dn string, changes map[string]any) ([]connector.AttributeRequest, error) {
	if len(changes) == 0 {
		return nil, nil
	}
	mod := goldap.NewModifyRequest(dn, nil)
	var set []connector.AttributeRequest
	for _, k := range slices.Sorted(maps.Keys(changes)) {
		// Replace is idempotent; an empty value list removes the attribute.
		vs := values(changes[k])
		mod.Replace(k, vs)
		set = append(set, attributeRequest(k, vs, connector.AttributeSet))
	}
	if err := s.conn.Modify(mod); err != nil {
		return nil, err
	}
	return set, nil
}

func (s *session) deleteUser(req connector.Request) (connector.Result, error) {
	dn, err := s.userDN(req, false)
	if err != nil {
		return connector.Result{}, err
	}
	if err := s.conn.Del(goldap.NewDelRequest(dn, nil)); err != nil && !goldap.IsErrorWithCode(err, goldap.LDAPResultNoSuchObject) {
		return connector.Result{}, fmt.Errorf("delete %s: %w", dn, err)
	}
	return connector.Result{AccountID: dn, AccountOperation: connector.AccountDelete}, nil
}

func (s *session) disableUser(req connector.Request) (connector.Result, error) {
	dn, err := s.userDN(req, false)
	if err != nil {
		return connector.Result{}, err
	}
	var set connector.AttributeRequest
	switch s.cfg.disableMethod {
	case DisableUserAccountControl:
		set, err = s.setAccountControl(dn, true)
	default:
		name, value := pwdAccountLockedTime, lockedForever
		if s.cfg.disableMethod == DisableAttribute {
			name, value = s.cfg.disableAttribute, s.cfg.disableValue
		}
		set = connector.AttributeRequest{Name: name, Value: value, Operation: connector.AttributeSet}
		mod := goldap.NewModifyRequest(dn, nil)
		mod.Replace(name, []string{value})
		err = s.conn.Modify(mod)
	}
	if err != nil {
		return connector.Result{}, fmt.Errorf("disable %s: %w", dn, err)
	}
	// The attributes the source's DISABLE policy computed go on the disabled entry.
	computed, err := s.replaceAttributes(dn, s.policyAttributes(dn, req.Attributes))
	if err != nil {
		return connector.Result{}, fmt.Errorf("disable %s: set policy attributes: %w", dn, err)
	}
	return connector.Result{AccountID: dn, AccountOperation: connector.AccountDisable, AttributeRequests: append([]connector.AttributeRequest{set}, computed...)}, nil
}

func (s *session) enableUser(req connector.Request) (connector.Result, error) {
	dn, err := s.userDN(req, false)
	if err != nil {
		return connector.Result{}, err
	}
	var change connector.AttributeRequest
	switch s.cfg.disableMethod {
	case DisableUserAccountControl:
		change, err = s.setAccountControl(dn, false)
	default:
		name := pwdAccountLockedTime
		if s.cfg.disableMethod == DisableAttribute {
			name = s.cfg.disableAttribute
		}
		change = connector.AttributeRequest{Name: name, Operation: connector.AttributeRemove}
		// Enabling also ends a ppolicy lockout: the account should be usable afterwards.
		err = s.removeAttributes(dn, func(string, string) bool { return true }, name, pwdAccountLockedTime)
	}
	if err != nil {
		return connector.Result{}, fmt.Errorf("enable %s: %w", dn, err)
	}
	// The attributes the source's ENABLE policy computed go on the enabled entry.
	computed, err := s.replaceAttributes(dn, s.policyAttributes(dn, req.Attributes))
	if err != nil {
		return connector.Result{}, fmt.Errorf("enable %s: set policy attributes: %w", dn, err)
	}
	return connector.Result{AccountID: dn, AccountOperation: connector.AccountEnable, AttributeRequests: append([]connector.AttributeRequest{change}, computed...)}, nil
}

// setAccountControl sets or clears the ACCOUNTDISABLE bit of an Active Directory-style
// userAccountControl, keeping the other flags (a missing value is a normal account, 512).
func (s *session) setAccountControl(dn string, disabled bool) (connector.AttributeRequest, error) {
	entry, err := s.read(dn, userAccountControl)
	if err != nil {
		return connector.AttributeRequest{}, err
	}
	uac := int64(uacNormalAccount)
	if v := entry.GetAttributeValue(userAccountControl); v != "" {
		if uac, err = strconv.ParseInt(v, 10, 64); err != nil {
			return connector.AttributeRequest{}, connector.Permanent(fmt.Errorf("%s of %s is %q, not a number", userAccountControl, dn, v))
		}
	}
	want := uac &^ uacAccountDisable
	if disabled {
		want = uac | uacAccountDisable
	}
	value := strconv.FormatInt(want, 10)
	if want != uac || entry.GetAttributeValue(userAccountControl) == "" {
		mod := goldap.NewModifyRequest(dn, nil)
		mod.Replace(userAccountControl, []string{value})
		if err := s.conn.Modify(mod); err != nil {
			return connector.AttributeRequest{}, err
		}
	}
	return connector.AttributeRequest{Name: userAccountControl, Value: value, Operation: connector.AttributeSet}, nil
}

func (s *session) unlockUser(req connector.Request) (connector.Result, error) {
	dn, err := s.userDN(req, false)
	if err != nil {
		return connector.Result{}, err
	}
	if s.cfg.disableMethod == DisableUserAccountControl {
		// Active Directory unlocks an account when lockoutTime is set to 0.
		var entry *goldap.Entry
		if entry, err = s.read(dn, lockoutTime); err == nil {
			if v := entry.GetAttributeValue(lockoutTime); v != "" && v != "0" {
				mod := goldap.NewModifyRequest(dn, nil)
				mod.Replace(lockoutTime, []string{"0"})
				err = s.conn.Modify(mod)
			}
		}
	} else {
		// Unlocking ends a lockout after failed binds (ppolicy then forgets the failures too)
		// but leaves an administrative disable alone.
		notDisabled := func(_, value string) bool { return value != lockedForever }
		err = s.removeAttributes(dn, notDisabled, pwdAccountLockedTime)
	}
	if err != nil {
		return connector.Result{}, fmt.Errorf("unlock %s: %w", dn, err)
	}
	return connector.Result{AccountID: dn, AccountOperation: connector.AccountUnlock}, nil
}

// removeAttributes deletes those of names the entry has (and remove approves), in one modify.
func (s *session) removeAttributes(dn string, remove func(name, value string) bool, names ...string) error {
	entry, err := s.read(dn, names...)
	if err != nil {
		return err
	}
	mod := goldap.NewModifyRequest(dn, nil)
	for _, a := range entry.Attributes {
		if len(a.Values) > 0 && remove(a.Name, a.Values[0]) {
			mod.Delete(a.Name, nil)
		}
	}
	if len(mod.Changes) == 0 {
		return nil
	}
	return s.conn.Modify(mod)
}

func (s *session) changePassword(req connector.Request) (connector.Result, error) {
	dn, err := s.userDN(req, false)
	if err != nil {
		return connector.Result{}, err
	}
	password := first(str(req.Params[attrPassword]), str(req.Attributes[attrPassword]), str(req.Attributes[userPassword]))
	if password == "" {
		return connector.Result{}, connector.Permanent(errors.New("no password: set the password parameter or attribute"))
	}
	switch s.cfg.passwordMethod {
	case PasswordReplace:
		mod := goldap.NewModifyRequest(dn, nil)
		mod.Replace(userPassword, []string{password})
		err = s.conn.Modify(mod)
	case PasswordUnicodePwd:
		mod := goldap.NewModifyRequest(dn, nil)
		mod.Replace(unicodePwd, []string{UnicodePwd(password)})
		err = s.conn.Modify(mod)
	default:
		_, err = s.conn.PasswordModify(goldap.NewPasswordModifyRequest(dn, "", password))
	}
	if err != nil {
		return connector.Result{}, fmt.Errorf("change password of %s: %w", dn, err)
	}
	return connector.Result{AccountID: dn, AccountOperation: connector.AccountModify}, nil
}

// read returns the entry at dn with the given attributes (operational ones included when
// named).
func (s *session) read(dn string, attrs ...string) (*goldap.Entry, error) {
	res, err := s.conn.Search(goldap.NewSearchRequest(dn, goldap.ScopeBaseObject, goldap.NeverDerefAliases, 1, 0, false,
		"(objectClass=*)", attrs, nil))
	if err != nil {
		return nil, err
	}
	if len(res.Entries) != 1 {
		return nil, fmt.Errorf("read %s: %d entries", dn, len(res.Entries))
	}
	return res.Entries[0], nil
}

// values turns an attribute value from a template or policy into LDAP values.
func values(v any) []string {
	switch v := v.(type) {
	case nil:
		return nil
	case string:
		if v == "" {
			return nil
		}
		return []string{v}
	case []string:
		return v
	case []any:
		out := make([]string, 0, len(v))
		for _, e := range v {
			out = append(out, values(e)...)
		}
		return out
	case bool:
		return []string{strings.ToUpper(fmt.Sprint(v))} // LDAP booleans are TRUE and FALSE
	default:
		return []string{fmt.Sprint(v)}
	}
}

func attributeRequest(name string, vs []string, op string) connector.AttributeRequest {
	var value any = vs
	if len(vs) == 1 {
		value = vs[0]
	}
	return connector.AttributeRequest{Name: name, Value: value, Operation: op}
}

func str(v any) string {
	s, _ := v.(string)
	return strings.TrimSpace(s)
}

func first(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

func containsFold(vs []string, v string) bool {
	return slices.ContainsFunc(vs, func(e string) bool { return strings.EqualFold(e, v) })
}
