package ldap

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	goldap "github.com/go-ldap/ldap/v3"

	"github.com/accessflow/accessflow/services/action-execution/internal/connector"
)

// kind is what a group-like entry is: a group or a role (organizationalRole).
type kind struct {
	// param names the group in Params ("group", "role").
	param string
	// resultAttribute names the membership in post-provisioning attribute requests.
	resultAttribute string
	// classes are the object classes an entry of this kind may have.
	classes []string
	baseDN  func(*config) string
	// newClass is the object class of created entries.
	newClass func(*config) string
}

var (
	groupKind = kind{
		param: "group", resultAttribute: "memberOf",
		classes:  []string{"groupOfNames", "groupOfUniqueNames", "posixGroup", "group"},
		baseDN:   func(c *config) string { return c.groupBaseDN },
		newClass: func(c *config) string { return c.groupObjectClass },
	}
	roleKind = kind{
		param: "role", resultAttribute: "roles",
		classes:  []string{"organizationalRole"},
		baseDN:   func(c *config) string { return c.roleBaseDN },
		newClass: func(*config) string { return "organizationalRole" },
	}
)

// memberAttr is the attribute listing a group's members.
type memberAttr struct {
	name  string
	byDN  bool // whether values are DNs (or uids, for posixGroup)
	empty bool // whether the class allows no members
}

// memberAttribute is the attribute listing an entry's members, per object class, and whether it
// holds DNs (or uids, for posixGroup).
var memberAttribute = map[string]memberAttr{
	"groupofnames":       {"member", true, false},
	"groupofuniquenames": {"uniqueMember", true, false},
	"posixgroup":         {"memberUid", false, true},
	"group":              {"member", true, true},
	"organizationalrole": {"roleOccupant", true, true},
}

// name is the group or role a request is about.
func (k kind) name(req connector.Request) (string, error) {
	if n := first(str(req.Params[k.param]), str(req.Params["name"]), str(req.Attributes["cn"])); n != "" {
		return n, nil
	}
	return "", connector.Permanent(fmt.Errorf("no %s: set the %s parameter", k.param, k.param))
}

// find resolves a group or role given as a DN or a cn; it returns nil if there is none.
func (s *session) find(k kind, name string) (*goldap.Entry, error) {
	base, scope, filter := k.baseDN(s.cfg), goldap.ScopeWholeSubtree, "(cn="+goldap.EscapeFilter(name)+")"
	if _, err := goldap.ParseDN(name); err == nil && strings.Contains(name, "=") {
		base, scope, filter = name, goldap.ScopeBaseObject, "(objectClass=*)"
	}
	var classes strings.Builder
	for _, c := range k.classes {
		classes.WriteString("(objectClass=" + c + ")")
	}
	res, err := s.conn.Search(goldap.NewSearchRequest(base, scope, goldap.NeverDerefAliases, 2, 0, false,
		"(&(|"+classes.String()+")"+filter+")", []string{objectClass, "cn"}, nil))
	switch {
	case goldap.IsErrorWithCode(err, goldap.LDAPResultNoSuchObject):
		return nil, nil
	case goldap.IsErrorWithCode(err, goldap.LDAPResultSizeLimitExceeded) || (err == nil && len(res.Entries) > 1):
		return nil, connector.Permanent(fmt.Errorf("%s %q is ambiguous under %s: name it by DN", k.param, name, base))
	case err != nil:
		return nil, err
	case len(res.Entries) == 0:
		return nil, nil
	}
	return res.Entries[0], nil
}

func (s *session) createGroup(req connector.Request, k kind) (connector.Result, error) {
	name, err := k.name(req)
	if err != nil {
		return connector.Result{}, err
	}
	existing, err := s.find(k, name)
	if err != nil {
		return connector.Result{}, err
	}
	if existing != nil {
		return connector.Result{Output: map[string]any{"dn": existing.DN}}, nil
	}
	class := k.newClass(s.cfg)
	dn := "cn=" + goldap.EscapeDN(name) + "," + k.baseDN(s.cfg)
	attrs := map[string][]string{objectClass: {class}, "cn": {name}}
	for key, v := range req.Attributes {
		if vs := values(v); len(vs) > 0 && key != "cn" && key != objectClass {
			attrs[key] = vs
		}
	}
	if d := str(req.Params["description"]); d != "" {
		attrs["description"] = []string{d}
	}
	if g := values(req.Params["gidNumber"]); len(g) > 0 {
		attrs["gidNumber"] = g
	}
	if class == "posixGroup" && len(attrs["gidNumber"]) == 0 {
		return connector.Result{}, connector.Permanent(errors.New("a posixGroup needs a gidNumber parameter"))
	}
	if ma := memberAttribute[strings.ToLower(class)]; !ma.empty && len(attrs[ma.name]) == 0 {
		// groupOfNames and groupOfUniqueNames must have a member: the empty DN stands for none
		// (a common convention, removed again as real members are added).
		attrs[ma.name] = []string{""}
	}
	add := goldap.NewAddRequest(dn, nil)
	for _, key := range slices.Sorted(maps.Keys(attrs)) {
		add.Attribute(key, attrs[key])
	}
	if err := s.conn.Add(add); err != nil && !goldap.IsErrorWithCode(err, goldap.LDAPResultEntryAlreadyExists) {
		return connector.Result{}, fmt.Errorf("add %s: %w", dn, err)
	}
	return connector.Result{Output: map[string]any{"dn": dn}}, nil
}

