package web

import "github.com/paperboy-news/paperboy/store"

// EditionSummary is one edition as the store lists it.
type EditionSummary = store.EditionSummary
