package ldap_test

import (
	"context"
	"net"
	"strings"
	"testing"

	goldap "github.com/go-ldap/ldap/v3"
	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/accessflow/accessflow/internal/testserver/slapd"
	"github.com/accessflow/accessflow/pkg/outbound"
	"github.com/accessflow/accessflow/services/action-execution/internal/connector"
	"github.com/accessflow/accessflow/services/action-execution/internal/connectors/ldap"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const (
	jdoeDN    = "uid=jdoe," + slapd.PeopleDN
	engineers = "cn=engineers," + slapd.GroupsDN
	staff     = "cn=staff," + slapd.GroupsDN
	approver  = "cn=approver," + slapd.BaseDN
)

func provider(s *slapd.Server, extra map[string]any) connector.Provider {
	settings := map[string]any{
		ldap.SettingBaseDN:         slapd.BaseDN,
		ldap.SettingBindDN:         slapd.AdminDN,
		ldap.SettingUserDNTemplate: "uid={{.uid}}," + slapd.PeopleDN,
		ldap.SettingGroupBaseDN:    slapd.GroupsDN,
	}
	for k, v := range extra {
		settings[k] = v
	}
	return connector.Provider{
		Key: "corpad", Kind: connector.KindLDAP, Endpoint: s.URL, Settings: settings,
		Credentials: map[string]string{ldap.CredentialBindPassword: slapd.AdminPassword},
	}
}

func newConnector(s *slapd.Server) *ldap.Connector {
	return ldap.New(outbound.NewGuard(s.Loopback))
}

// TestOperations runs each operation twice against slapd, in the order a user's life goes: the
// second run must answer the same and change nothing more, and the directory is checked by a
// search after each.
func TestOperations(t *testing.T) {
	t.Parallel()
	s := slapd.Start(t)
	conn := s.Conn(t)
	s.Add(t, conn, staff, map[string][]string{"objectClass": {"posixGroup"}, "cn": {"staff"}, "gidNumber": {"100"}})
	c := newConnector(s)
	p := provider(s, nil)

	values := func(dn, attr string) []string {
		t.Helper()
		e := s.Entry(t, conn, dn)
		require.NotNil(t, e, dn)
		return e.GetAttributeValues(attr)
	}
	steps := []struct {
		name  string
		req   connector.Request
		want  connector.Result
		again *connector.Result // the second run's answer, if not want
		check func(t *testing.T)
	}{
		{
			name: "create user from the policy's attributes",
			req: connector.Request{Operation: ldap.OpCreateUser, Attributes: map[string]any{
				"uid": "jdoe", "cn": "John Doe", "sn": "Doe", "mail": "jdoe@example.org", "password": "first-Secret1",
			}},
			want: connector.Result{
				AccountID: jdoeDN, AccountOperation: connector.AccountCreate, Output: map[string]any{"dn": jdoeDN},
				AttributeRequests: []connector.AttributeRequest{
					{Name: "cn", Value: "John Doe", Operation: connector.AttributeSet},
					{Name: "mail", Value: "jdoe@example.org", Operation: connector.AttributeSet},
					{Name: "sn", Value: "Doe", Operation: connector.AttributeSet},
					{Name: "uid", Value: "jdoe", Operation: connector.AttributeSet},
				},
			},
			check: func(t *testing.T) {
				require.Equal(t, []string{"jdoe@example.org"}, values(jdoeDN, "mail"))
				require.Equal(t, []string{"inetOrgPerson"}, values(jdoeDN, "objectClass"))
				require.True(t, strings.HasPrefix(values(jdoeDN, "userPassword")[0], "{SSHA}"), "stored hashed")
				require.NoError(t, s.Bind(t, jdoeDN, "first-Secret1"))
			},
		},
		{
			name: "set attributes",
			req:  connector.Request{Operation: ldap.OpUpdateUser, AccountID: jdoeDN, Params: map[string]any{"attributes": map[string]any{"title": "Engineer"}}},
			want: connector.Result{AccountID: jdoeDN, AccountOperation: connector.AccountModify, AttributeRequests: []connector.AttributeRequest{
				{Name: "title", Value: "Engineer", Operation: connector.AttributeSet},
			}},
			check: func(t *testing.T) { require.Equal(t, []string{"Engineer"}, values(jdoeDN, "title")) },
		},
		{
			name:  "create group (groupOfNames)",
			req:   connector.Request{Operation: ldap.OpCreateGroup, Params: map[string]any{"group": "engineers", "description": "Engineering"}},
			want:  connector.Result{Output: map[string]any{"dn": engineers}},
			check: func(t *testing.T) { require.Equal(t, []string{""}, values(engineers, "member")) },
		},
		{
			name: "add to groupOfNames by name",
			req:  connector.Request{Operation: ldap.OpAddUserToGroup, AccountID: jdoeDN, Params: map[string]any{"group": "engineers"}},
			want: connector.Result{
				AccountID: jdoeDN, AccountOperation: connector.AccountModify, Output: map[string]any{"groupDN": engineers},
				AttributeRequests: []connector.AttributeRequest{{Name: "memberOf", Value: engineers, Operation: connector.AttributeAdd}},
			},
			check: func(t *testing.T) { require.Equal(t, []string{jdoeDN}, values(engineers, "member")) },
		},
		{
			name: "add to posixGroup by DN uses memberUid",
			req:  connector.Request{Operation: ldap.OpAddUserToGroup, AccountID: jdoeDN, Params: map[string]any{"group": staff}},
			want: connector.Result{
				AccountID: jdoeDN, AccountOperation: connector.AccountModify, Output: map[string]any{"groupDN": staff},
				AttributeRequests: []connector.AttributeRequest{{Name: "memberOf", Value: staff, Operation: connector.AttributeAdd}},
			},
			check: func(t *testing.T) { require.Equal(t, []string{"jdoe"}, values(staff, "memberUid")) },
		},
		{
			name:  "create role",
			req:   connector.Request{Operation: ldap.OpCreateRole, Params: map[string]any{"role": "approver"}},
			want:  connector.Result{Output: map[string]any{"dn": approver}},
			check: func(t *testing.T) { require.Empty(t, values(approver, "roleOccupant")) },
		},
		{
			name: "add to role",
			req:  connector.Request{Operation: ldap.OpAddUserToRole, AccountID: jdoeDN, Params: map[string]any{"role": "approver"}},
			want: connector.Result{
				AccountID: jdoeDN, AccountOperation: connector.AccountModify, Output: map[string]any{"groupDN": approver},
				AttributeRequests: []connector.AttributeRequest{{Name: "roles", Value: approver, Operation: connector.AttributeAdd}},
			},
			check: func(t *testing.T) { require.Equal(t, []string{jdoeDN}, values(approver, "roleOccupant")) },
		},
		{
			name: "disable (ppolicy administrative lock)",
			req:  connector.Request{Operation: ldap.OpDisableUser, AccountID: jdoeDN},
			want: connector.Result{AccountID: jdoeDN, AccountOperation: connector.AccountDisable, AttributeRequests: []connector.AttributeRequest{
				{Name: "pwdAccountLockedTime", Value: "000001010000Z", Operation: connector.AttributeSet},
			}},
			check: func(t *testing.T) {
				require.Equal(t, []string{"000001010000Z"}, values(jdoeDN, "pwdAccountLockedTime"))
				require.Error(t, s.Bind(t, jdoeDN, "first-Secret1"), "a disabled account cannot bind")
			},
		},
		{
			name: "unlock leaves a disabled account disabled",
			req:  connector.Request{Operation: ldap.OpUnlockUser, AccountID: jdoeDN},
			want: connector.Result{AccountID: jdoeDN, AccountOperation: connector.AccountUnlock},
			check: func(t *testing.T) {
				require.Equal(t, []string{"000001010000Z"}, values(jdoeDN, "pwdAccountLockedTime"))
			},
		},
		{
			name: "enable",
			req:  connector.Request{Operation: ldap.OpEnableUser, AccountID: jdoeDN},
			want: connector.Result{AccountID: jdoeDN, AccountOperation: connector.AccountEnable, AttributeRequests: []connector.AttributeRequest{
				{Name: "pwdAccountLockedTime", Operation: connector.AttributeRemove},
			}},
			check: func(t *testing.T) {
				require.Empty(t, values(jdoeDN, "pwdAccountLockedTime"))
				require.NoError(t, s.Bind(t, jdoeDN, "first-Secret1"))
			},
		},
		{
			name: "change password (Password Modify extended operation)",
			req:  connector.Request{Operation: ldap.OpChangePassword, AccountID: jdoeDN, Params: map[string]any{"password": "second-Secret2"}},
			want: connector.Result{AccountID: jdoeDN, AccountOperation: connector.AccountModify},
			check: func(t *testing.T) {
				require.NoError(t, s.Bind(t, jdoeDN, "second-Secret2"))
				require.Error(t, s.Bind(t, jdoeDN, "first-Secret1"))
				require.NoError(t, s.Bind(t, jdoeDN, "second-Secret2"), "one failed bind does not lock")
			},
		},
		{
			name: "remove the last member of a groupOfNames leaves the placeholder",
			req:  connector.Request{Operation: ldap.OpRemoveUserFromGroup, AccountID: jdoeDN, Params: map[string]any{"group": "engineers"}},
			want: connector.Result{
				AccountID: jdoeDN, AccountOperation: connector.AccountModify, Output: map[string]any{"groupDN": engineers},
				AttributeRequests: []connector.AttributeRequest{{Name: "memberOf", Value: engineers, Operation: connector.AttributeRemove}},
			},
			check: func(t *testing.T) { require.Equal(t, []string{""}, values(engineers, "member")) },
		},
		{
			name: "remove from posixGroup",
			req:  connector.Request{Operation: ldap.OpRemoveUserFromGroup, AccountID: jdoeDN, Params: map[string]any{"group": "staff"}},
			want: connector.Result{
				AccountID: jdoeDN, AccountOperation: connector.AccountModify, Output: map[string]any{"groupDN": staff},
				AttributeRequests: []connector.AttributeRequest{{Name: "memberOf", Value: staff, Operation: connector.AttributeRemove}},
			},
			check: func(t *testing.T) { require.Empty(t, values(staff, "memberUid")) },
		},
		{
			name: "remove from role",
			req:  connector.Request{Operation: ldap.OpRemoveUserFromRole, AccountID: jdoeDN, Params: map[string]any{"role": approver}},
			want: connector.Result{
				AccountID: jdoeDN, AccountOperation: connector.AccountModify, Output: map[string]any{"groupDN": approver},
				AttributeRequests: []connector.AttributeRequest{{Name: "roles", Value: approver, Operation: connector.AttributeRemove}},
			},
			check: func(t *testing.T) { require.Empty(t, values(approver, "roleOccupant")) },
		},
		{
			name:  "delete role",
			req:   connector.Request{Operation: ldap.OpDeleteRole, Params: map[string]any{"role": "approver"}},
			want:  connector.Result{Output: map[string]any{"dn": approver}},
			again: &connector.Result{},
			check: func(t *testing.T) { require.Nil(t, s.Entry(t, conn, approver)) },
		},
		{
			name:  "delete group",
			req:   connector.Request{Operation: ldap.OpDeleteGroup, Params: map[string]any{"group": "engineers"}},
			want:  connector.Result{Output: map[string]any{"dn": engineers}},
			again: &connector.Result{},
			check: func(t *testing.T) { require.Nil(t, s.Entry(t, conn, engineers)) },
		},
		{
			name:  "delete user",
			req:   connector.Request{Operation: ldap.OpDeleteUser, AccountID: jdoeDN},
			want:  connector.Result{AccountID: jdoeDN, AccountOperation: connector.AccountDelete},
			check: func(t *testing.T) { require.Nil(t, s.Entry(t, conn, jdoeDN)) },
		},
	}
	for _, step := range steps {
		// Steps build on each other: sequential, and the rest is pointless once one fails.
		ok := t.Run(step.name, func(t *testing.T) {
			for attempt := range 2 {
				got, err := c.Run(t.Context(), p, step.req)
				require.NoError(t, err, "attempt %d", attempt+1)
				want := step.want
				if attempt == 1 && step.again != nil {
					want = *step.again
				}
				require.Empty(t, cmp.Diff(want, got), "attempt %d (-want +got)", attempt+1)
				step.check(t)
			}
		})
		if !ok {
			return
		}
	}
}

// TestCreateConflict: an existing entry with other values is not taken for our own.
func TestCreateConflict(t *testing.T) {
	t.Parallel()
	s := slapd.Start(t)
	c := newConnector(s)
	p := provider(s, nil)
	attrs := map[string]any{"uid": "asmith", "cn": "Ann Smith", "sn": "Smith"}
	_, err := c.Run(t.Context(), p, connector.Request{Operation: ldap.OpCreateUser, Attributes: attrs})
	require.NoError(t, err)
	attrs["cn"] = "Anna Smith"
	_, err = c.Run(t.Context(), p, connector.Request{Operation: ldap.OpCreateUser, Attributes: attrs})
	require.ErrorContains(t, err, "already exists with a different cn")
	require.True(t, connector.IsPermanent(err))
}

// TestAttributeMap: policy attributes with other names than LDAP's are renamed, the DN template
// reads the policy's names.
func TestAttributeMap(t *testing.T) {
	t.Parallel()
	s := slapd.Start(t)
	c := newConnector(s)
	p := provider(s, map[string]any{
		ldap.SettingUserDNTemplate: "uid={{.userName}}," + slapd.PeopleDN,
		ldap.SettingAttributeMap:   map[string]any{"userName": "uid", "email": "mail", "manager": ""},
	})
	got, err := c.Run(t.Context(), p, connector.Request{Operation: ldap.OpCreateUser, Attributes: map[string]any{
		"userName": "dave", "cn": "Dave", "sn": "D", "email": "dave@example.org", "manager": "not an LDAP attribute here",
	}})
	require.NoError(t, err)
	dn := "uid=dave," + slapd.PeopleDN
	require.Equal(t, dn, got.AccountID)
	e := s.Entry(t, s.Conn(t), dn)
	require.NotNil(t, e)
	require.Equal(t, []string{"dave@example.org"}, e.GetAttributeValues("mail"))
	require.Equal(t, []string{"dave"}, e.GetAttributeValues("uid"))
}

// TestPolicyAttributesOnDisableAndEnable: the attributes a source's DISABLE and ENABLE policies
// compute land on the entry (through the attributeMap, the naming attribute aside) and are
// reported as attribute requests after the disabling change; without attributes the operation
// is as before.
func TestPolicyAttributesOnDisableAndEnable(t *testing.T) {
	t.Parallel()
	s := slapd.Start(t)
	conn := s.Conn(t)
	c := newConnector(s)
	p := provider(s, map[string]any{ldap.SettingAttributeMap: map[string]any{"reason": "description", "manager": ""}})
	dn := "uid=erin," + slapd.PeopleDN
	_, err := c.Run(t.Context(), p, connector.Request{Operation: ldap.OpCreateUser, Attributes: map[string]any{
		"uid": "erin", "cn": "Erin", "sn": "E", "password": "erin-Secret1", "description": "joined",
	}})
	require.NoError(t, err)

	for range 2 { // idempotent: the second run answers the same
		got, err := c.Run(t.Context(), p, connector.Request{Operation: ldap.OpDisableUser, AccountID: dn, Attributes: map[string]any{
			"reason": "disabled: leaver", "title": []any{"former employee"}, "manager": "dropped", "distinguishedName": dn,
			"UID": "erin.renamed", // the naming attribute: a disable does not rename
		}})
		require.NoError(t, err)
		require.Equal(t, connector.Result{AccountID: dn, AccountOperation: connector.AccountDisable, AttributeRequests: []connector.AttributeRequest{
			{Name: "pwdAccountLockedTime", Value: "000001010000Z", Operation: connector.AttributeSet},
			{Name: "description", Value: "disabled: leaver", Operation: connector.AttributeSet},
			{Name: "title", Value: "former employee", Operation: connector.AttributeSet},
		}}, got)
		e := s.Entry(t, conn, dn)
		require.Equal(t, []string{"disabled: leaver"}, e.GetAttributeValues("description"))
		require.Equal(t, []string{"former employee"}, e.GetAttributeValues("title"))
		require.Equal(t, []string{"erin"}, e.GetAttributeValues("uid"))
		require.Empty(t, e.GetAttributeValues("manager"))
		require.Error(t, s.Bind(t, dn, "erin-Secret1"), "a disabled account cannot bind")
	}

	got, err := c.Run(t.Context(), p, connector.Request{Operation: ldap.OpEnableUser, AccountID: dn, Attributes: map[string]any{
		"reason": "enabled: rehire", "title": []any{},
	}})
	require.NoError(t, err)
	require.Equal(t, []connector.AttributeRequest{
		{Name: "pwdAccountLockedTime", Operation: connector.AttributeRemove},
		{Name: "description", Value: "enabled: rehire", Operation: connector.AttributeSet},
		{Name: "title", Value: []string{}, Operation: connector.AttributeSet},
	}, got.AttributeRequests)
	e := s.Entry(t, conn, dn)
	require.Equal(t, []string{"enabled: rehire"}, e.GetAttributeValues("description"))
	require.Empty(t, e.GetAttributeValues("title"), "an empty value list removes the attribute")
	require.NoError(t, s.Bind(t, dn, "erin-Secret1"))

	// Without computed attributes, disable changes nothing else.
	got, err = c.Run(t.Context(), p, connector.Request{Operation: ldap.OpDisableUser, AccountID: dn})
	require.NoError(t, err)
	require.Len(t, got.AttributeRequests, 1)
	require.Equal(t, []string{"enabled: rehire"}, s.Entry(t, conn, dn).GetAttributeValues("description"))
}

// TestLockoutAndUnlock: ppolicy locks the account after three failed binds; unlock_user lets
// it bind again.
func TestLockoutAndUnlock(t *testing.T) {
	t.Parallel()
	s := slapd.Start(t)
	c := newConnector(s)
	p := provider(s, nil)
	_, err := c.Run(t.Context(), p, connector.Request{Operation: ldap.OpCreateUser, Attributes: map[string]any{
		"uid": "bob", "cn": "Bob", "sn": "B", "password": "bob-Secret1",
	}})
	require.NoError(t, err)
	dn := "uid=bob," + slapd.PeopleDN
	for range 3 {
		require.Error(t, s.Bind(t, dn, "wrong"))
	}
	require.Error(t, s.Bind(t, dn, "bob-Secret1"), "locked out")
	require.NotEmpty(t, s.Entry(t, s.Conn(t), dn).GetAttributeValue("pwdAccountLockedTime"))

	got, err := c.Run(t.Context(), p, connector.Request{Operation: ldap.OpUnlockUser, AccountID: dn})
	require.NoError(t, err)
	require.Equal(t, connector.AccountUnlock, got.AccountOperation)
	require.Empty(t, s.Entry(t, s.Conn(t), dn).GetAttributeValue("pwdAccountLockedTime"))
	require.NoError(t, s.Bind(t, dn, "bob-Secret1"))
}

// TestAttributeDisableAndReplacePassword covers the other disable and password methods.
func TestAttributeDisableAndReplacePassword(t *testing.T) {
	t.Parallel()
	s := slapd.Start(t)
	conn := s.Conn(t)
	c := newConnector(s)
	p := provider(s, map[string]any{
		ldap.SettingDisableMethod: ldap.DisableAttribute, ldap.SettingDisableAttribute: "employeeType", ldap.SettingDisableValue: "disabled",
		ldap.SettingPasswordMethod: ldap.PasswordReplace,
	})
	dn := "uid=carol," + slapd.PeopleDN
	_, err := c.Run(t.Context(), p, connector.Request{Operation: ldap.OpCreateUser, Attributes: map[string]any{"uid": "carol", "cn": "Carol", "sn": "C"}})
	require.NoError(t, err)

	_, err = c.Run(t.Context(), p, connector.Request{Operation: ldap.OpDisableUser, AccountID: dn})
	require.NoError(t, err)
	require.Equal(t, []string{"disabled"}, s.Entry(t, conn, dn).GetAttributeValues("employeeType"))
	for range 2 {
		_, err = c.Run(t.Context(), p, connector.Request{Operation: ldap.OpEnableUser, AccountID: dn})
		require.NoError(t, err)
		require.Empty(t, s.Entry(t, conn, dn).GetAttributeValues("employeeType"))
	}

	_, err = c.Run(t.Context(), p, connector.Request{Operation: ldap.OpChangePassword, AccountID: dn, Attributes: map[string]any{"password": "carol-Secret1"}})
	require.NoError(t, err)
	require.NoError(t, s.Bind(t, dn, "carol-Secret1"))
}

// TestActiveDirectoryStyle runs the userAccountControl and unicodePwd methods against entries of
// the AD user class (slapd with Microsoft's user schema).
func TestActiveDirectoryStyle(t *testing.T) {
	t.Parallel()
	s := slapd.Start(t, slapd.WithSchemas("msuser"))
	conn := s.Conn(t)
	c := newConnector(s)
	p := provider(s, map[string]any{
		ldap.SettingUserDNTemplate:    "cn={{.cn}}," + slapd.PeopleDN,
		ldap.SettingUserObjectClasses: []any{"user"},
		ldap.SettingDisableMethod:     ldap.DisableUserAccountControl,
		ldap.SettingPasswordMethod:    ldap.PasswordUnicodePwd,
	})
	dn := "cn=Erin," + slapd.PeopleDN
	_, err := c.Run(t.Context(), p, connector.Request{Operation: ldap.OpCreateUser, Attributes: map[string]any{
		"cn": "Erin", "sn": "E", "userAccountControl": "66048", // NORMAL_ACCOUNT|DONT_EXPIRE_PASSWORD
		"instanceType": "4", "nTSecurityDescriptor": "sd", "objectCategory": "cn=Person,cn=Schema,cn=Configuration," + slapd.BaseDN,
	}})
	require.NoError(t, err)
	uac := func() string { return s.Entry(t, conn, dn).GetAttributeValue("userAccountControl") }

	tests := []struct {
		op      string
		wantUAC string
	}{
		{ldap.OpDisableUser, "66050"},
		{ldap.OpEnableUser, "66048"},
	}
	for _, tt := range tests {
		for range 2 {
			got, err := c.Run(t.Context(), p, connector.Request{Operation: tt.op, AccountID: dn})
			require.NoError(t, err)
			require.Equal(t, []connector.AttributeRequest{{Name: "userAccountControl", Value: tt.wantUAC, Operation: connector.AttributeSet}}, got.AttributeRequests)
			require.Equal(t, tt.wantUAC, uac(), "other flags are kept")
		}
	}

	mod := goldapModify(dn, "lockoutTime", "133497000000000000")
	require.NoError(t, conn.Modify(mod))
	_, err = c.Run(t.Context(), p, connector.Request{Operation: ldap.OpUnlockUser, AccountID: dn})
	require.NoError(t, err)
	require.Equal(t, "0", s.Entry(t, conn, dn).GetAttributeValue("lockoutTime"))

	_, err = c.Run(t.Context(), p, connector.Request{Operation: ldap.OpChangePassword, AccountID: dn, Params: map[string]any{"password": "Ünïcode-1"}})
	require.NoError(t, err)
	require.Equal(t, []byte(ldap.UnicodePwd("Ünïcode-1")), s.Entry(t, conn, dn).GetRawAttributeValue("unicodePwd"))
	require.Equal(t, []byte{'"', 0, 'a', 0, '"', 0}, []byte(ldap.UnicodePwd("a")))
}

func goldapModify(dn, attr, value string) *goldap.ModifyRequest {
	mod := goldap.NewModifyRequest(dn, nil)
	mod.Replace(attr, []string{value})
	return mod
}

// TestTLS: ldaps:// and StartTLS work with the provider's CA certificate, and fail permanently
// without it.
func TestTLS(t *testing.T) {
	t.Parallel()
	s := slapd.Start(t)
	c := newConnector(s)
	tests := []struct {
		name      string
		endpoint  string
		settings  map[string]any
		untrusted bool
	}{
		{"ldaps", s.TLSURL, map[string]any{ldap.SettingCACertificate: string(s.CACertPEM)}, false},
		{"starttls", s.URL, map[string]any{ldap.SettingCACertificate: string(s.CACertPEM), ldap.SettingStartTLS: true}, false},
		{"ldaps untrusted", s.TLSURL, nil, true},
		{"starttls untrusted", s.URL, map[string]any{ldap.SettingStartTLS: true}, true},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := provider(s, tt.settings)
			p.Endpoint = tt.endpoint
			uid := "tls" + string(rune('a'+i))
			_, err := c.Run(t.Context(), p, connector.Request{Operation: ldap.OpCreateUser, Attributes: map[string]any{"uid": uid, "cn": uid, "sn": uid}})
			if tt.untrusted {
				require.Error(t, err)
				require.True(t, connector.IsPermanent(err), "an untrusted certificate is permanent: %v", err)
				return
			}
			require.NoError(t, err)
			require.NotNil(t, s.Entry(t, s.Conn(t), "uid="+uid+","+slapd.PeopleDN))
		})
	}
}

