package config

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoadBytes checks that no input makes the loader panic and that a
// failure always comes back as a non-empty Errors.
func FuzzLoadBytes(f *testing.F) {
	f.Add(defaultYAML)
	for _, dir := range []string{"testdata/bad/*.yaml", "testdata/good/*.yaml"} {
		files, _ := filepath.Glob(dir)
		for _, p := range files {
			b, _ := os.ReadFile(p)
			f.Add(b)
		}
	}
	for _, s := range []string{"", "~", "[]", "a: &a [*a]", "queues: [{<<: [*x]}]", "flows: {m: {nodes: {a: ~}}}", "server: {rtp: {port_min: 0x10}}"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := LoadBytes("fuzz.yaml", data, "testdata")
		if err == nil {
			if c == nil {
				t.Fatal("nil config without error")
			}
			return
		}
		var errs Errors
		if !errors.As(err, &errs) || len(errs) == 0 || c != nil {
			t.Fatalf("LoadBytes = %v, %v", c, err)
		}
	})
}