func (s *session) deleteGroup(req connector.Request, k kind) (connector.Result, error) {
	name, err := k.name(req)
	if err != nil {
		return connector.Result{}, err
	}
	existing, err := s.find(k, name)
	if err != nil || existing == nil {
		return connector.Result{}, err
	}
	if err := s.conn.Del(goldap.NewDelRequest(existing.DN, nil)); err != nil && !goldap.IsErrorWithCode(err, goldap.LDAPResultNoSuchObject) {
		return connector.Result{}, fmt.Errorf("delete %s: %w", existing.DN, err)
	}
	return connector.Result{Output: map[string]any{"dn": existing.DN}}, nil
}

// membership adds the user to (or removes it from) a group or role, by the member attribute its
// object class uses.
func (s *session) membership(req connector.Request, k kind, add bool) (connector.Result, error) {
	userDN, err := s.userDN(req, false)
	if err != nil {
		return connector.Result{}, err
	}
	name, err := k.name(req)
	if err != nil {
		return connector.Result{}, err
	}
	group, err := s.find(k, name)
	if err != nil {
		return connector.Result{}, err
	}
	if group == nil {
		return connector.Result{}, connector.Permanent(fmt.Errorf("%s %q not found under %s", k.param, name, k.baseDN(s.cfg)))
	}
	attr, ok := memberAttributeOf(group)
	if !ok {
		return connector.Result{}, connector.Permanent(fmt.Errorf("%s has no known member attribute (object classes %v)", group.DN, group.GetAttributeValues(objectClass)))
	}
	value := userDN
	if add || !attr.byDN {
		// Adding checks the user exists (a dangling member helps nobody); posixGroup needs its uid.
		uid, err := s.uid(userDN, !attr.byDN)
		if err != nil {
			return connector.Result{}, err
		}
		if !attr.byDN {
			value = uid
		}
	}
	mod := goldap.NewModifyRequest(group.DN, nil)
	op := connector.AttributeAdd
	if add {
		mod.Add(attr.name, []string{value})
		if !attr.empty {
			// Drop the empty placeholder a new group was created with, in the same modify.
			if has, _ := s.conn.Compare(group.DN, attr.name, ""); has {
				mod.Delete(attr.name, []string{""})
			}
		}
	} else {
		op = connector.AttributeRemove
		mod.Delete(attr.name, []string{value})
	}
	err = s.conn.Modify(mod)
	switch {
	case add && goldap.IsErrorWithCode(err, goldap.LDAPResultAttributeOrValueExists):
		// Already a member.
	case !add && goldap.IsErrorWithCode(err, goldap.LDAPResultNoSuchAttribute):
		// Not a member.
	case !add && !attr.empty && goldap.IsErrorWithCode(err, goldap.LDAPResultObjectClassViolation):
		// The last member of a group that must have one: leave the empty placeholder.
		mod = goldap.NewModifyRequest(group.DN, nil)
		mod.Replace(attr.name, []string{""})
		if err := s.conn.Modify(mod); err != nil {
			return connector.Result{}, fmt.Errorf("remove %s from %s: %w", userDN, group.DN, err)
		}
	case err != nil:
		return connector.Result{}, fmt.Errorf("modify %s: %w", group.DN, err)
	}
	return connector.Result{
		AccountID: userDN, AccountOperation: connector.AccountModify,
		AttributeRequests: []connector.AttributeRequest{{Name: k.resultAttribute, Value: group.DN, Operation: op}},
		Output:            map[string]any{"groupDN": group.DN},
	}, nil
}

func memberAttributeOf(group *goldap.Entry) (memberAttr, bool) {
	for _, c := range group.GetAttributeValues(objectClass) {
		if a, ok := memberAttribute[strings.ToLower(c)]; ok {
			return a, true
		}
	}
	return memberAttr{}, false
}

// uid is a user's uid attribute (required for posixGroup's memberUid); it fails permanently
// when there is no such user.
func (s *session) uid(userDN string, required bool) (string, error) {
	entry, err := s.read(userDN, "uid")
	if goldap.IsErrorWithCode(err, goldap.LDAPResultNoSuchObject) {
		return "", connector.Permanent(fmt.Errorf("user %s not found", userDN))
	}
	if err != nil {
		return "", err
	}
	uid := entry.GetAttributeValue("uid")
	if uid == "" && required {
		return "", connector.Permanent(fmt.Errorf("user %s has no uid for a posixGroup's memberUid", userDN))
	}
	return uid, nil
}
