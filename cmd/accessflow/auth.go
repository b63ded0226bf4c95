package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/accessflow/accessflow/gateway"
	"github.com/accessflow/accessflow/pkg/auth"
	"github.com/accessflow/accessflow/pkg/auth/clients"
	"github.com/accessflow/accessflow/pkg/logging"
	"github.com/accessflow/accessflow/pkg/service"
)

// token prints an access token signed with the data dir's keys: the operator's way in. By
// default it carries every scope and ORG_ADMIN; --scopes limits it.
func token(_ context.Context, args []string, stdout, _ io.Writer) error {
	cfg := service.DefaultConfig()
	flags := newFlagSet("token", "[flags]", "Print an access token signed with the keys in the server's data dir. By default it carries\n"+
		"every scope and the ORG_ADMIN user level; --scopes limits it.")
	bindOnly(flags, cfg.Bind, "data-dir", "auth-issuer", "auth-audience")
	scopes := flags.String("scopes", "", "space-separated scopes (default: every scope, with user level ORG_ADMIN)")
	ttl := flags.Duration("ttl", time.Hour, "token lifetime (at most 24h)")
	subject := flags.String("subject", "admin", "token subject")
	if err := parse(flags, args, stdout); err != nil {
		return err
	}
	if err := requireServerDataDir(cfg, keysFile); err != nil {
		return err
	}
	keys, err := cfg.KeySet()
	if err != nil {
		return err
	}
	issuer, err := auth.NewIssuer(keys, cfg.Auth.Issuer, cfg.Auth.Audience)
	if err != nil {
		return err
	}
	granted, levels := auth.NewRules().Scopes(), []string{auth.LevelOrgAdmin}
	if *scopes != "" {
		granted, levels = auth.ParseScopes(*scopes), nil
	}
	tok, _, err := issuer.Issue(*subject, "", granted, levels, *ttl)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(stdout, tok)
	return err
}

// keysFile is where the server keeps its token signing keys, in the data dir.
const keysFile = "jwt-keys.json"

// requireServerDataDir refuses to work in a data dir that no server has used: keys or clients
// created there would be trusted by no server, which is never what the operator meant. A data
// dir is a server's when it holds the gateway's SQLite database or one of files.
func requireServerDataDir(cfg service.Config, files ...string) error {
	dir := cfg.Storage.DataDir
	var candidates []string
	for _, f := range files {
		candidates = append(candidates, filepath.Join(dir, f))
	}
	if cfg.Storage.DatabaseURL == "" {
		candidates = append(candidates, cfg.Storage.SQLitePath(gateway.StoreSpec().Name))
	}
	for _, path := range candidates {
		if _, err := os.Stat(path); err == nil {
			return nil
		} else if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		abs = dir
	}
	return fmt.Errorf("no Accessflow database in %s: it is not the data dir of a server that has started, "+
		"and keys or clients made here would be trusted by none. Point to the server's data dir with "+
		"--data-dir DIR or ACCESSFLOW_DATA_DIR=DIR (`accessflow serve` uses ./data of the directory it runs in)", abs)
}

const clientUsage = `Usage:
  accessflow client <command> [flags]

Manage the OAuth2 clients that get tokens with the client credentials grant (POST /oauth/token).

Commands:
  create  register a client and print its id and secret (the secret is shown once)
  list    list the clients
  delete  delete a client (its tokens stay valid until they expire)

Run "accessflow client <command> --help" for the command's flags.
`

// client manages OAuth2 clients: create, list, delete.
func client(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help" {
		w := stdout
		if len(args) == 0 {
			w = stderr
		}
		_, _ = io.WriteString(w, clientUsage)
		if len(args) == 0 {
			return errors.New("client needs a command: create, list or delete")
		}
		return nil
	}
	verb, args := args[0], args[1:]
	cfg := service.DefaultConfig()
	var (
		flags                *flagSet
		name, scopes, levels *string
		id                   *string
	)
	switch verb {
	case "create":
		flags = newFlagSet("client create", "--name NAME --scopes \"SCOPE …\" [flags]", "Register an OAuth2 client and print its id and secret as JSON (the secret is shown once).")
		name = flags.String("name", "", "client name, unique (required)")
		scopes = flags.String("scopes", "", "space-separated scopes the client may obtain (required)")
		levels = flags.String("levels", "", "space-separated user levels, e.g. ORG_ADMIN")
	case "list":
		flags = newFlagSet("client list", "[flags]", "List the OAuth2 clients as JSON.")
	case "delete":
		flags = newFlagSet("client delete", "--id ID [flags]", "Delete an OAuth2 client; its tokens stay valid until they expire.")
		id = flags.String("id", "", "client id (required)")
	default:
		_, _ = io.WriteString(stderr, clientUsage)
		return fmt.Errorf("unknown client command %q: want create, list or delete", verb)
	}
	bindOnly(flags, cfg.Bind, "data-dir", "database-url")
	if err := parse(flags, args, stdout); err != nil {
		return err
	}
	switch {
	case verb == "create" && (*name == "" || *scopes == ""):
		return errors.New("client create needs --name and --scopes")
	case verb == "delete" && *id == "":
		return errors.New("client delete needs --id")
	}
	if verb == "create" {
		known := auth.NewRules().Scopes()
		for _, s := range auth.ParseScopes(*scopes) {
			if !slices.Contains(known, s) {
				return fmt.Errorf("unknown scope %q (known: %s)", s, strings.Join(known, " "))
			}
		}
	}
	if cfg.Storage.DatabaseURL == "" { // on PostgreSQL, the clients are in the database named
		if err := requireServerDataDir(cfg); err != nil {
			return err
		}
	}
	backend, err := service.OpenBackend(ctx, gateway.StoreSpec(), cfg, logging.Discard())
	if err != nil {
		return err
	}
	defer backend.Close()
	store := clients.New(backend, clients.DefaultParams)
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	switch verb {
	case "create":
		c, secret, err := store.Create(ctx, *name, auth.ParseScopes(*scopes), auth.ParseScopes(*levels))
		if err != nil {
			return err
		}
		return enc.Encode(map[string]any{"client_id": c.ID, "client_secret": secret, "name": c.Name, "scopes": c.Scopes})
	case "list":
		list, err := store.List(ctx)
		if err != nil {
			return err
		}
		out := make([]map[string]any, 0, len(list))
		for _, c := range list {
			out = append(out, map[string]any{"client_id": c.ID, "name": c.Name, "scopes": c.Scopes, "user_levels": c.UserLevels, "created": c.Created})
		}
		return enc.Encode(out)
	default:
		return store.Delete(ctx, *id)
	}
}
