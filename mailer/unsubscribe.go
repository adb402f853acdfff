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

	"github.com/paperboy-news/paperboy/internal/seal"
	"github.com/paperboy-news/paperboy/site"
)

// tokenMACBytes is how much of the HMAC-SHA256 a legacy token carries:
// 128 bits.
const tokenMACBytes = 16

var errBadToken = errors.New("bad unsubscribe token")

var b64 = base64.RawURLEncoding

// UnsubscribeKeys makes and opens the tokens of one site's unsubscribe
// links. A token is opaque: (list, address) sealed with AES-256-GCM under a
// key derived from the first secret, the site bound in as associated data,
// so the address is not readable in logs or link scanners and a token of
// another site (or another paperboy sharing the secret) does not open.
// Every secret opens tokens, so a secret can be rotated: put the new one
// first and keep the old ones listed while mail signed with them is still
// in inboxes. Tokens of the earlier format ("list.address.mac", base64url
// parts, HMAC-SHA256) still open while their secret is listed.
type UnsubscribeKeys struct {
	secrets [][]byte // for tokens of the earlier format
	keys    *seal.Keys
}

// NewUnsubscribeKeys returns the keys of the site at baseURL with secrets,
// the first of which seals new tokens. It panics without a secret: the
// configuration is checked before (Config's validation).
func NewUnsubscribeKeys(baseURL string, secrets ...[]byte) *UnsubscribeKeys {
	if len(secrets) == 0 {
		panic("mailer: NewUnsubscribeKeys without a secret")
	}
	keys, err := seal.New("paperboy unsubscribe v2", []byte(siteOf(baseURL)), secrets)
	if err != nil {
		panic(err) // only without a secret, ruled out above
	}
	return &UnsubscribeKeys{secrets: secrets, keys: keys}
}

// siteOf is what a token is bound to (site.LinkScope).
func siteOf(baseURL string) string {
	u, err := url.Parse(baseURL)
	if err != nil || u.Host == "" {
		return strings.TrimRight(baseURL, "/")
	}
	return site.LinkScope(u)
}

// Token is the token that takes address off list. It is deterministic
// (its nonce is derived from the sealed values, as in SIV), so a message
// sent again carries the same link.
func (k *UnsubscribeKeys) Token(list, address string) string {
	return k.keys.SealDeterministic([]byte(list + "\x00" + address))
}

// Parse opens a token made by Token (with any listed secret) or of the
// earlier format, and returns its list and address, or an error if it is
// malformed, altered, of another site or sealed with an unlisted secret.
func (k *UnsubscribeKeys) Parse(token string) (list, address string, err error) {
	if strings.Count(token, ".") == 2 {
		for _, sec := range k.secrets {
			if list, address, err = parseLegacyToken(sec, token); err == nil {
				return list, address, nil
			}
		}
		return "", "", errBadToken
	}
	plain, err := k.keys.Open(token)
	if err != nil {
		return "", "", errBadToken
	}
	list, address, ok := strings.Cut(string(plain), "\x00")
	if !ok {
		return "", "", errBadToken
	}
	return list, address, nil
}

// legacyToken is a token of the earlier format, "list.address.mac" with
// each part base64url, as mail sent before opaque tokens carries.
func legacyToken(secret []byte, list, address string) string {
	return b64.EncodeToString([]byte(list)) + "." + b64.EncodeToString([]byte(address)) + "." +
		b64.EncodeToString(tokenMAC(secret, list, address))
}

func tokenMAC(secret []byte, list, address string) []byte {
	h := hmac.New(sha256.New, secret)
	// The NUL keeps ("ab", "c") and ("a", "bc") apart.
	h.Write([]byte("paperboy unsubscribe\x00" + list + "\x00" + address))
	return h.Sum(nil)[:tokenMACBytes]
}

// parseLegacyToken checks a token made by legacyToken.
func parseLegacyToken(secret []byte, token string) (list, address string, err error) {
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
	return m.cfg.Site.URL(m.cfg.UnsubscribePath) + "?t=" + m.unsubKeys.Token(list, address)
}

// Unsubscriber records that an address left a list; *store.Store is one.
type Unsubscriber interface {
	Unsubscribe(ctx context.Context, list, address string) error
}

// UnsubscribeConfig configures UnsubscribeHandler.
type UnsubscribeConfig struct {
	// Keys open the links' tokens (Digests.UnsubscribeKeys).
	Keys      *UnsubscribeKeys
	SiteTitle string
	// Language selects the page strings; default "zh-CN".
	Language string
	Logger   *slog.Logger
	// ManageURL, if set, is the preferences page: a GET of a link with
	// "manage" (the digests' "manage subscription" link, which carries
	// the same token) is sent there.
	ManageURL string
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
		Keys: m.unsubKeys, SiteTitle: m.cfg.Site.Title, Language: m.cfg.Site.Language, Logger: m.log,
		ManageURL: m.cfg.Site.Path(site.ManagePath),
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
	// Manage links the preferences page (to come back, or change lists)
	// once the reader has left.
	Manage, ManageText string
}

var unsubscribePage = template.Must(template.ParseFS(templateFiles, "templates/unsubscribe.html.tmpl"))

func (h *unsubscribeHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, HEAD, POST")
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}
	token := r.URL.Query().Get("t")
	if r.Method != http.MethodPost && r.URL.Query().Has("manage") && h.cfg.ManageURL != "" {
		http.Redirect(w, r, h.cfg.ManageURL+"?"+url.Values{"t": {token}}.Encode(), http.StatusSeeOther)
		return
	}
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
	list, address, err := h.cfg.Keys.Parse(token)
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
	v := unsubscribeView{Title: h.cat.UnsubscribedTitle, Text: fill(h.cat.UnsubscribedText, kv...)}
	if h.cfg.ManageURL != "" {
		v.Manage, v.ManageText = h.cfg.ManageURL+"?"+url.Values{"t": {token}}.Encode(), h.cat.ManageSubscription
	}
	h.page(w, http.StatusOK, v)
}

func (h *unsubscribeHandler) page(w http.ResponseWriter, status int, v unsubscribeView) {
	v.Lang, v.Site = h.cat.Lang, h.cfg.SiteTitle
	site.SetTokenPageHeaders(w.Header())
	w.WriteHeader(status)
	if err := unsubscribePage.Execute(w, v); err != nil {
		h.cfg.Logger.Error("unsubscribe_page_failed", "err", err)
	}
}
