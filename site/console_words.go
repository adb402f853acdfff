package site

// ConsoleWords are the words of the admin console (/admin/), in the
// site's language like every other word paperboy shows: the people who
// run a district paper's newsletter read the language the paper is in.
// Strings may hold {placeholders}, filled in by Fill.
type ConsoleWords struct {
	Lang string

	Title, Login, LoginHint, LoginName, Token, LoginButton, LoginFailed, TooManyLogins, Logout string
	Forbidden                                                                                  string

	Overview, Jobs, Digests, AuditLog, Problems, NoProblems           string
	Schedule, NextRuns, LastRuns, Never, Running, TriggerOnly         string
	Sent, Pending, Failed, Skipped, Duration, Slot, Outcome, Trigger  string
	ConfigError, ConfigErrorAt, FailedRun, StaleLease, NoLease, Lease string // ConfigErrorAt: {file} {line} {key}; FailedRun: {job} {when} {error}; StaleLease: {holder} {expired}

	Edit, EditTitle, Save, PreviewRuns, Cancel, Paused, PausedHint, Resume, Pause string // EditTitle: {digest}
	CatchUp, CatchUpHint, SkipEmpty, SkipEmptyHint, Lists, Topics, TopicsHint     string
	ScheduleHint, NewNextRuns, Saved, NoChange, FileChanged, Refused, Reloaded    string // Saved: {count} Reloaded: {time}
	ReloadFailed                                                                  string

	RunNow, RunStarted, RunBusy, PreviewMail, TestSend, TestSendTo, TestSent, TestFailed, PreviewFailed string // RunStarted: {job}; TestSent: {to}
	Run, Deliveries, Recipient, List, Status, Attempts, Reply, Subject, Articles                        string // Run: {id}
	RetryFailed, RetryHint, ResumeRun, Retried, NoDeliveries                                            string // Retried: {count}
	// TestFallback follows TestSent when nothing was new and the test
	// carried the latest edition ({date}) instead.
	TestFallback string
	// RunElsewhere answers "run now" on an instance that does not run the
	// schedule (a standby).
	RunElsewhere string
	// ArchivedIssue links a run's page in the web archive of digests.
	ArchivedIssue string

	When, Who, Action, Key, Change string
	Colon                          string // after a label
	// Suppressed heads the counts of addresses no digest goes to.
	Suppressed string
	// Outcomes names job outcomes and run and delivery statuses.
	Outcomes map[string]string

	// Schedules in words. {time} is "07:00" or several joined by
	// TimeSeparator; {days} weekday or month-day lists.
	EveryDay, OnWeekdays, OnDaysOfMonth, EveryNMinutes, EveryNHours, Hourly, EveryInterval, RawSpec string
	// WorkingDays and Weekends are OnWeekdays for Monday to Friday and
	// for Saturday and Sunday.
	WorkingDays, Weekends     string
	TimeSeparator, ZoneSuffix string
	WeekdayNames              [7]string
	// Zones names time zones readers know by another name.
	Zones map[string]string
}

