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

// photoText sets a photo's caption with its credit after it or on a line
// of its own.
func photoText(caption, who string, ownLine bool) string {
	credit := "本报记者 " + strings.Join(strings.Split(who, ""), " ") + " 摄"
	if ownLine {
		return caption + "\n" + credit + "\n"
	}
	return caption + " " + credit + "\n"
}

// TestHeadlineNextToPhotoVariations generates pages with one or two
// photos between an article and its headline: headlines before (the
// headline, the photos, then the article) and after (the article, the
// photos, then the headline), credits on their own line or after the
// caption, and a last photo with or without a headline of its own. The
// headline goes to the article, the photos title themselves from their
// captions, and a last photo keeps its own headline.
func TestHeadlineNextToPhotoVariations(t *testing.T) {
	captions := []string{"7月17日，工人在泵站调试新设备。", "7月18日，技术人员检查管网压力。"}
	const (
		firstHead  = "河滨区开展夏季消防安全检查"
		firstBody  = "本报讯（记者孟凡宇）7月14日，检查组排查隐患四十三处。\n"
		secondHead = "城西泵站改造完工"
		secondBody = "本报讯（记者罗文静）7月19日，城西泵站改造完工，排涝能力提高一倍。\n"
		tailHead   = "晨光中的清水河"
		tailPhoto  = "7月18日清晨，市民在清水河畔晨练。"
	)
	for _, before := range []bool{true, false} {
		for photos := 1; photos <= 2; photos++ {
			for _, ownLine := range []bool{false, true} {
				for _, tail := range []bool{false, true} {
					name := fmt.Sprintf("before=%v/photos=%d/ownLine=%v/tail=%v", before, photos, ownLine, tail)
					t.Run(name, func(t *testing.T) {
						var pics []string
						want := []string{"article|" + firstHead}
						photoItems := []string{}
						for i := range photos {
							pics = append(pics, photoText(captions[i], "邓子涵", ownLine))
							photoItems = append(photoItems, "photo|"+photoTitle(captions[i]))
						}
						var parts []string
						if before {
							parts = slices.Concat([]string{firstHead + "\n", firstBody, secondHead + "\n"}, pics, []string{secondBody})
							want = slices.Concat(want, photoItems, []string{"article|" + secondHead})
						} else {
							parts = slices.Concat([]string{firstBody, firstHead + "\n", secondBody}, pics, []string{secondHead + "\n"})
							want = slices.Concat(want, []string{"article|" + secondHead}, photoItems)
						}
						if tail && before {
							parts = append(parts, tailHead+"\n", photoText(tailPhoto, "孟凡宇", ownLine))
						} else if tail {
							parts = append(parts, photoText(tailPhoto, "孟凡宇", ownLine), tailHead+"\n")
						}
						if tail {
							want = append(want, "photo|"+tailHead)
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
}
