package store_test

import (
	"strings"
	"testing"

	"github.com/paperboy-news/paperboy/internal/fixture"
	"github.com/paperboy-news/paperboy/store"
)

// TestMatchThresholdsOnSamplePage: on a real page, no two different
// articles are similar enough to be taken for corrections of each other,
// even in the same place, while a headline typo fix or a corrected figure
// is far above the bar anywhere on the page.
func TestMatchThresholdsOnSamplePage(t *testing.T) {
	arts := fixture.SampleEdition(t).Articles
	text := func(i int) string {
		a := arts[i]
		return store.MatchText(a.Kicker, a.Title, a.Subtitle, a.Paragraphs)
	}
	highest := 0.0
	for i := range arts {
		for j := i + 1; j < len(arts); j++ {
			if s := store.MatchSimilarity(text(i), text(j)); s > highest {
				highest = s
			}
		}
	}
	if highest >= store.MatchInPlace {
		t.Errorf("two different articles of the page are %.2f similar, at or above the in-place bar %.2f", highest, store.MatchInPlace)
	}
	for i, a := range arts {
		fixed := a
		fixed.Title = strings.Replace(a.Title, "示范区", "示范区的", 1) + "（更正）"
		if len(a.Paragraphs) > 0 {
			fixed.Paragraphs = append([]string{strings.Replace(a.Paragraphs[0], "7", "8", 1)}, a.Paragraphs[1:]...)
		}
		if s := store.MatchSimilarity(text(i), store.MatchText(fixed.Kicker, fixed.Title, fixed.Subtitle, fixed.Paragraphs)); s < store.MatchAnywhere {
			t.Errorf("%q corrected is only %.2f similar, under the bar %.2f", a.Title, s, store.MatchAnywhere)
		}
	}
	t.Logf("highest similarity of two different articles: %.2f", highest)
}