var consoleZH = ConsoleWords{
	Lang:          "zh-CN",
	Title:         "paperboy 管理",
	Login:         "登录",
	LoginHint:     "输入管理令牌（环境变量里设置的那个）；管理员名单上的人也可以填自己的名字和密码。",
	LoginName:     "你的名字（记入操作记录）",
	Token:         "管理令牌或密码",
	LoginButton:   "登录",
	LoginFailed:   "令牌或密码不对。",
	TooManyLogins: "尝试次数太多，请稍后再试。",
	Logout:        "退出",
	Forbidden:     "请先登录，或刷新页面后再提交。",

	Overview:      "概览",
	Jobs:          "任务",
	Digests:       "邮件摘要",
	AuditLog:      "操作记录",
	Problems:      "需要处理",
	NoProblems:    "一切正常。",
	Schedule:      "时间",
	NextRuns:      "接下来五次",
	LastRuns:      "最近运行",
	Never:         "从未运行",
	Running:       "运行中",
	TriggerOnly:   "不按时间运行，只在触发时运行",
	Sent:          "已发",
	Pending:       "待发",
	Failed:        "失败",
	Skipped:       "跳过",
	Duration:      "用时",
	Slot:          "计划时间",
	Outcome:       "结果",
	Trigger:       "触发",
	ConfigError:   "配置文件有错，正在沿用上次的设置：",
	ConfigErrorAt: "{file} 第 {line} 行 {key}",
	FailedRun:     "{job} 在 {when} 运行失败：{error}",
	StaleLease:    "调度锁过期未续（持有者 {holder}，{expired} 过期）：调度可能停了。",
	NoLease:       "没有进程持有调度锁：调度没有在运行。",
	Lease:         "调度锁",

	Edit:          "修改",
	EditTitle:     "修改“{digest}”",
	Save:          "保存",
	PreviewRuns:   "预览时间",
	Cancel:        "返回",
	Paused:        "已暂停",
	PausedHint:    "暂停后不按时间发送，恢复后从下一次开始，不补发暂停期间的。",
	Resume:        "恢复",
	Pause:         "暂停",
	CatchUp:       "补发时限",
	CatchUpHint:   "停机后错过的一次，在这么久以内仍会补发，例如 3h、30m；0 表示不补发。",
	SkipEmpty:     "没有新文章时不发",
	SkipEmptyHint: "这次运行记为“跳过”，不发邮件；下次有新文章再发。",
	Lists:         "收件名单",
	Topics:        "专题",
	TopicsHint:    "都不选就是全部文章。",
	ScheduleHint:  "cron 格式：分 时 日 月 周，例如 30 6 * * * 是每天 06:30。",
	NewNextRuns:   "按新设置，接下来五次：",
	Saved:         "已保存到配置文件（改了 {count} 行），已重新加载。",
	NoChange:      "没有改动。",
	FileChanged:   "配置文件在你打开这页之后被别人改过了。下面是现在的内容，请重新修改。",
	Refused:       "没有保存，配置检查没通过：",
	Reloaded:      "配置于 {time} 加载",
	ReloadFailed:  "已保存，但重新加载失败：",

	RunNow:        "立即运行",
	RunStarted:    "{job} 已开始运行。",
	RunBusy:       "{job} 正在运行，请等它结束。",
	PreviewMail:   "预览邮件",
	TestSend:      "测试发送",
	TestSendTo:    "测试邮件发给（你的邮箱）",
	TestSent:      "测试邮件已发给 {to}。",
	TestFailed:    "测试发送失败：",
	PreviewFailed: "预览失败：",
	Run:           "第 {id} 次发送",
	Deliveries:    "投递",
	Recipient:     "收件人",
	List:          "名单",
	Status:        "状态",
	Attempts:      "尝试",
	Reply:         "服务器回复",
	Subject:       "标题",
	Articles:      "文章数",
	RetryFailed:   "重发失败的",
	RetryHint:     "只重发服务器没收下的，已发出的不会再发；补发时限内才可以。",
	ResumeRun:     "继续发送",
	Retried:       "{count} 封重新排队，正在发送。",
	NoDeliveries:  "没有投递。",
	TestFallback:  "现在没有新文章，测试邮件用的是 {date} 的版面。",
	RunElsewhere:  "这个实例没有在运行调度（备用实例，或正在关闭）：请到运行调度的那个实例上操作。",
	ArchivedIssue: "网页版（往期存档）",

	When:       "时间",
	Who:        "操作人",
	Action:     "操作",
	Key:        "项目",
	Change:     "改动",
	Colon:      "：",
	Suppressed: "停发地址",
	Outcomes: map[string]string{
		"ok": "成功", "failed": "失败", "skipped": "跳过", "missed": "错过", "interrupted": "中断", "running": "运行中",
		"sending": "发送中", "done": "完成", "pending": "待发", "sent": "已发",
		"config": "改配置", "run": "立即运行", "retry": "重发", "test_send": "测试发送", "login": "登录",
		"hard-bounce": "硬退信", "soft-bounces": "多次软退信", "complaint": "投诉",
		"schedule": "定时", "catchup": "补发", "resume": "继续", "manual": "手动", "watch": "文件变动", "chain": "连带", "startup": "启动",
	},

	EveryDay:      "每天 {time}",
	OnWeekdays:    "每{days} {time}",
	WorkingDays:   "工作日（周一至周五）{time}",
	Weekends:      "周末（周六、周日）{time}",
	OnDaysOfMonth: "每月 {days} 日 {time}",
	EveryNMinutes: "每 {n} 分钟",
	EveryNHours:   "每 {n} 小时",
	Hourly:        "每小时第 {minute} 分",
	EveryInterval: "从启动起每隔 {interval}",
	RawSpec:       "cron {spec}",
	TimeSeparator: "、",
	ZoneSuffix:    "（{zone}）",
	WeekdayNames:  [7]string{"周日", "周一", "周二", "周三", "周四", "周五", "周六"},
	Zones:         map[string]string{"Asia/Shanghai": "北京时间", "Asia/Chongqing": "北京时间", "Asia/Hong_Kong": "香港时间", "Asia/Taipei": "台北时间", "UTC": "UTC"},
}

