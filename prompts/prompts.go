// Package prompts embeds Hotline's built-in prompt set: one folder per
// language under data/, 8 kHz mono WAV files (µ-law to keep the binary small).
// Regenerate them with generate.sh (espeak-ng and sox).
package prompts

import (
	"embed"
	"io/fs"
)

//go:embed all:data
var data embed.FS

// Languages lists the languages the built-in set ships.
var Languages = []string{"en", "zh"}

// Exists reports whether the built-in set has prompt name in language lang.
func Exists(lang, name string) bool {
	_, err := fs.Stat(data, path(lang, name))
	return err == nil
}

// Open returns the WAV bytes of a built-in prompt.
func Open(lang, name string) ([]byte, error) {
	return data.ReadFile(path(lang, name))
}

func path(lang, name string) string { return "data/" + lang + "/" + name + ".wav" }
