package web

// Strings are every word the pages show, in one place, so a site in
// another language replaces this one value.
type Strings struct {
	Home           string
	LatestArticles string
	LatestEditions string
	Edition        string // "%s" is the date, e.g. "%s 版"
	EditionCount   string // "%d" is the edition's article count
	EditionLink    string
	Topics         string
	Topic          string
	Subscribe      string
	SubscribeHint  string
	Articles       string // "%d" is the count, e.g. "%d 篇"
	Authors        string
	Updated        string
	Photo          string
	NotFound       string
	NotFoundText   string
	ServerError    string
	ServerErrText  string
	Gone           string
	GoneText       string
	Month          string // "%d年%d月", year, month: a month's archive page
	NoArticles     string
	BackHome       string
	Weekdays       [7]string // Sunday first, as time.Weekday counts
	DateFormat     string    // "%d年%d月%d日", year, month, day
}

// ZhCN is the default: simplified Chinese.
var ZhCN = Strings{
	Home:           "首页",
	LatestArticles: "最新文章",
	LatestEditions: "近期版面",
	Edition:        "%s",
	EditionCount:   "本期共 %d 篇",
	EditionLink:    "本期版面",
	Topics:         "专题",
	Topic:          "专题：%s",
	Subscribe:      "订阅",
	SubscribeHint:  "用 RSS 阅读器订阅，每天自动收到新文章。",
	Articles:       "%d 篇",
	Authors:        "作者",
	Updated:        "更新",
	Photo:          "图片新闻",
	NotFound:       "页面不存在",
	NotFoundText:   "您要找的页面不存在，可能已被移除或地址有误。",
	ServerError:    "服务暂时不可用",
	ServerErrText:  "服务器出了点问题，请稍后再试。",
	Gone:           "文章已撤下",
	GoneText:       "这篇文章已被撤下，不再提供。",
	Month:          "%d年%d月 往期",
	NoArticles:     "暂无文章。",
	BackHome:       "返回首页",
	Weekdays:       [7]string{"星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"},
	DateFormat:     "%d年%d月%d日",
}
