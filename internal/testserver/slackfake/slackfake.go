// Package slackfake is a local stand-in for the Slack Web API (Slack cannot run here), for
// tests: it serves chat.postMessage, conversations.open and conversations.history the way
// Slack does — POST with a form or JSON body, the bot token as a Bearer header or a token
// field, Slack's error names (not_authed, invalid_auth, channel_not_found, no_text,
// invalid_blocks, invalid_metadata_format) in {"ok": false} answers, 429 with Retry-After — and
// records what was posted.
package slackfake

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// Metadata is a message's metadata (event_type and event_payload).
type Metadata struct {
	EventType    string         `json:"event_type"`
	EventPayload map[string]any `json:"event_payload"`
}

// Message is a posted message, as recorded.
type Message struct {
	// Channel is the conversation it was posted in (a user ID is turned into a D… channel).
	Channel string
	Text    string
	// Blocks is the blocks JSON as sent (nil if none).
	Blocks   json.RawMessage
	Metadata *Metadata
	TS       string
}

// Server is a running fake.
type Server struct {
	// URL is the Web API base URL, with its trailing slash (for slack.OptionAPIURL).
	URL string
	// Token is the bot token the fake accepts.
	Token string
	// Loopback is the network it listens on, for an outbound guard's allow list.
	Loopback netip.Prefix

	mu       sync.Mutex
	posts    []Message
	calls    []string
	failures []failure
	seq      int
}

type failure struct {
	method     string
	status     int
	slackError string
}

// Start starts the fake; it stops when the test ends.
func Start(t testing.TB, token string) *Server {
	t.Helper()
	s := &Server{Token: token, Loopback: netip.MustParsePrefix("127.0.0.0/8")}
	mux := http.NewServeMux()
	mux.HandleFunc("/api/chat.postMessage", s.method(s.postMessage))
	mux.HandleFunc("/api/conversations.open", s.method(s.open))
	mux.HandleFunc("/api/conversations.history", s.method(s.history))
	mux.HandleFunc("/api/", func(w http.ResponseWriter, _ *http.Request) { answer(w, fail("unknown_method")) })
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	s.URL = srv.URL + "/api/"
	return s
}

// Posts returns the messages posted so far.
func (s *Server) Posts() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.posts...)
}

// Calls returns the API methods called so far, in order.
func (s *Server) Calls() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.calls...)
}

// FailNext makes the next call of method ("chat.postMessage"…) fail: with HTTP status (429
// adds Retry-After: 1), or, when status is 200, with {"ok": false, "error": slackError}.
func (s *Server) FailNext(method string, status int, slackError string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures = append(s.failures, failure{method, status, slackError})
}

type handler func(args map[string]any) map[string]any

// method checks what every Web API method checks — POST, a form or JSON body, the token — and
// answers in Slack's envelope.
func (s *Server) method(h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		name := strings.TrimPrefix(r.URL.Path, "/api/")
		s.calls = append(s.calls, name)
		var f *failure
		if i := slices.IndexFunc(s.failures, func(f failure) bool { return f.method == name }); i >= 0 {
			f = &s.failures[i]
			s.failures = slices.Delete(slices.Clone(s.failures), i, i+1)
		}
		s.mu.Unlock()
		if f != nil {
			if f.status != http.StatusOK {
				if f.status == http.StatusTooManyRequests {
					w.Header().Set("Retry-After", "1")
				}
				w.WriteHeader(f.status)
				return
			}
			answer(w, fail(f.slackError))
			return
		}
		if r.Method != http.MethodPost {
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		args, token, errName := readArgs(r)
		switch {
		case errName != "":
			answer(w, fail(errName))
		case token == "":
			answer(w, fail("not_authed"))
		case token != s.Token:
			answer(w, fail("invalid_auth"))
		default:
			answer(w, h(args))
		}
	}
}

// readArgs reads a method's arguments from a form or JSON body and the token from the
// Authorization header or, for forms, the token field.
func readArgs(r *http.Request) (args map[string]any, token, errName string) {
	args = map[string]any{}
	token, _ = strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mediaType {
	case "application/json":
		if token == "" {
			return nil, "", "not_authed" // JSON bodies need the header
		}
		if err := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<20)).Decode(&args); err != nil {
			return nil, "", "invalid_json"
		}
	case "application/x-www-form-urlencoded":
		r.Body = http.MaxBytesReader(nil, r.Body, 1<<20)
		if err := r.ParseForm(); err != nil {
			return nil, "", "invalid_form_data"
		}
		for k := range r.PostForm {
			args[k] = r.PostForm.Get(k)
		}
		if token == "" {
			token = r.PostForm.Get("token")
		}
	default:
		return nil, "", "invalid_form_data"
	}
	return args, token, ""
}

var conversationID = regexp.MustCompile(`^[CGDUW][A-Z0-9]{2,}$`)