// TestErrors: what the directory refuses fails permanently; what may pass is retried.
func TestErrors(t *testing.T) {
	t.Parallel()
	s := slapd.Start(t)
	c := newConnector(s)

	closed, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closedURL := "ldap://" + closed.Addr().String()
	require.NoError(t, closed.Close())

	wrongPassword := provider(s, nil)
	wrongPassword.Credentials = map[string]string{ldap.CredentialBindPassword: "wrong"}
	refused := provider(s, nil)
	refused.Endpoint = closedURL

	tests := []struct {
		name      string
		c         *ldap.Connector
		p         connector.Provider
		req       connector.Request
		permanent bool
		contains  string
	}{
		{"invalid DN syntax", c, provider(s, nil), connector.Request{Operation: ldap.OpDisableUser, AccountID: "not a dn"}, true, "not a DN"},
		{"server refuses a DN", c, provider(s, nil), connector.Request{Operation: ldap.OpDisableUser, AccountID: "foo=bar," + slapd.PeopleDN}, true, "Invalid DN Syntax"},
		{"no such entry", c, provider(s, nil), connector.Request{Operation: ldap.OpDisableUser, AccountID: "uid=ghost," + slapd.PeopleDN}, true, "No Such Object"},
		{"undefined attribute", c, provider(s, nil), connector.Request{Operation: ldap.OpCreateUser, Attributes: map[string]any{"uid": "x", "cn": "x", "sn": "x", "userName": "x"}}, true, "userName"},
		{"missing template key", c, provider(s, nil), connector.Request{Operation: ldap.OpCreateUser, Attributes: map[string]any{"cn": "x"}}, true, "uid"},
		{"group not found", c, provider(s, nil), connector.Request{Operation: ldap.OpAddUserToGroup, AccountID: jdoeDN, Params: map[string]any{"group": "nope"}}, true, "not found"},
		{"wrong bind password", c, wrongPassword, connector.Request{Operation: ldap.OpDeleteUser, AccountID: jdoeDN}, true, "Invalid Credentials"},
		{"unsupported", c, provider(s, nil), connector.Request{Operation: "allocate_license"}, true, "not supported"},
		{"connection refused", c, refused, connector.Request{Operation: ldap.OpDeleteUser, AccountID: jdoeDN}, false, "refused"},
		{"loopback refused by the guard", ldap.New(outbound.NewGuard()), provider(s, nil), connector.Request{Operation: ldap.OpDeleteUser, AccountID: jdoeDN}, true, "is a loopback address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := tt.c.Run(t.Context(), tt.p, tt.req)
			require.ErrorContains(t, err, tt.contains)
			require.Equal(t, tt.permanent, connector.IsPermanent(err), "permanent: %v", err)
			if tt.name == "loopback refused by the guard" {
				require.ErrorIs(t, err, outbound.ErrForbiddenAddress)
			}
			if tt.name == "unsupported" {
				require.ErrorIs(t, err, connector.ErrUnsupported)
			}
		})
	}
}

