package intercept

import (
	"bytes"
	"sync"
)

// The pools below keep the buffers a request needs from one request to
// the next. A buffer that a rare large body grew goes to the collector
// instead, so that the pools do not keep large buffers alive.

// maxPooledBuffer is the largest capacity, in bytes, a buffer may have to
// go back to its pool: 4 MiB.
const maxPooledBuffer = 4 << 20

// filteredBufferSize is the capacity, in bytes, a new buffer for filtered
// response bodies starts with: 32 KiB, room for most bodies without
// growing.
const filteredBufferSize = 32 << 10

// bodyBuffer is a pooled buffer holding a request body while the request
// is served.
type bodyBuffer struct {
	bytes.Buffer
	sent sentBody // the body handed on, pooled with the buffer: both go to the collector while the transport may read it
}

var bodyPool = sync.Pool{New: func() any { return new(bodyBuffer) }}

func (b *bodyBuffer) release() {
	if b.Cap() > maxPooledBuffer {
		return // let big buffers go
	}
	b.Reset()
	bodyPool.Put(b)
}

// bufferPool holds the buffers responses are read into.
var bufferPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// releaseBuffer gives b back to bufferPool.
func releaseBuffer(b *bytes.Buffer) {
	if b.Cap() <= maxPooledBuffer {
		b.Reset()
		bufferPool.Put(b)
	}
}

// rewritePool holds the buffers rewritten request bodies are written into;
// they start empty and grow to the bodies they hold.
var rewritePool = sync.Pool{New: func() any { return new([]byte) }}

// slicePool holds the buffers filtered bodies are written into.
var slicePool = sync.Pool{New: func() any { b := make([]byte, 0, filteredBufferSize); return &b }}

// validators holds the decoders that check request bodies (see validator).
var validators = sync.Pool{New: func() any { return new(validator) }}
