// Package linediff shows how two texts differ, line by line, for tests
// that check an edit touched only the lines it should.
package linediff

import "strings"

// Changed returns the lines between a and b's common first and last
// lines: a's as "-line", then b's as "+line". Nil when a == b.
func Changed(a, b string) []string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	p := 0
	for p < len(al) && p < len(bl) && al[p] == bl[p] {
		p++
	}
	s := 0
	for s < len(al)-p && s < len(bl)-p && al[len(al)-1-s] == bl[len(bl)-1-s] {
		s++
	}
	var out []string
	for _, l := range al[p : len(al)-s] {
		out = append(out, "-"+l)
	}
	for _, l := range bl[p : len(bl)-s] {
		out = append(out, "+"+l)
	}
	return out
}
