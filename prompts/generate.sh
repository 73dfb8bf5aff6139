#!/usr/bin/env bash
# Regenerates Hotline's built-in prompt set under data/<lang>/ as 8 kHz mono
# µ-law WAV files. Needs espeak-ng and sox; the name lists must match
# Names in prompts.go (prompts_test.go checks every listed name exists).
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v espeak-ng >/dev/null || ! command -v sox >/dev/null; then
	apt-get install -y espeak-ng sox libsox-fmt-all
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# say LANG NAME TEXT: speak, trim silence at both ends, convert to 8 kHz µ-law.
say() {
	local lang=$1 name=$2 text=$3 voice=en-us
	[[ $lang == zh ]] && voice=cmn
	mkdir -p "data/$lang"
	espeak-ng -v "$voice" -s 170 -w "$tmp/raw.wav" "$text"
	sox "$tmp/raw.wav" "$tmp/trim.wav" silence 1 0.05 1% reverse silence 1 0.05 1% reverse
	sox "$tmp/trim.wav" -r 8000 -c 1 -e u-law -b 8 "data/$lang/$name.wav" norm -3
}

# English.
say en welcome "Welcome to Hotline."
say en menu_sales_support "For sales, press 1. For support, press 2."
say en invalid "Sorry, that is not a valid choice."
say en goodbye "Thank you for calling. Goodbye."
say en please_hold "Please hold, your call is important to us."
say en queue_position "You are caller number"
say en queue_wait "Your expected wait is about"
say en minutes "minutes"
say en seconds "seconds"
say en survey_prompt "Please rate your call from 1 to 5."
say en thanks "Thank you."
say en voicemail_prompt "Please leave a message after the tone."
say en callback_prompt "Press 1 to receive a call back instead of waiting."
say en enter_digits "Please enter your number, followed by the hash key."
say en closed "We are closed. Please call again during business hours."
en_digits=(zero one two three four five six seven eight nine)
for i in {0..9}; do say en "d_$i" "${en_digits[$i]}"; done
en_teens=(ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen)
for i in {0..9}; do say en "n_1$i" "${en_teens[$i]}"; done
en_tens=([2]=twenty [3]=thirty [4]=forty [5]=fifty [6]=sixty [7]=seventy [8]=eighty [9]=ninety)
for i in {2..9}; do say en "n_${i}0" "${en_tens[$i]}"; done
say en w_hundred "hundred"
say en w_thousand "thousand"
say en w_million "million"
say en w_point "point"
say en cur_dollars "dollars"
say en cur_cents "cents"
say en cur_dollar "dollar"
say en cur_cent "cent"
say en w_minus "minus"
say en w_oclock "o'clock"
say en w_oh "oh"
say en w_am "A M"
say en w_pm "P M"
en_months=(January February March April May June July August September October November December)
for i in {1..12}; do say en "month_$i" "${en_months[$((i - 1))]}"; done
en_days=(Sunday Monday Tuesday Wednesday Thursday Friday Saturday)
for i in {0..6}; do say en "weekday_$i" "${en_days[$i]}"; done

say en record_notice "This call may be recorded for quality. To opt out of recording, press 9."

# Mandarin.
say zh welcome "欢迎致电热线。"
say zh menu_sales_support "销售请按1，技术支持请按2。"
say zh invalid "对不起，您的选择无效。"
say zh goodbye "感谢您的来电，再见。"
say zh please_hold "请稍候，您的来电对我们很重要。"
say zh queue_position "您前面排队的位置是第"
say zh queue_wait "您的预计等待时间约为"
say zh minutes "分钟"
say zh seconds "秒"
say zh survey_prompt "请为本次通话打分，从1到5。"
say zh thanks "谢谢。"
say zh voicemail_prompt "请在提示音后留言。"
say zh callback_prompt "如需回电而不必等待，请按1。"
say zh enter_digits "请输入您的号码，并以井号键结束。"
say zh closed "现在是非工作时间，请在工作时间内来电。"
say zh record_notice "本次通话可能会被录音，以保证服务质量。如不同意录音，请按9。"
zh_digits=(零 一 二 三 四 五 六 七 八 九)
for i in {0..9}; do say zh "d_$i" "${zh_digits[$i]}"; done
zh_teens=(十 十一 十二 十三 十四 十五 十六 十七 十八 十九)
for i in {0..9}; do say zh "n_1$i" "${zh_teens[$i]}"; done
for i in {2..9}; do say zh "n_${i}0" "${zh_digits[$i]}十"; done
say zh w_shi "十"
say zh w_bai "百"
say zh w_qian "千"
say zh w_wan "万"
say zh w_yi "亿"
say zh cur_yuan "元"
say zh cur_jiao "角"
say zh cur_fen "分"
say zh w_liang "两"
say zh w_point "点"
say zh w_minus "负"
say zh w_nian "年"
say zh w_ri "日"
say zh w_dian "点"
say zh w_fen "分"
zh_months=(一月 二月 三月 四月 五月 六月 七月 八月 九月 十月 十一月 十二月)
for i in {1..12}; do say zh "month_$i" "${zh_months[$((i - 1))]}"; done
zh_days=(星期日 星期一 星期二 星期三 星期四 星期五 星期六)
for i in {0..6}; do say zh "weekday_$i" "${zh_days[$i]}"; done

# Tones, identical in both languages. hold is an A-major arpeggio of pure
# sines (440/554/659 Hz) so tests can find the notes; 4 s long (ten notes).
note() { echo "synth 0.4 sine $1 fade 0.02 0.4 0.05"; }
chain=""
for _ in 1 2 3; do
	for f in 440 554 659; do chain+="$(note $f) : "; done
done
chain+="$(note 440)"
# shellcheck disable=SC2086
sox -n -r 8000 -c 1 "$tmp/hold.wav" $chain
sox "$tmp/hold.wav" -r 8000 -c 1 -e u-law -b 8 "$tmp/hold_ulaw.wav" vol 0.3
sox -n -r 8000 -c 1 "$tmp/beep.wav" synth 0.3 sine 1400 fade 0.01 0.3 0.02 vol 0.3
sox "$tmp/beep.wav" -r 8000 -c 1 -e u-law -b 8 "$tmp/beep_ulaw.wav"
for lang in en zh; do
	cp "$tmp/hold_ulaw.wav" "data/$lang/hold.wav"
	cp "$tmp/beep_ulaw.wav" "data/$lang/beep.wav"
done
