package feed

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Resource is a ready response: a body rendered once, its gzip form
// compressed at most once, and the validators that let clients skip it.
// Serving it is a lookup; it is safe for concurrent use.
type Resource struct {
	// ContentType includes the charset, e.g. "application/atom+xml; charset=utf-8".
	ContentType string
	// Body is the identity representation.
	Body []byte
	// ETag is the strong validator of Body: a quoted SHA-256 prefix. The
	// gzip representation's is ETag with "-gz" before the closing quote.
	ETag string
	// Modified is the content's last change, sent as Last-Modified.
	Modified time.Time
	// CacheControl is sent as is.
	CacheControl string
	// CORS lets scripts on other sites read it (JSON Feed readers in the
	// browser): Access-Control-Allow-Origin: *.
	CORS bool

	gzipOnce sync.Once
	gzipped  []byte
}

// minGzip is the smallest body worth a gzip round trip.
const minGzip = 512

// NewResource prepares body for serving. modified is the content's own
// last-change time (for a feed, its newest item's), not the render time,
// so re-rendering unchanged content changes no header. The gzip form is
// made on the first request that accepts it, or by Precompress.
func NewResource(contentType string, body []byte, modified time.Time, cacheControl string) *Resource {
	sum := sha256.Sum256(body)
	return &Resource{
		ContentType:  contentType,
		Body:         body,
		ETag:         `"` + hex.EncodeToString(sum[:12]) + `"`,
		Modified:     modified.UTC().Truncate(time.Second),
		CacheControl: cacheControl,
	}
}

// Precompress makes the gzip form now, so no request waits for it.
func (r *Resource) Precompress() { r.Gzipped() }

// Gzipped is the gzip form of Body, or nil when Body is too small or does
// not shrink.
func (r *Resource) Gzipped() []byte {
	if len(r.Body) < minGzip {
		return nil
	}
	r.gzipOnce.Do(func() {
		var b bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
		zw.Write(r.Body)
		zw.Close()
		if b.Len() < len(r.Body) {
			r.gzipped = b.Bytes()
		}
	})
	return r.gzipped
}

// ServeHTTP writes the resource, or 304 Not Modified when the request's
// If-None-Match or If-Modified-Since says the client has it, gzipped when
// Accept-Encoding asks for gzip. HEAD gets the headers only.
func (r *Resource) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	h := w.Header()
	h.Set("Content-Type", r.ContentType)
	if r.CacheControl != "" {
		h.Set("Cache-Control", r.CacheControl)
	}
	h.Set("X-Content-Type-Options", "nosniff")
	if r.CORS {
		h.Set("Access-Control-Allow-Origin", "*")
	}
	wantGzip := false
	if len(r.Body) >= minGzip {
		h.Add("Vary", "Accept-Encoding")
		wantGzip = acceptsGzip(req.Header.Values("Accept-Encoding"))
	}
	if !r.Modified.IsZero() {
		h.Set("Last-Modified", r.Modified.Format(http.TimeFormat))
	}
	if notModified(req, r.ETag, r.Modified) {
		// The tag of the representation the client would have got; the
		// 304 itself carries no body and so no Content-Type.
		etag := r.ETag
		if wantGzip {
			etag = gzipETag(etag)
		}
		h.Set("ETag", etag)
		h.Del("Content-Type")
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body, etag := r.Body, r.ETag
	if wantGzip {
		if gz := r.Gzipped(); gz != nil {
			body, etag = gz, gzipETag(r.ETag)
			h.Set("Content-Encoding", "gzip")
		}
	}
	h.Set("ETag", etag)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if req.Method != http.MethodHead {
		w.Write(body)
	}
}

func gzipETag(etag string) string { return strings.TrimSuffix(etag, `"`) + `-gz"` }

// notModified applies RFC 9110's precedence: If-None-Match when present
// (either representation's tag matches), else If-Modified-Since.
func notModified(req *http.Request, etag string, modified time.Time) bool {
	if req.Method != http.MethodGet && req.Method != http.MethodHead {
		return false
	}
	if inm := req.Header.Values("If-None-Match"); len(inm) > 0 {
		gz := gzipETag(etag)
		for _, v := range inm {
			for _, tag := range strings.Split(v, ",") {
				tag = strings.TrimPrefix(strings.TrimSpace(tag), "W/")
				if tag == "*" || tag == etag || tag == gz {
					return true
				}
			}
		}
		return false
	}
	ims := req.Header.Get("If-Modified-Since")
	if ims == "" || modified.IsZero() {
		return false
	}
	t, err := http.ParseTime(ims)
	return err == nil && !modified.After(t)
}

// acceptsGzip reports whether an Accept-Encoding header allows gzip
// (listed, or "*", without q=0).
func acceptsGzip(values []string) bool {
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			coding = strings.ToLower(strings.TrimSpace(coding))
			if coding != "gzip" && coding != "x-gzip" && coding != "*" {
				continue
			}
			q := 1.0
			for _, p := range strings.Split(params, ";") {
				k, val, ok := strings.Cut(strings.TrimSpace(p), "=")
				if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
					if f, err := strconv.ParseFloat(strings.TrimSpace(val), 64); err == nil {
						q = f
					}
				}
			}
			if q > 0 {
				return true
			}
		}
	}
	return false
}
