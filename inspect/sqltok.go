package inspect

import "strings"

// A small SQL tokenizer: enough to split SQLite's stored CREATE statements
// into their parts and to compare expression texts (see NormalizeSQL).

type tokKind uint8

const (
	tokWord   tokKind = iota // unquoted word: keyword or identifier
	tokIdent                 // quoted identifier ("x", `x`, [x])
	tokString                // 'text'
	tokNumber
	tokOp // operator or punctuation other than parentheses and commas
	tokLParen
	tokRParen
	tokComma
)

type token struct {
	kind     tokKind
	text     string // identifier or string value unquoted; words as written
	pos, end int    // byte offsets in the source
}

func tokenize(s string) []token {
	var out []token
	i := 0
	for i < len(s) {
		c := s[i]
		start := i
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
			continue
		case c == '-' && i+1 < len(s) && s[i+1] == '-':
			for i < len(s) && s[i] != '\n' {
				i++
			}
			continue
		case c == '/' && i+1 < len(s) && s[i+1] == '*':
			j := strings.Index(s[i+2:], "*/")
			if j < 0 {
				i = len(s)
			} else {
				i += j + 4
			}
			continue
		case c == '\'' || c == '"' || c == '`' || c == '[':
			closer := c
			if c == '[' {
				closer = ']'
			}
			var v strings.Builder
			i++
			for i < len(s) {
				if s[i] == closer {
					if closer != ']' && i+1 < len(s) && s[i+1] == closer {
						v.WriteByte(closer)
						i += 2
						continue
					}
					i++
					break
				}
				v.WriteByte(s[i])
				i++
			}
			k := tokIdent
			if c == '\'' {
				k = tokString
			}
			out = append(out, token{kind: k, text: v.String(), pos: start, end: i})
			continue
		case c == '(':
			i++
			out = append(out, token{kind: tokLParen, text: "(", pos: start, end: i})
			continue
		case c == ')':
			i++
			out = append(out, token{kind: tokRParen, text: ")", pos: start, end: i})
			continue
		case c == ',':
			i++
			out = append(out, token{kind: tokComma, text: ",", pos: start, end: i})
			continue
		case isDigit(c) || (c == '.' && i+1 < len(s) && isDigit(s[i+1])):
			for i < len(s) && (isDigit(s[i]) || s[i] == '.' || s[i] == 'e' || s[i] == 'E') {
				i++
			}
			out = append(out, token{kind: tokNumber, text: s[start:i], pos: start, end: i})
			continue
		case isWordStart(c):
			for i < len(s) && (isWordStart(s[i]) || isDigit(s[i]) || s[i] == '$') {
				i++
			}
			out = append(out, token{kind: tokWord, text: s[start:i], pos: start, end: i})
			continue
		}
		// Operators: a run of symbol characters, except that "::" stands
		// alone so casts are recognised.
		if c == ':' && i+1 < len(s) && s[i+1] == ':' {
			i += 2
		} else {
			for i < len(s) && strings.IndexByte("<>=!|&+-*/%^~", s[i]) >= 0 {
				i++
			}
			if i == start {
				i++ // '.', ';', a lone ':' and the like
			}
		}
		out = append(out, token{kind: tokOp, text: s[start:i], pos: start, end: i})
	}
	return out
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isWordStart(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

// isWord reports whether t is the unquoted keyword kw (any case).
func (t token) isWord(kw string) bool { return t.kind == tokWord && strings.EqualFold(t.text, kw) }

// name is the identifier t stands for (words and quoted identifiers).
func (t token) name() string { return t.text }

// matching returns the index of the parenthesis closing the one at i.
func matching(toks []token, i int) int {
	depth := 0
	for j := i; j < len(toks); j++ {
		switch toks[j].kind {
		case tokLParen:
			depth++
		case tokRParen:
			depth--
			if depth == 0 {
				return j
			}
		}
	}
	return -1
}

// splitTop splits toks[from:to] at the commas outside parentheses.
func splitTop(toks []token, from, to int) [][]token {
	var out [][]token
	depth, start := 0, from
	for j := from; j < to; j++ {
		switch toks[j].kind {
		case tokLParen:
			depth++
		case tokRParen:
			depth--
		case tokComma:
			if depth == 0 {
				out = append(out, toks[start:j])
				start = j + 1
			}
		}
	}
	if start < to {
		out = append(out, toks[start:to])
	}
	return out
}

// source is the text of src the tokens span.
func source(src string, toks []token) string {
	if len(toks) == 0 {
		return ""
	}
	return strings.TrimSpace(src[toks[0].pos:toks[len(toks)-1].end])
}
