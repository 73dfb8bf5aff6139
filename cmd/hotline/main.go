// Command hotline is the Hotline call-center softswitch.
package main

import (
	"fmt"
	"os"
)

func main() {
	if err := rootCmd().Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "hotline:", err)
		os.Exit(exitCode(err))
	}
}
