// Package naming holds the default rule that turns Go identifiers into SQL
// names. The mapper (model columns and tables) and the engine's struct
// scanner both use it, so a column the mapper names is the column the
// scanner looks for.
//
// A Go name splits into words at case changes, then the words are joined
// lower-case with underscores:
//
//   - a capital after a lower-case letter or a digit starts a word:
//     AuthorID → author_id, S3Key → s3_key, OAuth2Token → o_auth2_token;
//   - in a run of capitals, the last one starts a word when a lower-case
//     letter follows: HTTPServer → http_server, ID → id;
//   - an acronym's plural "s" stays with it: UserIDs → user_ids;
//   - digits stay with the word before them: Line2 → line2, Int64Value →
//     int64_value;
//   - underscores already in the name are kept, never doubled.
package naming

import (
	"strings"
	"unicode"
)

// Snake returns the snake_case of a Go identifier (see the package doc).
func Snake(s string) string {
	rs := []rune(s)
	var b strings.Builder
	b.Grow(len(s) + 4)
	for i, r := range rs {
		if !unicode.IsUpper(r) {
			b.WriteRune(r)
			continue
		}
		if i > 0 && wordStart(rs, i) {
			b.WriteByte('_')
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// wordStart reports whether the capital rs[i] (i > 0) begins a word.
func wordStart(rs []rune, i int) bool {
	prev := rs[i-1]
	switch {
	case prev == '_':
		return false
	case unicode.IsLower(prev), unicode.IsDigit(prev):
		return true
	case !unicode.IsUpper(prev):
		return false
	}
	// Inside a run of capitals: a word starts here only when lower-case
	// letters follow that are not an acronym's plural "s" (IDs, URLs).
	if i+1 >= len(rs) || !unicode.IsLower(rs[i+1]) {
		return false
	}
	return !pluralS(rs, i+1)
}

// pluralS reports whether rs[j] is a lone "s" closing a word: the end of
// the name, or followed by anything but a lower-case letter.
func pluralS(rs []rune, j int) bool {
	return rs[j] == 's' && (j+1 == len(rs) || !unicode.IsLower(rs[j+1]))
}

// Plural returns the English plural of a snake_case name, changing its
// last word only: book → books, category → categories, address →
// addresses, box → boxes, branch → branches, day → days.
func Plural(s string) string {
	n := len(s)
	switch {
	case n > 1 && s[n-1] == 'y' && !strings.ContainsRune("aeiou", rune(s[n-2])):
		return s[:n-1] + "ies"
	case strings.HasSuffix(s, "s"), strings.HasSuffix(s, "x"), strings.HasSuffix(s, "ch"), strings.HasSuffix(s, "sh"):
		return s + "es"
	}
	return s + "s"
}
