package sip

import (
	"testing"

	"github.com/emiago/sipgo/sip"
)

func TestParseReplaces(t *testing.T) {
	cases := []struct {
		uri  string
		want Replaces
		ok   bool
	}{
		{"sip:1001@10.0.0.1?Replaces=abc%40host%3Bto-tag%3Dt1%3Bfrom-tag%3Df1", Replaces{"abc@host", "t1", "f1"}, true},
		{"sip:1001@10.0.0.1?Replaces=abc%3Bfrom-tag%3Df1%3Bto-tag%3Dt1%3Bearly-only", Replaces{"abc", "t1", "f1"}, true},
		{"sip:1001@10.0.0.1", Replaces{}, false},
		{"sip:1001@10.0.0.1?Replaces=abc%3Bto-tag%3Dt1", Replaces{}, false}, // no from-tag
	}
	for _, c := range cases {
		var u sip.Uri
		if err := sip.ParseUri(c.uri, &u); err != nil {
			t.Fatalf("%s: %v", c.uri, err)
		}
		got, ok := parseReplaces(u)
		if ok != c.ok || (ok && got != c.want) {
			t.Errorf("%s: %+v %v, want %+v %v", c.uri, got, ok, c.want, c.ok)
		}
	}
}