// TestCanceled: an ended context stops the request, as retryable.
func TestCanceled(t *testing.T) {
	t.Parallel()
	s := slapd.Start(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := newConnector(s).Run(ctx, provider(s, nil), connector.Request{Operation: ldap.OpDeleteUser, AccountID: jdoeDN})
	require.ErrorIs(t, err, context.Canceled)
	require.False(t, connector.IsPermanent(err))
}

func TestValidateProvider(t *testing.T) {
	t.Parallel()
	valid := func() connector.Provider {
		return connector.Provider{
			Kind: connector.KindLDAP, Endpoint: "ldaps://ldap.example.org:636",
			Settings:    map[string]any{ldap.SettingBaseDN: "dc=example,dc=org", ldap.SettingBindDN: "cn=admin,dc=example,dc=org"},
			Credentials: map[string]string{ldap.CredentialBindPassword: "x"},
		}
	}
	tests := []struct {
		name   string
		change func(p *connector.Provider)
		want   string // error substrings, "" for valid
	}{
		{"valid", func(*connector.Provider) {}, ""},
		{"all options", func(p *connector.Provider) {
			p.Endpoint = "ldap://ldap.example.org"
			p.Settings[ldap.SettingStartTLS] = true
			p.Settings[ldap.SettingUserDNTemplate] = "uid={{.uid}},ou=people,dc=example,dc=org"
			p.Settings[ldap.SettingUserObjectClasses] = []any{"inetOrgPerson", "posixAccount"}
			p.Settings[ldap.SettingGroupObjectClass] = "posixGroup"
			p.Settings[ldap.SettingDisableMethod] = ldap.DisableAttribute
			p.Settings[ldap.SettingDisableAttribute] = "nsAccountLock"
			p.Settings[ldap.SettingDisableValue] = "TRUE"
		}, ""},
		{"http endpoint", func(p *connector.Provider) { p.Endpoint = "https://ldap.example.org" }, "want ldap://"},
		{"no host", func(p *connector.Provider) { p.Endpoint = "ldap://" }, "want ldap://"},
		{"endpoint with a path", func(p *connector.Provider) { p.Endpoint = "ldap://h/dc=x" }, "must not have a path"},
		{"missing base DN and password", func(p *connector.Provider) {
			delete(p.Settings, ldap.SettingBaseDN)
			p.Credentials = nil
		}, "setting baseDN is required|credential bindPassword is required"},
		{"bad DN", func(p *connector.Provider) { p.Settings[ldap.SettingBindDN] = "admin" }, "setting bindDN: \"admin\" is not a DN"},
		{"bad template", func(p *connector.Provider) { p.Settings[ldap.SettingUserDNTemplate] = "uid={{.uid" }, "setting userDNTemplate"},
		{"unknown disable method", func(p *connector.Provider) { p.Settings[ldap.SettingDisableMethod] = "magic" }, "setting disableMethod: \"magic\" is not one of"},
		{"attribute method without attribute", func(p *connector.Provider) { p.Settings[ldap.SettingDisableMethod] = ldap.DisableAttribute }, "needs settings disableAttribute and disableValue"},
		{"starttls on ldaps", func(p *connector.Provider) { p.Settings[ldap.SettingStartTLS] = true }, "applies to ldap://"},
		{"not a bool", func(p *connector.Provider) { p.Settings[ldap.SettingStartTLS] = "yes" }, "want true or false"},
		{"bad attribute map", func(p *connector.Provider) { p.Settings[ldap.SettingAttributeMap] = map[string]any{"a": 1} }, "setting attributeMap: a: want an attribute name"},
		{"bad CA", func(p *connector.Provider) { p.Settings[ldap.SettingCACertificate] = "junk" }, "no PEM certificate"},
	}
	c := ldap.New(outbound.NewGuard())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := valid()
			tt.change(&p)
			err := c.ValidateProvider(p)
			if tt.want == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			for _, w := range strings.Split(tt.want, "|") {
				require.ErrorContains(t, err, w)
			}
		})
	}
}

