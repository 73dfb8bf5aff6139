package main

import (
	"errors"
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// version is stamped by the Makefile (-ldflags "-X main.version=…").
var version = "dev"

// exitError carries a process exit status (1 = failure, 2 = usage).
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }

func exitCode(err error) int {
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return 1
}

func rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "hotline",
		Short:         "Hotline: a call-center softswitch (SIP trunks, IVR, skill-based ACD, agents, CTI)",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(serveCmd(), configCmd(), versionCmd(), ivrCmd(), callsCmd(), queuelogCmd(), staffingCmd(), reportCmd(), recordingsCmd(), ctiCmd())
	root.AddCommand(voicemailCmd(), callbacksCmd(), reloadCmd())
	return root
}

func versionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			v := version
			if bi, ok := debug.ReadBuildInfo(); ok && v == "dev" {
				for _, s := range bi.Settings {
					if s.Key == "vcs.revision" && len(s.Value) >= 12 {
						v = "dev-" + s.Value[:12]
					}
				}
			}
			fmt.Fprintln(cmd.OutOrStdout(), "hotline", v)
			return nil
		},
	}
}
