package smtptest

import (
	"errors"
	"net/smtp"
	"net/textproto"
	"slices"
	"testing"
	"time"
)

func send(t *testing.T, s *Server, to, id string) error {
	t.Helper()
	msg := "From: a@example.org\r\nTo: " + to + "\r\nMessage-ID: <" + id + ">\r\nSubject: hi\r\n\r\nbody\r\n"
	return smtp.SendMail(s.Addr(), nil, "a@example.org", []string{to}, []byte(msg))
}

func TestServerRecordsAndRefuses(t *testing.T) {
	s := Start(t, Config{
		Rule: func(rcpt string, attempt int) Action {
			switch rcpt {
			case "busy@example.org":
				if attempt == 1 {
					return TempFail
				}
			case "gone@example.org":
				return PermFail
			}
			return Accept
		},
		DataDelay: 20 * time.Millisecond,
	})
	tests := []struct {
		name, to string
		code     int // 0: accepted
	}{
		{"accepted", "ok@example.org", 0},
		{"temporary failure first", "busy@example.org", 451},
		{"accepted on retry", "busy@example.org", 0},
		{"permanent failure", "gone@example.org", 550},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			err := send(t, s, tt.to, tt.name+"@test")
			var te *textproto.Error
			switch {
			case tt.code == 0 && err != nil:
				t.Fatalf("send: %v", err)
			case tt.code == 0 && time.Since(start) < 20*time.Millisecond:
				t.Fatalf("accepted in %s, before the DATA delay", time.Since(start))
			case tt.code != 0 && (!errors.As(err, &te) || te.Code != tt.code):
				t.Fatalf("send error = %v, want code %d", err, tt.code)
			}
		})
	}
	if got, want := s.Recipients(), []string{"busy@example.org", "ok@example.org"}; !slices.Equal(got, want) {
		t.Errorf("Recipients() = %q, want %q", got, want)
	}
	if got := s.MessageIDs("busy@example.org"); !slices.Equal(got, []string{"accepted on retry@test"}) {
		t.Errorf("MessageIDs = %q", got)
	}
	if s.Total() != 2 || s.Attempts("busy@example.org") != 2 || s.Attempts("gone@example.org") != 1 {
		t.Errorf("Total %d, attempts busy %d gone %d; want 2, 2, 1", s.Total(), s.Attempts("busy@example.org"), s.Attempts("gone@example.org"))
	}
}

func TestServerRequiresAuth(t *testing.T) {
	s := Start(t, Config{User: "u", Password: "p"})
	err := send(t, s, "ok@example.org", "x@test")
	var te *textproto.Error
	if !errors.As(err, &te) || te.Code != 502 {
		t.Fatalf("send without auth: %v, want 502 (authenticate first)", err)
	}
	if s.Total() != 0 {
		t.Fatalf("accepted %d messages without auth", s.Total())
	}
}

// Every second message is refused with 554, at the DATA command or at the
// end of its data; the others are kept.
func TestServerRefusesData(t *testing.T) {
	second := func(n int) bool { return n%2 == 0 }
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"at the DATA command", Config{RefuseDataCommand: second}},
		{"after the data", Config{RejectData: second}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := Start(t, tc.cfg)
			for i, to := range []string{"a@example.org", "b@example.org", "c@example.org", "d@example.org"} {
				err := send(t, s, to, to)
				var te *textproto.Error
				switch {
				case i%2 == 0 && err != nil:
					t.Fatalf("message %d: %v", i+1, err)
				case i%2 == 1 && (!errors.As(err, &te) || te.Code != 554):
					t.Fatalf("message %d: %v, want 554", i+1, err)
				}
			}
			if got, want := s.Recipients(), []string{"a@example.org", "c@example.org"}; !slices.Equal(got, want) {
				t.Errorf("Recipients() = %q, want %q", got, want)
			}
		})
	}
}
