package content

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func BenchmarkParseEach(b *testing.B) {
	for _, name := range testPages(b) {
		p, _ := os.ReadFile(name)
		b.Run(filepath.Base(name), func(b *testing.B) {
			b.SetBytes(int64(len(p)))
			for b.Loop() {
				ParsePage(bytes.NewReader(p), ParseOptions{Name: "2021-07-20.txt"})
			}
		})
	}
}
