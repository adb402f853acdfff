package store

import (
	"context"
	"errors"
	"testing"

	"github.com/paperboy-news/paperboy/content"
)

// TestSavePreparedReplacesRenamedSource: an edition saved with
// MayReplace takes over a gone source only when it is that source renamed
// (same hash, or most articles alike both ways); then the old articles go
// and their ids redirect to the new ones.
func TestSavePreparedReplacesRenamedSource(t *testing.T) {
	const oldDate, newDate = "2021-07-20", "2021-07-19"
	titles := []string{"防汛会议召开", "街道强化措施确保安全度汛", "企业获专项资金", "生态环境局开展应急演练", "创新实施爱老工程"}
	others := []string{"青川县举办农民丰收节", "河滨区举办夏季专场招聘会", "城东菜市场完成提升改造", "河滨区开展消防安全检查", "清水河抢险实战演练", "县城新建三座公园"}
	edition := func(date string, ts ...string) content.Edition {
		as := make([]content.Article, len(ts))
		for i, title := range ts {
			as[i] = testArticle(date, title)
		}
		ed := testEdition(date, as...)
		ed.Source = "pages/" + date + ".txt"
		for i := range ed.Articles {
			ed.Articles[i].Source = ed.Source
		}
		return ed
	}
	tests := []struct {
		name      string
		ed        content.Edition
		hash      string
		candidate bool
		replaced  bool
	}{
		{"same hash", edition(newDate, titles...), "h-old", true, true},
		{"one article corrected", func() content.Edition {
			ed := edition(newDate, titles...)
			ed.Articles[1].Paragraphs[0] = "街道连夜加固堤防，确保安全度汛。"
			return ed
		}(), "h-new", true, true},
		{"another day's page", edition(newDate, others...), "h-new", true, false},
		{"merged into a larger page", edition(newDate, append(append([]string{}, titles...), others...)...), "h-new", true, false},
		{"not a candidate", edition(newDate, titles...), "h-old", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eachDriver(t, func(t *testing.T, db testDB) {
				ctx := context.Background()
				s := db.open(t)
				old := edition(oldDate, titles...)
				mustSave(t, s, old, "h-old")
				p, err := PrepareEdition(tt.ed)
				if err != nil {
					t.Fatal(err)
				}
				if tt.candidate {
					p.MayReplace(old.Source, "pages/never-stored.txt")
				}
				change, err := s.SavePrepared(ctx, p, tt.hash)
				if err != nil {
					t.Fatal(err)
				}
				kept, err := s.EditionArticles(ctx, oldDate)
				if !tt.replaced {
					if change.Replaced != "" || err != nil || len(kept) != len(titles) {
						t.Errorf("replaced %q; old edition %d articles, %v; want it kept whole", change.Replaced, len(kept), err)
					}
					return
				}
				if change.Replaced != old.Source || change.Removed != len(titles) || !errors.Is(err, ErrNotFound) {
					t.Fatalf("change %+v, old edition %d articles (%v); want %s replaced, its %d articles removed", change, len(kept), err, old.Source, len(titles))
				}
				if hashes, err := s.SourceHashes(ctx); err != nil || len(hashes) != 1 {
					t.Errorf("sources %v, %v; want only the new one", hashes, err)
				}
				newIDs := map[string]bool{}
				for _, a := range tt.ed.Articles {
					newIDs[a.ID] = true
				}
				for _, a := range old.Articles {
					if to, err := s.GoneArticle(ctx, a.ID); err != nil || !newIDs[to] {
						t.Errorf("old %q moved to %q (%v); want one of the new ids", a.Title, to, err)
					}
				}
			})
		})
	}
}
