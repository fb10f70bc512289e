// Package value converts customer text into canonical values: dates,
// numbers, booleans, e-mail addresses, phone numbers and countries. It is
// shared by the recipe functions and the format's field validation.
//
// Conventions for every function of the package:
//
//   - An empty input is not an error: it yields the empty result ("" or the
//     zero time) and a nil error. Whether empty is allowed is the field's
//     business (required), not the conversion's.
//   - Input is never trimmed implicitly: " 12" is not a number. Recipes say
//     trim(...) when they mean it, so that every change is visible.
//   - A value that cannot be converted returns a *Error whose Message is a
//     sentence a customer understands, without the field name:
//     `"31.02.1980" is not a valid date (DD.MM.YYYY)`.
//   - Any other error (an unknown locale or region, a bad layout) is a
//     configuration error, found when a recipe or format is compiled.
package value

import "fmt"

// Error is a value that could not be converted. Rule is the short name of
// the conversion ("date", "number", "email", …); Message is customer-readable
// and does not name the field.
type Error struct {
	Rule    string
	Message string
}

// Error returns the message.
func (e *Error) Error() string { return e.Message }

// fail returns an *Error with a message about the value s.
func fail(rule, s, format string, args ...any) *Error {
	return &Error{Rule: rule, Message: fmt.Sprintf("%q ", s) + fmt.Sprintf(format, args...)}
}
