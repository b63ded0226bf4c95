package store

import (
	"sync"

	"google.golang.org/protobuf/proto"

	actionv1 "github.com/accessflow/accessflow/api/accessflow/action/v1"
)

// maxDecoded bounds the decoded documents kept; past it the cache starts over.
const maxDecoded = 20_000

// decoded keeps the decoded form of the documents that never change once written — a flow's
// context, a flow script's chain script — so that the reads every script run makes (several
// per flow, inside the writer's transaction on SQLite) skip protojson. Entries are keyed by
// the record's id and checked against the stored text, and callers get clones.
type decoded struct {
	mu   sync.Mutex
	docs map[string]decodedDoc
}

type decodedDoc struct {
	text string
	msg  proto.Message
}

func (d *decoded) get(id, text string, newMsg func() proto.Message) (proto.Message, error) {
	d.mu.Lock()
	e, ok := d.docs[id]
	d.mu.Unlock()
	if ok && e.text == text {
		return proto.Clone(e.msg), nil
	}
	m := newMsg()
	if err := unmarshal(text, m); err != nil {
		return nil, err
	}
	d.mu.Lock()
	if d.docs == nil || len(d.docs) >= maxDecoded {
		d.docs = map[string]decodedDoc{}
	}
	d.docs[id] = decodedDoc{text: text, msg: m}
	d.mu.Unlock()
	return proto.Clone(m), nil
}

func (d *decoded) scriptDef(id, text string) (*actionv1.ActionChainScript, error) {
	m, err := d.get("s/"+id, text, func() proto.Message { return &actionv1.ActionChainScript{} })
	if err != nil {
		return nil, err
	}
	return m.(*actionv1.ActionChainScript), nil
}

func (d *decoded) flowContext(id, text string) (*actionv1.FlowContext, error) {
	m, err := d.get("f/"+id, text, func() proto.Message { return &actionv1.FlowContext{} })
	if err != nil {
		return nil, err
	}
	return m.(*actionv1.FlowContext), nil
}