var consoleEN = ConsoleWords{
	Lang:          "en",
	Title:         "paperboy admin",
	Login:         "Log in",
	LoginHint:     "Enter the admin token (the one set in the environment); admins on the admins list may give their name and password instead.",
	LoginName:     "Your name (for the audit log)",
	Token:         "Admin token or password",
	LoginButton:   "Log in",
	LoginFailed:   "Wrong token or password.",
	TooManyLogins: "Too many attempts; try again later.",
	Logout:        "Log out",
	Forbidden:     "Log in first, or reload the page and submit again.",

	Overview:      "Overview",
	Jobs:          "Jobs",
	Digests:       "Digests",
	AuditLog:      "Audit log",
	Problems:      "Needs attention",
	NoProblems:    "All is well.",
	Schedule:      "Schedule",
	NextRuns:      "Next five runs",
	LastRuns:      "Last runs",
	Never:         "never run",
	Running:       "running",
	TriggerOnly:   "no schedule: runs when triggered",
	Sent:          "sent",
	Pending:       "pending",
	Failed:        "failed",
	Skipped:       "skipped",
	Duration:      "took",
	Slot:          "slot",
	Outcome:       "outcome",
	Trigger:       "trigger",
	ConfigError:   "The config file has mistakes; the previous settings stay in force:",
	ConfigErrorAt: "{file} line {line}, {key}",
	FailedRun:     "{job} failed at {when}: {error}",
	StaleLease:    "The schedule lease was not renewed (holder {holder}, expired {expired}): the scheduler may have stopped.",
	NoLease:       "Nobody holds the schedule lease: the scheduler is not running.",
	Lease:         "Schedule lease",

	Edit:          "Edit",
	EditTitle:     "Edit “{digest}”",
	Save:          "Save",
	PreviewRuns:   "Preview times",
	Cancel:        "Back",
	Paused:        "paused",
	PausedHint:    "A paused digest is not sent on its schedule; resumed, it starts with its next run and sends nothing it missed.",
	Resume:        "Resume",
	Pause:         "Pause",
	CatchUp:       "Catch-up window",
	CatchUpHint:   "A run missed while paperboy was down is still sent this late, e.g. 3h, 30m; 0 sends none late.",
	SkipEmpty:     "Send nothing when there is nothing new",
	SkipEmptyHint: "The run is recorded as skipped and no mail goes out; the next one with news is sent.",
	Lists:         "Recipient lists",
	Topics:        "Topics",
	TopicsHint:    "None ticked: every article.",
	ScheduleHint:  "cron: minute hour day month weekday, e.g. 30 6 * * * is 06:30 every day.",
	NewNextRuns:   "With the new settings, the next five runs:",
	Saved:         "Saved to the config file ({count} line(s) changed) and reloaded.",
	NoChange:      "Nothing changed.",
	FileChanged:   "Someone changed the config file after you opened this page. Here is what it holds now: make your change again.",
	Refused:       "Not saved: the config check refused it:",
	Reloaded:      "configuration loaded {time}",
	ReloadFailed:  "Saved, but the reload failed:",

	RunNow:        "Run now",
	RunStarted:    "{job} started.",
	RunBusy:       "{job} is running; wait for it to finish.",
	PreviewMail:   "Preview mail",
	TestSend:      "Test send",
	TestSendTo:    "Send a test to (your address)",
	TestSent:      "Test message sent to {to}.",
	TestFailed:    "Test send failed:",
	PreviewFailed: "Preview failed:",
	Run:           "Run {id}",
	Deliveries:    "Deliveries",
	Recipient:     "Recipient",
	List:          "List",
	Status:        "Status",
	Attempts:      "Attempts",
	Reply:         "Server reply",
	Subject:       "Subject",
	Articles:      "Articles",
	RetryFailed:   "Retry failed",
	RetryHint:     "Only messages the server did not accept are sent again, never one already sent; only within the catch-up window.",
	ResumeRun:     "Resume sending",
	Retried:       "{count} message(s) queued again and sending.",
	NoDeliveries:  "No deliveries.",
	TestFallback:  "Nothing is new now: the test carried the edition of {date}.",
	RunElsewhere:  "This instance does not run the schedule (a standby, or shutting down): use the instance that does.",
	ArchivedIssue: "Web copy (archive)",

	When:       "When",
	Who:        "Who",
	Action:     "Action",
	Key:        "Key",
	Change:     "Change",
	Colon:      ": ",
	Suppressed: "Suppressed addresses",
	Outcomes: map[string]string{
		"ok": "ok", "failed": "failed", "skipped": "skipped", "missed": "missed", "interrupted": "interrupted", "running": "running",
		"sending": "sending", "done": "done", "pending": "pending", "sent": "sent",
		"config": "config edit", "run": "run now", "retry": "retry", "test_send": "test send", "login": "login",
		"hard-bounce": "hard bounce", "soft-bounces": "soft bounces", "complaint": "complaint",
		"schedule": "schedule", "catchup": "catch-up", "resume": "resume", "manual": "manual", "watch": "file change", "chain": "chain", "startup": "startup",
	},

	EveryDay:      "every day at {time}",
	OnWeekdays:    "every {days} at {time}",
	WorkingDays:   "every weekday (Monday to Friday) at {time}",
	Weekends:      "every Saturday and Sunday at {time}",
	OnDaysOfMonth: "on day {days} of every month at {time}",
	EveryNMinutes: "every {n} minutes",
	EveryNHours:   "every {n} hours",
	Hourly:        "every hour at minute {minute}",
	EveryInterval: "every {interval} from start",
	RawSpec:       "cron {spec}",
	TimeSeparator: ", ",
	ZoneSuffix:    " ({zone})",
	WeekdayNames:  [7]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"},
	Zones:         map[string]string{"Asia/Shanghai": "Beijing time", "Asia/Chongqing": "Beijing time", "UTC": "UTC"},
}

var consoleCatalogue = map[string]*ConsoleWords{"zh-CN": &consoleZH, "en": &consoleEN}

// ConsoleWordsFor returns the console's words for lang, matched as
// WordsFor matches: an exact tag, else the same primary language; nil if
// paperboy has none.
func ConsoleWordsFor(lang string) *ConsoleWords { return forLanguage(consoleCatalogue, lang) }

// Word is the word for a job outcome or a run or delivery status, or
// the status itself if there is none.
func (w *ConsoleWords) Word(s string) string {
	if o, ok := w.Outcomes[s]; ok {
		return o
	}
	return s
}
