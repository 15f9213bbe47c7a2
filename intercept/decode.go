package intercept

import (
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
		r, err := decoder(coding, src)
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

func decoder(coding string, src []byte) (io.Reader, error) {
	switch coding {
	case "gzip", "x-gzip":
		return gzip.NewReader(bytes.NewReader(src))
	case "deflate":
		if r, err := zlib.NewReader(bytes.NewReader(src)); err == nil {
			return r, nil
		}
		return flate.NewReader(bytes.NewReader(src)), nil // raw deflate, as some servers send
	case "br":
		return brotli.NewReader(bytes.NewReader(src)), nil
	case "zstd":
		d, err := zstd.NewReader(bytes.NewReader(src), zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(uint64(64<<20)))
		if err != nil {
			return nil, err
		}
		return d.IOReadCloser(), nil
	}
	return nil, errors.New("unknown content encoding " + coding)
}
