package mailer

import "github.com/paperboy-news/paperboy/site"

// Catalogue is the site's words as the mail and the unsubscribe pages use
// them; the one catalogue lives in package site, so mail, pages and feeds
// speak the site's language alike.
type Catalogue = site.Words

// CatalogueFor returns the words for lang (see site.WordsFor), or the
// Chinese ones for a language paperboy has none for: the unsubscribe
// handler must answer even when mounted with settings it cannot check.
func CatalogueFor(lang string) *Catalogue {
	if w := site.WordsFor(lang); w != nil {
		return w
	}
	return site.WordsFor("zh-CN")
}

// fill replaces each {key} in s with its value.
func fill(s string, kv ...string) string { return site.Fill(s, kv...) }
