package seal

import (
	"errors"
	"testing"
)

func TestSealOpen(t *testing.T) {
	old, cur := []byte("old secret, 16 bytes or more"), []byte("new secret, 16 bytes or more")
	k, err := New("test v1", []byte("example.org"), [][]byte{cur, old})
	if err != nil {
		t.Fatal(err)
	}
	before, _ := New("test v1", []byte("example.org"), [][]byte{old})
	other, _ := New("test v1", []byte("example.net"), [][]byte{cur})
	tests := []struct {
		name    string
		token   string
		want    string
		wantErr bool
	}{
		{"random nonce", k.Seal([]byte("a")), "a", false},
		{"deterministic", k.SealDeterministic([]byte("b")), "b", false},
		{"sealed under a listed older secret", before.Seal([]byte("c")), "c", false},
		{"bound to another site", other.Seal([]byte("d")), "", true},
		{"altered", k.SealDeterministic([]byte("e"))[:10] + "A" + k.SealDeterministic([]byte("e"))[11:], "", true},
		{"not base64", "!!", "", true},
		{"too short", "AAAA", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := k.Open(tt.token)
			if tt.wantErr {
				if !errors.Is(err, ErrBad) {
					t.Fatalf("Open = %q, %v; want ErrBad", got, err)
				}
				return
			}
			if err != nil || string(got) != tt.want {
				t.Fatalf("Open = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
	if k.SealDeterministic([]byte("x")) != k.SealDeterministic([]byte("x")) {
		t.Error("SealDeterministic differs for the same plain text")
	}
	if k.Seal([]byte("x")) == k.Seal([]byte("x")) {
		t.Error("Seal repeats its nonce")
	}
	if _, err := New("test v1", nil, nil); err == nil {
		t.Error("New without a secret succeeded")
	}
}
