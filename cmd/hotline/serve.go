package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/hotline/hotline/call"
	"github.com/hotline/hotline/config"
)

func loadConfig(path string) (*config.Config, error) {
	if path == "" {
		return config.Default()
	}
	return config.Load(path)
}

func serveCmd() *cobra.Command {
	var path string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the switch (the built-in example configuration when --config is not given)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadConfig(path)
			if err != nil {
				return err
			}
			log := newLogger(cfg.Server.LogLevel)
			slog.SetDefault(log)
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			sw, err := call.New(ctx, cfg, call.Options{Logger: log, ConfigPath: path})
			if err != nil {
				return err
			}
			src := path
			if src == "" {
				src = "built-in example"
			}
			log.Info("hotline serving", "version", version, "config", src, "database", cfg.Server.Database)
			hup := make(chan os.Signal, 1)
			signal.Notify(hup, syscall.SIGHUP)
			for {
				select {
				case <-hup:
					if err := sw.ReloadFile(); err != nil {
						log.Error("reload rejected, keeping the running configuration", "error", err)
						continue
					}
					log.Info("configuration reloaded", "config", path)
				case <-ctx.Done():
					log.Info("shutting down: refusing new calls, ending calls in progress")
					sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
					defer cancel()
					return sw.Shutdown(sctx)
				}
			}
		},
	}
	cmd.Flags().StringVarP(&path, "config", "c", "", "configuration file (YAML)")
	return cmd
}

func newLogger(level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: l}))
}

func configCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "config", Short: "Configuration tools"}
	check := &cobra.Command{
		Use:   "check FILE",
		Short: "Validate a configuration file; print every problem with file:line",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := config.Load(args[0]); err != nil {
				fmt.Fprintln(cmd.ErrOrStderr(), err)
				return &exitError{code: 1, err: fmt.Errorf("%s: configuration invalid", args[0])}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: ok\n", args[0])
			return nil
		},
	}
	cmd.AddCommand(check)
	return cmd
}
