package mailer

import (
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"io"
	"testing"
)

// BenchmarkMessageDKIM builds and writes one recipient's sample digest
// message, as a sender does for every delivery, unsigned and signed with
// each key type: the cost DKIM adds per message (b.SetBytes is the
// message's size, so MB/s is encoded mail per second).
func BenchmarkMessageDKIM(b *testing.B) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		b.Fatal(err)
	}
	_, edKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		key  crypto.Signer
	}{{"unsigned", nil}, {"rsa-2048", rsaKey}, {"ed25519", edKey}} {
		b.Run(tc.name, func(b *testing.B) {
			st := sampleStore(b)
			cfg := testConfig(nil, 1)
			if tc.key != nil {
				cfg.Deliverability.DKIM = &DKIM{Domain: "example.cn", Selector: "pb", Key: tc.key}
			}
			cfg.Deliverability.ReturnPath = "bounces@news.example.cn"
			m := newDigests(b, cfg, st, st)
			d, err := m.digest("daily")
			if err != nil {
				b.Fatal(err)
			}
			dr, err := m.draft(context.Background(), d, "residents", slot)
			if err != nil {
				b.Fatal(err)
			}
			env := envelope{to: "r0000@example.org", list: "residents", messageID: "bench@news.example.cn"}
			var size int64
			b.ReportAllocs()
			for b.Loop() {
				msg, err := m.message(d, dr.subject, dr.body, env, slot)
				if err != nil {
					b.Fatal(err)
				}
				if size, err = msg.WriteTo(io.Discard); err != nil {
					b.Fatal(err)
				}
			}
			b.SetBytes(size)
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
		})
	}
}