func TestOperationsListed(t *testing.T) {
	t.Parallel()
	c := ldap.New(outbound.NewGuard())
	require.Equal(t, connector.KindLDAP, c.Kind())
	require.Contains(t, c.Operations(), ldap.OpCreateUser)
	require.NotContains(t, c.Operations(), "allocate_license")
}

// TestEveryOperationRuns: each listed operation is dispatched (here to a refused address).
func TestEveryOperationRuns(t *testing.T) {
	t.Parallel()
	c := ldap.New(outbound.NewGuard())
	p := connector.Provider{Endpoint: "ldap://127.0.0.1:1", Settings: map[string]any{ldap.SettingBaseDN: "dc=x", ldap.SettingBindDN: "cn=a,dc=x"}, Credentials: map[string]string{ldap.CredentialBindPassword: "p"}}
	for _, op := range c.Operations() {
		_, err := c.Run(t.Context(), p, connector.Request{Operation: op, AccountID: "uid=a,dc=x", IdempotencyKey: "k", Params: map[string]any{"group": "g", "role": "r", "password": "p"}, Attributes: map[string]any{"uid": "a"}})
		require.Error(t, err, op)
		require.NotErrorIs(t, err, connector.ErrUnsupported, op)
	}
}

// BenchmarkUpdateUser measures one operation end to end against slapd: dial, bind, modify, close.
func BenchmarkUpdateUser(b *testing.B) {
	s := slapd.Start(b)
	c := newConnector(s)
	p := provider(s, nil)
	_, err := c.Run(b.Context(), p, connector.Request{Operation: ldap.OpCreateUser, Attributes: map[string]any{"uid": "bench", "cn": "B", "sn": "B"}})
	require.NoError(b, err)
	req := connector.Request{Operation: ldap.OpUpdateUser, AccountID: "uid=bench," + slapd.PeopleDN, Params: map[string]any{"attributes": map[string]any{"title": "t"}}}
	for b.Loop() {
		if _, err := c.Run(b.Context(), p, req); err != nil {
			b.Fatal(err)
		}
	}
}
