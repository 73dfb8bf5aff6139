package cti

import "errors"

var (
	// ErrResumeGap: the events after resume_from are no longer in the ring.
	ErrResumeGap = errors.New("cti: resume point no longer retained")
	// ErrSlowSubscriber: the subscriber's queue overflowed and it was cut off.
	ErrSlowSubscriber = errors.New("cti: subscriber too slow, cut off")
	// ErrSubscriptionClosed: the subscriber closed its subscription.
	ErrSubscriptionClosed = errors.New("cti: subscription closed")
	// ErrBusClosed: the bus was closed.
	ErrBusClosed = errors.New("cti: bus closed")
	// ErrServerClosed is returned by ServeTCP after Close.
	ErrServerClosed = errors.New("cti: server closed")
	// ErrPlainRemote: plain TCP refused on a non-loopback address.
	ErrPlainRemote = errors.New("cti: plain TCP on a non-loopback address needs TLS or AllowRemotePlain")
	// ErrBadRole: a configured token has an unknown role.
	ErrBadRole = errors.New("cti: unknown role")
)

// Error codes sent in {"type":"res","ok":false,"error":{"code":…}}.
const (
	CodeBadRequest     = "bad_request"
	CodeUnknownCommand = "unknown_command"
	CodeTooLarge       = "too_large"
	CodeAuthRequired   = "auth_required"
	CodeAuthFailed     = "auth_failed"
	CodeRateLimited    = "rate_limited"
	CodeForbidden      = "forbidden"
	CodeResumeGap      = "resume_gap"
	CodeSlowConsumer   = "slow_consumer"
	CodeShuttingDown   = "shutting_down"
	CodeTimeout        = "timeout"
	CodeInternal       = "internal"
	// Codes a Controller error may carry through Code().
	CodeNotFound     = "not_found"
	CodeInvalidState = "invalid_state"
	CodeNotSupported = "not_supported"
	CodeBadConfig    = "bad_config" // reload: the new file has problems; the running one is kept
)

// codedError is what a Controller error may implement to choose its code.
type codedError interface{ Code() string }

// NewError returns an error carrying a protocol code, for controllers that
// have no error types of their own.
func NewError(code, message string) error { return &protoError{code: code, msg: message} }

type protoError struct{ code, msg string }

func (e *protoError) Error() string { return e.msg }

// Code returns the protocol error code.
func (e *protoError) Code() string { return e.code }
