package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/peterbourgon/ff/v3"

	"github.com/accessflow/accessflow/gateway"
	"github.com/accessflow/accessflow/pkg/auth"
	"github.com/accessflow/accessflow/pkg/auth/clients"
	"github.com/accessflow/accessflow/pkg/logging"
	"github.com/accessflow/accessflow/pkg/service"
)

// token prints an access token signed with the data dir's keys: the operator's way in. By
// default it carries every scope and ORG_ADMIN; --scopes limits it.
func token(args []string, stdout, stderr io.Writer) error {
	cfg := service.DefaultConfig()
	fs := flag.NewFlagSet("accessflow token", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg.Bind(fs)
	scopes := fs.String("scopes", "", "space-separated scopes (default: every scope, with user level ORG_ADMIN)")
	ttl := fs.Duration("ttl", time.Hour, "token lifetime (at most 24h)")
	subject := fs.String("subject", "admin", "token subject")
	if err := ff.Parse(fs, args, ff.WithEnvVarPrefix(service.EnvPrefix)); err != nil {
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

// client manages OAuth2 clients: create, list, delete.
func client(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: accessflow client create|list|delete [flags]")
	}
	verb, args := args[0], args[1:]
	cfg := service.DefaultConfig()
	fs := flag.NewFlagSet("accessflow client "+verb, flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg.Bind(fs)
	name := fs.String("name", "", "client name (create)")
	scopes := fs.String("scopes", "", "space-separated scopes the client may obtain (create)")
	levels := fs.String("levels", "", "space-separated user levels, e.g. ORG_ADMIN (create)")
	id := fs.String("id", "", "client id (delete)")
	if err := ff.Parse(fs, args, ff.WithEnvVarPrefix(service.EnvPrefix)); err != nil {
		return err
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
		if *name == "" || *scopes == "" {
			return errors.New("client create needs --name and --scopes")
		}
		known := auth.NewRules().Scopes()
		for _, s := range auth.ParseScopes(*scopes) {
			if !contains(known, s) {
				return fmt.Errorf("unknown scope %q (known: %s)", s, strings.Join(known, " "))
			}
		}
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
	case "delete":
		if *id == "" {
			return errors.New("client delete needs --id")
		}
		return store.Delete(ctx, *id)
	default:
		return fmt.Errorf("unknown client command %q: want create, list or delete", verb)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
