package config

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/hotline/hotline/prompts"
)

// Seams over the built-in prompt set so tests do not depend on which prompt
// files have been generated.
var (
	promptExists = prompts.Exists
	promptOpen   = prompts.Open
)

func isFileRef(ref string) bool { return strings.EqualFold(filepath.Ext(ref), ".wav") }

// WAV format codes Hotline's media layer can play without resampling.
const (
	wavPCM        = 1
	wavALaw       = 6
	wavULaw       = 7
	wavExtensible = 0xFFFE
)

var errNotWAV = errors.New("not a RIFF/WAVE file")

// checkWAV reads the RIFF header of the file at path and reports why it is
// not 8000 Hz mono 16-bit PCM or 8-bit G.711 µ-law/A-law, or nil.
func checkWAV(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return fmt.Errorf("%s is a directory", path)
	}
	var hdr [12]byte
	if _, err := io.ReadFull(f, hdr[:]); err != nil || string(hdr[0:4]) != "RIFF" || string(hdr[8:12]) != "WAVE" {
		return errNotWAV
	}
	// Walk chunks until "fmt "; LIST and other chunks may come first.
	for range 64 {
		var ch [8]byte
		if _, err := io.ReadFull(f, ch[:]); err != nil {
			return fmt.Errorf("%w: no fmt chunk", errNotWAV)
		}
		size := int64(binary.LittleEndian.Uint32(ch[4:8]))
		if string(ch[0:4]) != "fmt " {
			if _, err := f.Seek(size+size&1, io.SeekCurrent); err != nil {
				return errNotWAV
			}
			continue
		}
		if size < 16 || size > 1024 {
			return fmt.Errorf("%w: bad fmt chunk", errNotWAV)
		}
		b := make([]byte, size)
		if _, err := io.ReadFull(f, b); err != nil {
			return fmt.Errorf("%w: short fmt chunk", errNotWAV)
		}
		return checkFmt(b)
	}
	return fmt.Errorf("%w: no fmt chunk", errNotWAV)
}

func checkFmt(b []byte) error {
	format := binary.LittleEndian.Uint16(b[0:2])
	channels := binary.LittleEndian.Uint16(b[2:4])
	rate := binary.LittleEndian.Uint32(b[4:8])
	bits := binary.LittleEndian.Uint16(b[14:16])
	if format == wavExtensible && len(b) >= 26 {
		format = binary.LittleEndian.Uint16(b[24:26]) // sub-format GUID starts with the code
	}
	var problems []string
	switch {
	case format == wavPCM && bits == 16, (format == wavULaw || format == wavALaw) && bits == 8:
	case format == wavPCM:
		problems = append(problems, fmt.Sprintf("%d-bit PCM", bits))
	default:
		problems = append(problems, fmt.Sprintf("format code %d", format))
	}
	if rate != 8000 {
		problems = append(problems, fmt.Sprintf("%d Hz", rate))
	}
	if channels != 1 {
		problems = append(problems, fmt.Sprintf("%d channels", channels))
	}
	if len(problems) > 0 {
		return fmt.Errorf("%s (want 8000 Hz mono 16-bit PCM, µ-law or A-law)", strings.Join(problems, ", "))
	}
	return nil
}
