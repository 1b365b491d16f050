package ident

import "strconv"

// Reason says why a value was refused. The set is small and fixed so that the
// UI can translate it; a reason never carries the value itself.
type Reason string

const (
	ReasonEmpty         Reason = "empty"          // nothing left after trimming
	ReasonTooLong       Reason = "too_long"       // more than MaxRunes characters
	ReasonInvalidText   Reason = "invalid_text"   // not valid UTF-8
	ReasonUnknownKind   Reason = "unknown_kind"   // Kind is not one of Kinds()
	ReasonInvalidPhone  Reason = "invalid_phone"  // not a possible phone number
	ReasonInvalidEmail  Reason = "invalid_email"  // not an e-mail address
	ReasonInvalidPlate  Reason = "invalid_plate"  // not a licence plate
	ReasonInvalidQQ     Reason = "invalid_qq"     // not a QQ number
	ReasonInvalidWeChat Reason = "invalid_wechat" // not a WeChat ID
)

// Reasons returns every reason Normalize can give, for catalogues and tests.
func Reasons() []Reason {
	return []Reason{
		ReasonEmpty, ReasonTooLong, ReasonInvalidText, ReasonUnknownKind,
		ReasonInvalidPhone, ReasonInvalidEmail, ReasonInvalidPlate,
		ReasonInvalidQQ, ReasonInvalidWeChat,
	}
}

// ParseError is the error Normalize returns. Its message is plain English
// and, because identifiers are personal data and errors get logged, never
// repeats the value that was refused.
type ParseError struct {
	Kind   Kind
	Reason Reason
}

func (e *ParseError) Error() string {
	var msg string
	switch e.Reason {
	case ReasonEmpty:
		msg = "the value is empty"
	case ReasonTooLong:
		msg = "the value is longer than " + strconv.Itoa(MaxRunes) + " characters"
	case ReasonInvalidText:
		msg = "the value is not valid UTF-8 text"
	case ReasonUnknownKind:
		// The kind came from the caller and may be anything: do not repeat it.
		return "ident: unknown identifier kind"
	case ReasonInvalidPhone:
		msg = "not a possible phone number (check the digits, and the country code for a foreign number)"
	case ReasonInvalidEmail:
		msg = "not an e-mail address"
	case ReasonInvalidPlate:
		msg = "not a licence plate (2 to 10 letters and digits)"
	case ReasonInvalidQQ:
		msg = "not a QQ number (5 to 11 digits, not starting with 0)"
	case ReasonInvalidWeChat:
		msg = "not a WeChat ID (6 to 20 letters, digits, _ or -, starting with a letter)"
	default:
		msg = "invalid value"
	}
	return "ident: " + string(e.Kind) + ": " + msg
}
