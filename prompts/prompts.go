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

// common are the prompts every language ships; numbers and tones included.
var common = []string{
	"welcome", "menu_sales_support", "invalid", "goodbye", "please_hold",
	"queue_position", "queue_wait", "minutes", "seconds", "survey_prompt",
	"thanks", "voicemail_prompt", "callback_prompt", "enter_digits", "closed",
	"d_0", "d_1", "d_2", "d_3", "d_4", "d_5", "d_6", "d_7", "d_8", "d_9",
	"n_10", "n_11", "n_12", "n_13", "n_14", "n_15", "n_16", "n_17", "n_18", "n_19",
	"n_20", "n_30", "n_40", "n_50", "n_60", "n_70", "n_80", "n_90",
	"month_1", "month_2", "month_3", "month_4", "month_5", "month_6",
	"month_7", "month_8", "month_9", "month_10", "month_11", "month_12",
	"weekday_0", "weekday_1", "weekday_2", "weekday_3", "weekday_4", "weekday_5", "weekday_6",
	"w_point", "w_minus", "hold", "beep", "record_notice",
}

// Names lists the built-in prompts per language. Unit words differ: English
// counts in hundreds/thousands/millions, Mandarin in 十/百/千/万/亿, and each
// language only has its own currency and time words. weekday_N follows Go's
// time.Weekday (0 = Sunday); month_N is 1-based.
var Names = map[string][]string{
	"en": append(append([]string(nil), common...),
		"w_hundred", "w_thousand", "w_million", "w_oclock", "w_oh", "w_am", "w_pm",
		"cur_dollars", "cur_cents", "cur_dollar", "cur_cent"),
	"zh": append(append([]string(nil), common...),
		"w_shi", "w_bai", "w_qian", "w_wan", "w_yi", "w_liang", "w_nian", "w_ri", "w_dian", "w_fen",
		"cur_yuan", "cur_jiao", "cur_fen"),
}
