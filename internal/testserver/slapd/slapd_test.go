package slapd_test

import (
	"testing"

	"github.com/go-ldap/ldap/v3"
	"github.com/stretchr/testify/require"

	"github.com/accessflow/accessflow/internal/testserver/slapd"
)

func TestStart(t *testing.T) {
	t.Parallel()
	s := slapd.Start(t)
	conn := s.Conn(t)
	require.NotNil(t, s.Entry(t, conn, slapd.PeopleDN))
	require.NotNil(t, s.Entry(t, conn, slapd.GroupsDN))
	require.Nil(t, s.Entry(t, conn, "uid=nobody,"+slapd.PeopleDN))

	// Both TLS forms answer with the server's certificate.
	tlsConn, err := ldap.DialURL(s.TLSURL, ldap.DialWithTLSConfig(s.TLSConfig()))
	require.NoError(t, err)
	require.NoError(t, tlsConn.Bind(slapd.AdminDN, slapd.AdminPassword))
	require.NoError(t, tlsConn.Close())
	plain, err := ldap.DialURL(s.URL)
	require.NoError(t, err)
	require.NoError(t, plain.StartTLS(s.TLSConfig()))
	require.NoError(t, plain.Bind(slapd.AdminDN, slapd.AdminPassword))
	require.NoError(t, plain.Close())
}
