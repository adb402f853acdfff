// Package deps pins the project's dependencies in go.mod while the packages
// that use them are being written in parallel. It is removed once every
// dependency has a real importer.
package deps

import (
	_ "github.com/BurntSushi/toml"
	_ "github.com/emersion/go-smtp"
	_ "github.com/fsnotify/fsnotify"
	_ "github.com/gorilla/feeds"
	_ "github.com/mmcdole/gofeed"
	_ "github.com/prometheus/client_golang/prometheus"
	_ "github.com/prometheus/client_golang/prometheus/promhttp"
	_ "github.com/robfig/cron/v3"
	_ "github.com/wneessen/go-mail"
	_ "github.com/yuin/goldmark"
	_ "golang.org/x/term"
	_ "golang.org/x/text/encoding/simplifiedchinese"
	_ "golang.org/x/time/rate"
	_ "modernc.org/sqlite"
)
