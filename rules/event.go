package rules

import (
	"bytes"
	"time"

	"github.com/tidwall/gjson"
)

// eventIDMark stands for the id in a built event, so one event serves
// several webhooks that each need their own id.
const eventIDMark = `"id":"\u0000"`

// event builds the default webhook event: the resource, the action, the
// route's parameters, the records the client received (always an array),
// old as the caller may read it, the caller's id, the request's id and the
// time, with eventIDMark for its id.
func (a *AsyncInput) event(readOld *Program, in *Input, target gjson.Result) []byte {
	b := make([]byte, 0, 256+len(target.Raw))
	b = append(b, '{')
	b = append(b, eventIDMark...)
	b = append(b, `,"resource":`...)
	b = appendString(b, in.Resource)
	b = append(b, `,"action":`...)
	b = appendString(b, in.Action)
	b = append(b, `,"params":`...)
	params := map[string]any{}
	if a.Params != nil {
		for k, v := range a.Params() {
			params[k] = v
		}
	}
	b, _ = appendJSON(b, params)
	b = append(b, `,"records":`...)
	switch {
	case target.IsArray():
		b = append(b, target.Raw...)
	case target.IsObject():
		b = append(b, '[')
		b = append(b, target.Raw...)
		b = append(b, ']')
	default:
		b = append(b, "[]"...)
	}
	b = append(b, `,"old":`...)
	b = append(b, readableOld(readOld, in)...)
	b = append(b, `,"user":`...)
	var userID any
	if u, ok := in.User.(map[string]any); ok {
		userID = u["id"]
	}
	b, _ = appendJSON(b, userID)
	b = append(b, `,"request_id":`...)
	requestID := ""
	if a.RequestID != nil {
		requestID = a.RequestID()
	}
	b = appendString(b, requestID)
	b = append(b, `,"time":`...)
	now := a.Now
	if now.IsZero() {
		now = time.Now()
	}
	b = appendString(b, now.UTC().Format(time.RFC3339Nano))
	return append(b, '}')
}

// withEventID copies the event with its id filled in.
func withEventID(event []byte, id string) []byte {
	i := bytes.Index(event, []byte(eventIDMark))
	out := make([]byte, 0, len(event)+len(id))
	out = append(out, event[:i]...)
	out = append(out, `"id":`...)
	out = appendString(out, id)
	return append(out, event[i+len(eventIDMark):]...)
}

// readableOld is the old record less what read removes for this caller
// (see OldReadBy); null when there is no old record or read would not
// show it.
func readableOld(read *Program, in *Input) []byte {
	if in.Old == nil {
		return []byte("null")
	}
	raw, err := appendJSON(nil, in.Old)
	if err != nil {
		return []byte("null")
	}
	if read.Empty() {
		return raw
	}
	get := *in
	get.Action = "get"
	res, err := read.RunAfter(&get, raw, Shape{}, nil)
	switch {
	case err != nil || res.Reject != nil:
		return []byte("null")
	case res.Body != nil:
		return res.Body
	}
	return raw
}
