package cti

import (
	"encoding/json"
	"testing"
)

func FuzzDecodeCommand(f *testing.F) {
	for _, s := range []string{
		`{"type":"cmd","id":"1","cmd":"login","token":"t"}`,
		`{"type":"cmd","id":2,"cmd":"subscribe","kinds":["queue.joined"],"resume_from":5}`,
		`{"type":"cmd","id":"3","cmd":"set_priority","call":"c","priority":-1}`,
		`{"type":"cmd","id":"4","cmd":"attach_data","call":"c","data":{"a":"b"}}`,
		`{"type":"cmd","id":null}`, `{}`, `[]`, `"x"`, ``, `{"id":{"a":1}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		c, err := decodeCommand(line)
		if c.ID != nil && !validID(c.ID) {
			t.Fatalf("invalid id %q passed through", c.ID)
		}
		if err == nil {
			if commands[c.Cmd] == nil || c.Type != "cmd" {
				t.Fatalf("accepted %+v", c)
			}
		} else if err.Code == "" || err.Message == "" {
			t.Fatalf("empty error for %q", line)
		}
		// Whatever came in, the reply must encode.
		if _, mErr := json.Marshal(response{Type: "res", ID: c.ID, Error: err}); mErr != nil {
			t.Fatalf("reply does not encode: %v", mErr)
		}
	})
}
