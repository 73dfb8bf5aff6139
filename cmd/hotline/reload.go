package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"
)

// reloadCmd asks a running switch, over its CTI socket with an admin token,
// to re-read its configuration file: the same as SIGHUP, but from another
// machine or user, and the file's problems come back to the caller.
func reloadCmd() *cobra.Command {
	var addr, token string
	var useTLS, insecure bool
	cmd := &cobra.Command{
		Use:   "reload",
		Short: "Make the running switch re-read its configuration file (admin CTI token)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if token == "" {
				return &exitError{code: 2, err: fmt.Errorf("--token is required (an admin token from cti.tokens)")}
			}
			conn, err := dialCTI(addr, useTLS, insecure)
			if err != nil {
				return err
			}
			defer conn.Close()
			_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
			data, err := ctiCommands(conn, token, map[string]any{"cmd": "reload"})
			if err != nil {
				return &exitError{code: 1, err: err}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "reloaded %v\n", data["config"])
			return nil
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:7070", "CTI socket address")
	cmd.Flags().StringVar(&token, "token", "", "admin CTI token")
	cmd.Flags().BoolVar(&useTLS, "tls", false, "connect with TLS")
	cmd.Flags().BoolVar(&insecure, "insecure", false, "with --tls: do not verify the certificate (testing only)")
	return cmd
}

// ctiCommands logs in with token, sends c and returns its response data, or
// the error the switch answered.
func ctiCommands(conn io.ReadWriter, token string, c map[string]any) (map[string]any, error) {
	r := bufio.NewReader(conn)
	call := func(m map[string]any) (map[string]any, error) {
		b, _ := json.Marshal(m)
		if _, err := conn.Write(append(b, '\n')); err != nil {
			return nil, err
		}
		for {
			line, err := r.ReadBytes('\n')
			if err != nil {
				return nil, fmt.Errorf("cti: %w", err)
			}
			var res struct {
				Type  string         `json:"type"`
				OK    bool           `json:"ok"`
				Data  map[string]any `json:"data"`
				Error *struct{ Code, Message string }
			}
			if json.Unmarshal(line, &res) != nil || res.Type != "res" {
				continue // events, if any, are not ours
			}
			if !res.OK {
				if res.Error == nil {
					return nil, fmt.Errorf("cti: refused")
				}
				return nil, fmt.Errorf("%s: %s", res.Error.Code, res.Error.Message)
			}
			return res.Data, nil
		}
	}
	if _, err := call(map[string]any{"type": "cmd", "id": "1", "cmd": "login", "token": token}); err != nil {
		return nil, err
	}
	c["type"], c["id"] = "cmd", "2"
	return call(c)
}
