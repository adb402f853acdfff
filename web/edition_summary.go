package web

import "time"

// EditionSummary is one edition as the store lists it.
// TODO(merge): becomes `type EditionSummary = store.EditionSummary` when
// the store's edition methods land on main.
type EditionSummary struct {
	Date     string
	Articles int
	Updated  time.Time
}