func (s *Server) postMessage(args map[string]any) map[string]any {
	channel, _ := args["channel"].(string)
	if !conversationID.MatchString(channel) {
		return fail("channel_not_found")
	}
	if channel[0] == 'U' || channel[0] == 'W' {
		channel = dm(channel)
	}
	text, _ := args["text"].(string)
	msg := Message{Channel: channel, Text: text}
	if raw, ok := jsonArg(args["blocks"]); ok {
		if !validBlocks(raw) {
			return fail("invalid_blocks")
		}
		msg.Blocks = raw
	}
	if text == "" && msg.Blocks == nil {
		return fail("no_text")
	}
	if raw, ok := jsonArg(args["metadata"]); ok {
		var md Metadata
		if json.Unmarshal(raw, &md) != nil || md.EventType == "" || md.EventPayload == nil {
			return fail("invalid_metadata_format")
		}
		msg.Metadata = &md
	}
	s.mu.Lock()
	s.seq++
	msg.TS = fmt.Sprintf("%d.%06d", time.Now().Unix(), s.seq)
	s.posts = append(s.posts, msg)
	s.mu.Unlock()
	return map[string]any{"ok": true, "channel": channel, "ts": msg.TS, "message": wire(msg, true)}
}

func (s *Server) open(args map[string]any) map[string]any {
	users, _ := args["users"].(string)
	if users == "" || strings.Contains(users, ",") || !conversationID.MatchString(users) || users[0] != 'U' && users[0] != 'W' {
		return fail("user_not_found")
	}
	return map[string]any{"ok": true, "channel": map[string]any{"id": dm(users)}}
}

func (s *Server) history(args map[string]any) map[string]any {
	channel, _ := args["channel"].(string)
	if !conversationID.MatchString(channel) || channel[0] == 'U' || channel[0] == 'W' {
		return fail("channel_not_found")
	}
	withMetadata := fmt.Sprint(args["include_all_metadata"])
	messages := []map[string]any{}
	s.mu.Lock()
	for i := len(s.posts) - 1; i >= 0; i-- { // newest first, as Slack answers
		if s.posts[i].Channel == channel {
			messages = append(messages, wire(s.posts[i], withMetadata == "1" || withMetadata == "true"))
		}
	}
	s.mu.Unlock()
	return map[string]any{"ok": true, "messages": messages, "has_more": false}
}

// wire is a message as the API shows it.
func wire(m Message, withMetadata bool) map[string]any {
	out := map[string]any{"type": "message", "bot_id": "B0FAKE", "text": m.Text, "ts": m.TS}
	if m.Blocks != nil {
		out["blocks"] = m.Blocks
	}
	if withMetadata && m.Metadata != nil {
		out["metadata"] = m.Metadata
	}
	return out
}

func dm(user string) string { return "D" + user[1:] }

// jsonArg reads an argument that is JSON: a string in a form, a value in a JSON body.
func jsonArg(v any) (json.RawMessage, bool) {
	switch v := v.(type) {
	case nil:
		return nil, false
	case string:
		if v == "" {
			return nil, false
		}
		return json.RawMessage(v), true
	default:
		raw, err := json.Marshal(v)
		return raw, err == nil
	}
}

type textObject struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

type block struct {
	Type     string      `json:"type"`
	Text     *textObject `json:"text"`
	Elements []struct {
		Type     string      `json:"type"`
		Text     *textObject `json:"text"`
		ActionID string      `json:"action_id"`
		URL      string      `json:"url"`
		Style    string      `json:"style"`
	} `json:"elements"`
}

// validBlocks checks the block kinds a connector sends the way Slack does: known types,
// section text, and buttons with plain_text labels, action ids, http(s) URLs, known styles.
func validBlocks(raw json.RawMessage) bool {
	var blocks []block
	if json.Unmarshal(raw, &blocks) != nil || len(blocks) == 0 || len(blocks) > 50 {
		return false
	}
	for _, b := range blocks {
		switch b.Type {
		case "divider", "context":
		case "header":
			if b.Text == nil || b.Text.Type != "plain_text" || b.Text.Text == "" {
				return false
			}
		case "section":
			if b.Text == nil || (b.Text.Type != "mrkdwn" && b.Text.Type != "plain_text") || b.Text.Text == "" || len(b.Text.Text) > 3000 {
				return false
			}
		case "actions":
			if len(b.Elements) == 0 || len(b.Elements) > 25 {
				return false
			}
			for _, e := range b.Elements {
				validURL := e.URL == "" || strings.HasPrefix(e.URL, "https://") || strings.HasPrefix(e.URL, "http://")
				if e.Type != "button" || e.Text == nil || e.Text.Type != "plain_text" || e.Text.Text == "" || e.ActionID == "" || !validURL ||
					(e.Style != "" && e.Style != "primary" && e.Style != "danger") {
					return false
				}
			}
		default:
			return false
		}
	}
	return true
}

func fail(name string) map[string]any { return map[string]any{"ok": false, "error": name} }

// answer writes Slack's envelope: always 200, the outcome in "ok".
func answer(w http.ResponseWriter, body map[string]any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(body)
}
