// Package web holds the pages the switch serves, embedded in the binary so
// a deployment is one file: the live wallboard.
package web

import "embed"

// Wallboard is the wallboard page and its script and style.
//
//go:embed wallboard
var Wallboard embed.FS
