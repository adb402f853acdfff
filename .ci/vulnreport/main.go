// Command vulnreport reads govulncheck's JSON stream (-format json) on
// standard input, prints one line per vulnerability whose symbols our code
// calls, and exits 1 if any of them is outside the standard library.
// Standard-library findings are printed but do not fail: they are fixed
// by the toolchain (go.mod's toolchain line), not by this repository.
//
// It lives under .ci/ so that ./... patterns (go vet, go test) skip it.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
)

type frame struct {
	Module   string `json:"module"`
	Version  string `json:"version"`
	Package  string `json:"package"`
	Function string `json:"function"`
	Receiver string `json:"receiver"`
}

type message struct {
	Config *struct {
		GoVersion string `json:"go_version"`
		DB        string `json:"db"`
	} `json:"config"`
	OSV *struct {
		ID      string `json:"id"`
		Summary string `json:"summary"`
	} `json:"osv"`
	Finding *struct {
		OSV          string  `json:"osv"`
		FixedVersion string  `json:"fixed_version"`
		Trace        []frame `json:"trace"`
	} `json:"finding"`
}

type called struct {
	id, module, fixed string
	symbols           []string
}

func main() {
	code, err := report(os.Stdin, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "vulnreport:", err)
		os.Exit(2)
	}
	os.Exit(code)
}

func report(r io.Reader, w io.Writer) (int, error) {
	dec := json.NewDecoder(r)
	summaries := map[string]string{}
	found := map[string]*called{}
	var order []string
	goVersion := ""
	for {
		var m message
		if err := dec.Decode(&m); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return 0, fmt.Errorf("read govulncheck output: %w", err)
		}
		switch {
		case m.Config != nil:
			goVersion = m.Config.GoVersion
		case m.OSV != nil:
			summaries[m.OSV.ID] = m.OSV.Summary
		case m.Finding != nil && len(m.Finding.Trace) > 0 && m.Finding.Trace[0].Function != "":
			// A trace whose first frame names a function is a call from our
			// code; module- or package-level findings are not.
			f := m.Finding
			top := f.Trace[0]
			c := found[f.OSV]
			if c == nil {
				c = &called{id: f.OSV, module: top.Module, fixed: f.FixedVersion}
				found[f.OSV] = c
				order = append(order, f.OSV)
			}
			sym := top.Package + "." + top.Function
			if top.Receiver != "" {
				sym = top.Package + "." + strings.TrimPrefix(top.Receiver, "*") + "." + top.Function
			}
			if !slices.Contains(c.symbols, sym) {
				c.symbols = append(c.symbols, sym)
			}
		}
	}
	slices.Sort(order)
	var std, other int
	for _, id := range order {
		c := found[id]
		where := "standard library"
		if c.module == "stdlib" {
			std++
		} else {
			other++
			where = "module " + c.module
		}
		fixed := c.fixed
		if fixed == "" {
			fixed = "no fix yet"
		}
		slices.Sort(c.symbols)
		syms := c.symbols
		if len(syms) > 3 {
			syms = append(syms[:3:3], fmt.Sprintf("+%d more", len(c.symbols)-3))
		}
		fmt.Fprintf(w, "%s  %s (fixed in %s): %s\n    called: %s\n", id, where, fixed, summaries[id], strings.Join(syms, ", "))
	}
	fmt.Fprintf(w, "govulncheck (%s): %d called vulnerabilities in the standard library, %d in other modules\n", goVersion, std, other)
	if other > 0 {
		fmt.Fprintln(w, "FAIL: our code calls a vulnerable symbol of a dependency: upgrade it (go get MODULE@FIXED) or stop calling it")
		return 1, nil
	}
	if std > 0 {
		fmt.Fprintln(w, "standard-library findings are fixed by a newer Go: go.mod's toolchain line names the patched release")
	}
	return 0, nil
}
