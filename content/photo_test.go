package content

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// TestHeadlineAbovePhoto checks the hand-made headlines-before page where
// an article's headline stands above its photo: the headline goes to the
// article below the photo, the photo's title comes from its caption, and
// a photo with nothing after it keeps the headline above it.
func TestHeadlineAbovePhoto(t *testing.T) {
	ed := parseFile(t, "testdata/photo-under-headline.txt", ParseOptions{Date: "2021-07-20"})
	want := []string{
		"article|河滨区开展夏季消防安全检查",
		"photo|工人在城西污水处理厂二期工程调试设备",
		"article|城西污水处理厂二期工程通水",
		"photo|晨光中的清水河",
	}
	var got []string
	for _, a := range ed.Articles {
		got = append(got, string(a.Kind)+"|"+a.DisplayTitle())
	}
	if !slices.Equal(got, want) {
		t.Errorf("items:\n got %q\nwant %q", got, want)
	}
	if len(ed.Warnings) > 0 {
		t.Errorf("warnings: %v", ed.Warnings)
	}
}

// TestHeadlineAbovePhotoVariations generates headlines-before pages with
// one or two photos between a headline and its article, credits on their
// own line or after the caption, and a last photo with or without a
// headline of its own, and checks where each headline goes.
func TestHeadlineAbovePhotoVariations(t *testing.T) {
	article := func(title, who, text string) string {
		return title + "\n\n本报讯（记者" + who + "）" + text + "\n"
	}
	photo := func(caption, who string, ownLine bool) string {
		credit := "本报记者 " + strings.Join(strings.Split(who, ""), " ") + " 摄"
		if ownLine {
			return caption + "\n" + credit + "\n"
		}
		return caption + " " + credit + "\n"
	}
	captions := []string{"7月17日，工人在泵站调试新设备。", "7月18日，技术人员检查管网压力。"}
	for photos := 1; photos <= 2; photos++ {
		for _, ownLine := range []bool{false, true} {
			for _, tail := range []string{"", "晨光中的清水河"} {
				name := fmt.Sprintf("photos=%d/ownLine=%v/tail=%q", photos, ownLine, tail)
				t.Run(name, func(t *testing.T) {
					parts := []string{article("河滨区开展夏季消防安全检查", "孟凡宇", "7月14日，检查组排查隐患四十三处。")}
					parts = append(parts, "城西泵站改造完工\n")
					var want []string
					want = append(want, "article|河滨区开展夏季消防安全检查")
					for i := range photos {
						parts = append(parts, photo(captions[i], "邓子涵", ownLine))
						want = append(want, "photo|"+photoTitle(captions[i]))
					}
					parts = append(parts, "本报讯（记者罗文静）7月19日，城西泵站改造完工，排涝能力提高一倍。\n")
					want = append(want, "article|城西泵站改造完工")
					if tail != "" {
						parts = append(parts, tail+"\n", photo("7月18日清晨，市民在清水河畔晨练。", "孟凡宇", ownLine))
						want = append(want, "photo|"+tail)
					}
					page := strings.Join(parts, "\n")
					ed := parseText(t, page, "2021-07-20.txt")
					var got []string
					for _, a := range ed.Articles {
						got = append(got, string(a.Kind)+"|"+a.DisplayTitle())
					}
					if !slices.Equal(got, want) {
						t.Errorf("items:\n got %q\nwant %q\npage:\n%s", got, want, numbered(page))
					}
					if d := conservationDiff(page, ed); d != "" {
						t.Errorf("not conserved: %s", d)
					}
				})
			}
		}
	}
}

// TestHeadlineBelowPhotoVariations mirrors TestHeadlineAbovePhotoVariations
// for headlines-after pages: an article, its photos, then its headline; the
// headline goes to the article, and a last photo keeps the headline below
// it.
func TestHeadlineBelowPhotoVariations(t *testing.T) {
	photo := func(caption, who string, ownLine bool) string {
		credit := "本报记者 " + strings.Join(strings.Split(who, ""), " ") + " 摄"
		if ownLine {
			return caption + "\n" + credit + "\n"
		}
		return caption + " " + credit + "\n"
	}
	captions := []string{"7月17日，工人在泵站调试新设备。", "7月18日，技术人员检查管网压力。"}
	for photos := 1; photos <= 2; photos++ {
		for _, ownLine := range []bool{false, true} {
			for _, tail := range []string{"", "晨光中的清水河"} {
				name := fmt.Sprintf("photos=%d/ownLine=%v/tail=%q", photos, ownLine, tail)
				t.Run(name, func(t *testing.T) {
					parts := []string{"本报讯（记者孟凡宇）7月14日，检查组排查隐患四十三处。\n", "河滨区开展夏季消防安全检查\n",
						"本报讯（记者罗文静）7月19日，城西泵站改造完工，排涝能力提高一倍。\n"}
					want := []string{"article|河滨区开展夏季消防安全检查", "article|城西泵站改造完工"}
					for i := range photos {
						parts = append(parts, photo(captions[i], "邓子涵", ownLine))
						want = append(want, "photo|"+photoTitle(captions[i]))
					}
					parts = append(parts, "城西泵站改造完工\n")
					if tail != "" {
						parts = append(parts, photo("7月18日清晨，市民在清水河畔晨练。", "孟凡宇", ownLine), tail+"\n")
						want = append(want, "photo|"+tail)
					}
					page := strings.Join(parts, "\n")
					ed := parseText(t, page, "2021-07-20.txt")
					var got []string
					for _, a := range ed.Articles {
						got = append(got, string(a.Kind)+"|"+a.DisplayTitle())
					}
					if !slices.Equal(got, want) {
						t.Errorf("items:\n got %q\nwant %q\npage:\n%s", got, want, numbered(page))
					}
					if d := conservationDiff(page, ed); d != "" {
						t.Errorf("not conserved: %s", d)
					}
				})
			}
		}
	}
}
