package mailer

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
)

// tokenMACBytes is how much of the HMAC-SHA256 a token carries: 128 bits.
const tokenMACBytes = 16

var errBadToken = errors.New("bad unsubscribe token")

var b64 = base64.RawURLEncoding

// UnsubscribeToken signs (list, address) with secret: the token in the
// unsubscribe link, "list.address.mac", each part base64url.
func UnsubscribeToken(secret []byte, list, address string) string {
	return b64.EncodeToString([]byte(list)) + "." + b64.EncodeToString([]byte(address)) + "." +
		b64.EncodeToString(tokenMAC(secret, list, address))
}

func tokenMAC(secret []byte, list, address string) []byte {
	h := hmac.New(sha256.New, secret)
	// The NUL keeps ("ab", "c") and ("a", "bc") apart.
	h.Write([]byte("paperboy unsubscribe\x00" + list + "\x00" + address))
	return h.Sum(nil)[:tokenMACBytes]
}

// ParseUnsubscribeToken checks a token made by UnsubscribeToken and returns
// its list and address, or an error if it is malformed or its MAC does not
// match.
func ParseUnsubscribeToken(secret []byte, token string) (list, address string, err error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return "", "", errBadToken
	}
	var raw [3][]byte
	for i, p := range parts {
		if raw[i], err = b64.DecodeString(p); err != nil {
			return "", "", errBadToken
		}
	}
	list, address = string(raw[0]), string(raw[1])
	if !hmac.Equal(raw[2], tokenMAC(secret, list, address)) {
		return "", "", errBadToken
	}
	return list, address, nil
}

// unsubscribeURL is the link that takes address off list.
func (m *Digests) unsubscribeURL(list, address string) string {
	return m.cfg.Site.URL(m.cfg.UnsubscribePath) + "?t=" + UnsubscribeToken(m.cfg.UnsubscribeSecret, list, address)
}

// Unsubscriber records that an address left a list; *store.Store is one.
type Unsubscriber interface {
	Unsubscribe(ctx context.Context, list, address string) error
}

// UnsubscribeConfig configures UnsubscribeHandler.
type UnsubscribeConfig struct {
	// Secret must be the one the links were signed with
	// (Config.UnsubscribeSecret).
	Secret    []byte
	SiteTitle string
	// Language selects the page strings; default "zh-CN".
	Language string
	Logger   *slog.Logger
}

// UnsubscribeHandler serves the unsubscribe link, ?t=TOKEN: GET shows a
// confirmation page, POST (the page's button, or a mail client's RFC 8058
// one-click "List-Unsubscribe=One-Click") unsubscribes at once. A forged or
// altered token gets 400 and changes nothing.
func UnsubscribeHandler(cfg UnsubscribeConfig, st Unsubscriber) http.Handler {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &unsubscribeHandler{cfg: cfg, cat: CatalogueFor(cfg.Language), st: st}
}

// UnsubscribeHandler is the handler for this mailer's links, unsubscribing
// in the mailer's store.
func (m *Digests) UnsubscribeHandler() http.Handler {
	return UnsubscribeHandler(UnsubscribeConfig{
		Secret: m.cfg.UnsubscribeSecret, SiteTitle: m.cfg.Site.Title, Language: m.cfg.Site.Language, Logger: m.log,
	}, m.store)
}

type unsubscribeHandler struct {
	cfg UnsubscribeConfig
	cat *Catalogue
	st  Unsubscriber
}

type unsubscribeView struct {
	Lang   string
	Site   string
	Title  string
	Text   string
	Button string
	Action string
	Token  string
}

var unsubscribePage = template.Must(template.ParseFS(templateFiles, "templates/unsubscribe.html.tmpl"))

func (h *unsubscribeHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, HEAD, POST")
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}
	token := r.URL.Query().Get("t")
	if r.Method == http.MethodPost {
		r.Body = http.MaxBytesReader(w, r.Body, 4096)
		if err := r.ParseForm(); err != nil {
			h.page(w, http.StatusBadRequest, unsubscribeView{Title: h.cat.UnsubscribeBadLinkTitle, Text: h.cat.UnsubscribeBadLinkText})
			return
		}
		if token == "" {
			token = r.PostForm.Get("t")
		}
	}
	list, address, err := ParseUnsubscribeToken(h.cfg.Secret, token)
	if err != nil {
		h.page(w, http.StatusBadRequest, unsubscribeView{Title: h.cat.UnsubscribeBadLinkTitle, Text: h.cat.UnsubscribeBadLinkText})
		return
	}
	kv := []string{"address", address, "list", list, "site", h.cfg.SiteTitle}
	if r.Method != http.MethodPost {
		h.page(w, http.StatusOK, unsubscribeView{
			Title:  h.cat.UnsubscribeConfirmTitle,
			Text:   fill(h.cat.UnsubscribeConfirmText, kv...),
			Button: h.cat.UnsubscribeConfirmButton,
			// Relative, so the form posts back here wherever the handler
			// is mounted (and behind http.StripPrefix).
			Action: "?" + url.Values{"t": {token}}.Encode(),
			Token:  token,
		})
		return
	}
	if err := h.st.Unsubscribe(r.Context(), list, address); err != nil {
		h.cfg.Logger.Error("unsubscribe_failed", "list", list, "err", err)
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	h.cfg.Logger.Info("unsubscribed", "list", list)
	h.page(w, http.StatusOK, unsubscribeView{Title: h.cat.UnsubscribedTitle, Text: fill(h.cat.UnsubscribedText, kv...)})
}

func (h *unsubscribeHandler) page(w http.ResponseWriter, status int, v unsubscribeView) {
	v.Lang, v.Site = h.cat.Lang, h.cfg.SiteTitle
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(status)
	if err := unsubscribePage.Execute(w, v); err != nil {
		h.cfg.Logger.Error("unsubscribe_page_failed", "err", err)
	}
}
