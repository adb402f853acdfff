package site

import "net/http"

// SetTokenPageHeaders sets the headers of an HTML page whose URL or form
// carries a reader's token (sign-up confirmation, preferences,
// unsubscribe): never cached, no referrer (the token would leak with it),
// no MIME sniffing, and no framing by another site, since its buttons act
// at once and a framing site could have a reader press one unawares. The
// page may use an inline style sheet and post forms to this site, nothing
// else.
func SetTokenPageHeaders(h http.Header) {
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
}
