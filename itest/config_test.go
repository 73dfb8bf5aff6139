package itest

import (
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// `hotline config check` on broken files prints each problem with file:line
// and exits non-zero; on the example it says ok.
func TestConfigCheckCLI(t *testing.T) {
	bin := hotlineBin(t)
	cases := []struct {
		file string
		want []string // substrings, each on a file:line-prefixed line
	}{
		{"unknown_key.yaml", []string{"unknown"}},
		{"bad_type.yaml", []string{""}},
		{"dangling_queue.yaml", []string{"queue"}},
		{"missing_prompt.yaml", []string{"prompt"}},
	}
	loc := regexp.MustCompile(`^\S+\.yaml:\d+:`)
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			path := filepath.Join("..", "testdata", "config", c.file)
			out, err := exec.Command(bin, "config", "check", path).CombinedOutput()
			if err == nil {
				t.Fatalf("config check accepted %s:\n%s", c.file, out)
			}
			var located []string
			for _, line := range strings.Split(string(out), "\n") {
				if loc.MatchString(line) {
					located = append(located, line)
				}
			}
			if len(located) == 0 {
				t.Fatalf("no file:line in output:\n%s", out)
			}
			for _, w := range c.want {
				if !strings.Contains(strings.ToLower(strings.Join(located, "\n")), w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
	out, err := exec.Command(bin, "config", "check", filepath.Join("..", "config", "default.yaml")).CombinedOutput()
	if err != nil {
		t.Fatalf("example config rejected: %v\n%s", err, out)
	}
}
