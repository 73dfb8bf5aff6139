package main

import (
	"bufio"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

func ctiCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "cti", Short: "CTI socket tools"}
	var addr, token, kinds string
	var useTLS, insecure bool
	tail := &cobra.Command{
		Use:   "tail",
		Short: "Connect to the CTI socket, log in and print the live event feed, one line per event",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if token == "" {
				return &exitError{code: 2, err: fmt.Errorf("--token is required")}
			}
			conn, err := dialCTI(addr, useTLS, insecure)
			if err != nil {
				return err
			}
			defer conn.Close()
			sub := map[string]any{"type": "cmd", "id": "2", "cmd": "subscribe"}
			if kinds != "" {
				sub["kinds"] = strings.Split(kinds, ",")
			}
			return ctiTail(conn, cmd.OutOrStdout(), token, sub)
		},
	}
	tail.Flags().StringVar(&addr, "addr", "127.0.0.1:7070", "CTI socket address")
	tail.Flags().StringVar(&token, "token", "", "CTI token (from the configuration's cti.tokens)")
	tail.Flags().StringVar(&kinds, "kinds", "", "comma-separated event kinds to show (default: all the token may see)")
	tail.Flags().BoolVar(&useTLS, "tls", false, "connect with TLS")
	tail.Flags().BoolVar(&insecure, "insecure", false, "with --tls: do not verify the certificate (testing only)")
	cmd.AddCommand(tail)
	return cmd
}

func dialCTI(addr string, useTLS, insecure bool) (net.Conn, error) {
	if useTLS {
		return tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr, &tls.Config{InsecureSkipVerify: insecure})
	}
	return net.DialTimeout("tcp", addr, 5*time.Second)
}

// ctiTail logs in, subscribes and prints each event as
// "seq time kind key=value…" until the connection ends.
func ctiTail(conn io.ReadWriter, out io.Writer, token string, sub map[string]any) error {
	r := bufio.NewReader(conn)
	send := func(m map[string]any) error {
		b, _ := json.Marshal(m)
		_, err := conn.Write(append(b, '\n'))
		return err
	}
	if err := send(map[string]any{"type": "cmd", "id": "1", "cmd": "login", "token": token}); err != nil {
		return err
	}
	subscribed := false
	for {
		line, err := r.ReadBytes('\n')
		if err != nil {
			if err == io.EOF {
				return fmt.Errorf("cti: connection closed")
			}
			return err
		}
		var m map[string]any
		if json.Unmarshal(line, &m) != nil {
			continue
		}
		switch m["type"] {
		case "res":
			if m["ok"] != true {
				return fmt.Errorf("cti: %v", m["error"])
			}
			if !subscribed {
				subscribed = true
				if err := send(sub); err != nil {
					return err
				}
			}
		case "event":
			fmt.Fprintln(out, formatEvent(m))
		}
	}
}

// formatEvent prints the fixed fields first, then the rest sorted.
func formatEvent(m map[string]any) string {
	var b strings.Builder
	ts, _ := time.Parse(time.RFC3339Nano, fmt.Sprint(m["ts"]))
	fmt.Fprintf(&b, "%6v %s %-20v", m["seq"], ts.Local().Format("15:04:05.000"), m["event"])
	keys := make([]string, 0, len(m))
	for k := range m {
		switch k {
		case "type", "seq", "ts", "event":
		default:
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		v, _ := json.Marshal(m[k])
		fmt.Fprintf(&b, " %s=%s", k, strings.Trim(string(v), `"`))
	}
	return b.String()
}
