package store

import "errors"

var (
	// ErrNotFound: no call with that id.
	ErrNotFound = errors.New("store: not found")
	// ErrExists: CreateCall with an id that is already recorded.
	ErrExists = errors.New("store: already exists")
	// ErrInvalid: a required field is missing or an enum value is unknown.
	ErrInvalid = errors.New("store: invalid value")
	// ErrClosed: Write on an EventWriter after Close.
	ErrClosed = errors.New("store: event writer closed")
	// ErrSchemaTooNew: the database was migrated by a newer Hotline.
	ErrSchemaTooNew = errors.New("store: database schema is newer than this build")
)
