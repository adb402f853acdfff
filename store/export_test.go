package store

// MatchSimilarity exposes the correction matcher's measure and thresholds
// to the external tests, which read the shared sample page.
func MatchSimilarity(a, b string) float64 { return similarity(a, b) }

// MatchText is matchText for external tests: an article as the matcher
// compares it.
func MatchText(kicker, title, subtitle string, paragraphs []string) string {
	return matchText(kicker, title, subtitle, string(appendJSONStrings(nil, paragraphs)))
}

// Match thresholds, for external tests.
const (
	MatchAnywhere = matchAnywhere
	MatchInPlace  = matchInPlace
)
