package intercept

import (
	"bufio"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/zstd"
)

// decodeBody undoes a Content-Encoding (gzip, deflate, br, zstd, or a list
// of them) into dst, refusing to produce more than max bytes.
func decodeBody(dst *bytes.Buffer, body []byte, encoding string, max int64) error {
	codings := strings.Split(encoding, ",")
	src := body
	for i := len(codings) - 1; i >= 0; i-- { // applied in order, undone in reverse
		coding := strings.ToLower(strings.TrimSpace(codings[i]))
		if coding == "" || coding == "identity" {
			continue
		}
		r, err := decoder(coding, bytes.NewReader(src))
		if err != nil {
			return err
		}
		dst.Reset()
		n, err := dst.ReadFrom(io.LimitReader(r, max+1))
		if c, ok := r.(io.Closer); ok {
			c.Close()
		}
		if err != nil {
			return fmt.Errorf("decoding %s: %w", coding, err)
		}
		if n > max {
			return errResponseTooBig
		}
		src = append([]byte(nil), dst.Bytes()...)
	}
	dst.Reset()
	dst.Write(src)
	return nil
}

// maxZstdMemory is the most memory, in bytes, a zstd decoder may use for
// its window: 64 MiB. A stream that asks for more does not decode.
const maxZstdMemory = 64 << 20

func decoder(coding string, src io.Reader) (io.Reader, error) {
	switch coding {
	case "gzip", "x-gzip":
		return gzip.NewReader(src)
	case "deflate":
		br := bufio.NewReader(src)
		if h, err := br.Peek(2); err == nil && h[0]&0x0f == 8 && (uint(h[0])<<8|uint(h[1]))%31 == 0 {
			return zlib.NewReader(br)
		}
		return flate.NewReader(br), nil // raw deflate, as some servers send
	case "br":
		return brotli.NewReader(src), nil
	case "zstd":
		d, err := zstd.NewReader(src, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(maxZstdMemory))
		if err != nil {
			return nil, err
		}
		return d.IOReadCloser(), nil
	}
	return nil, errors.New("unknown content encoding " + coding)
}

// firstByte returns the first byte of body, once decoded, that is not JSON
// white space or a byte order mark; ok is false while there is none yet
// (or the part in hand does not decode). Decoding stops at that byte, and
// after max bytes.
func firstByte(body []byte, encoding string, max int64) (c byte, ok bool) {
	if encoding == "" || strings.EqualFold(encoding, "identity") {
		return firstOf(body)
	}
	codings := strings.Split(encoding, ",")
	var r io.Reader = bytes.NewReader(body)
	for i := len(codings) - 1; i >= 0; i-- {
		coding := strings.ToLower(strings.TrimSpace(codings[i]))
		if coding == "" || coding == "identity" {
			continue
		}
		var err error
		if r, err = decoder(coding, r); err != nil {
			return 0, false
		}
		if c, ok := r.(io.Closer); ok {
			defer c.Close()
		}
	}
	var chunk [512]byte
	for read := int64(0); read <= max; {
		n, err := r.Read(chunk[:])
		read += int64(n)
		if c, ok := firstOf(chunk[:n]); ok {
			return c, true
		}
		if err != nil {
			return 0, false
		}
	}
	return 0, false
}

// firstOf is the first byte of b that is neither JSON white space nor a
// byte of a UTF-8 byte order mark.
func firstOf(b []byte) (byte, bool) {
	for _, c := range b {
		switch c {
		case ' ', '\t', '\n', '\r', 0xef, 0xbb, 0xbf:
			continue
		}
		return c, true
	}
	return 0, false
}
