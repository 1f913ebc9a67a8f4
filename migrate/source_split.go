package migrate

import (
	"fmt"
	"strings"
)

// statement is one statement of a SQL file.
type statement struct {
	SQL  string
	Line int // 1-based line of its first character
}

// splitError is a file that cannot be split into statements.
type splitError struct {
	Line int
	Msg  string
}

func (e *splitError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }

// split cuts a SQL file into statements at semicolons outside quotes,
// comments and (PostgreSQL) dollar-quoted bodies. SQLite trigger bodies
// (CREATE TRIGGER … BEGIN …; …; END) are kept whole. Comments before a
// statement are dropped; statements holding only comments are skipped.
//
// Rules per dialect: PostgreSQL nests /* */ comments, reads $tag$…$tag$
// bodies and backslash escapes only in E'…' strings; MySQL reads
// backslash escapes in '…' and "…" strings, `…` identifiers and # comments,
// and needs a space after --; SQLite reads `…` and […] identifiers.
func split(src, dialect string) ([]statement, error) {
	pg := dialect == "postgres"
	my := dialect == "mysql"
	lite := dialect == "sqlite"

	var out []statement
	line := 1
	start, startLine := -1, 0 // first content byte of the current statement
	// SQLite triggers: words seen at the start of the statement, and the
	// BEGIN/CASE … END depth inside a trigger body.
	var words []string
	trigger, depth := false, 0

	content := func(i int) {
		if start < 0 {
			start, startLine = i, line
		}
	}
	n := len(src)
	for i := 0; i < n; {
		c := src[i]
		switch {
		case c == '\n':
			line++
			i++
		case c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v':
			i++
		case c == '-' && i+1 < n && src[i+1] == '-' && (!my || i+2 >= n || isSpace(src[i+2])),
			c == '#' && my:
			for i < n && src[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < n && src[i+1] == '*':
			if my && i+2 < n && src[i+2] == '!' {
				content(i) // MySQL executable comment: it is SQL
			}
			from := line
			i += 2
			nest := 1
			for nest > 0 {
				if i >= n {
					return nil, &splitError{from, "unterminated /* comment"}
				}
				switch {
				case src[i] == '\n':
					line++
					i++
				case src[i] == '*' && i+1 < n && src[i+1] == '/':
					nest--
					i += 2
				case pg && src[i] == '/' && i+1 < n && src[i+1] == '*':
					nest++
					i += 2
				default:
					i++
				}
			}
		case c == '\'' || c == '"' || c == '`' || (c == '[' && lite):
			content(i)
			closer := c
			if c == '[' {
				closer = ']'
			}
			backslash := (my && c != '`') || (pg && c == '\'' && i > 0 && (src[i-1] == 'E' || src[i-1] == 'e') && (i < 2 || !isIdent(src[i-2])))
			from := line
			i++
			for {
				if i >= n {
					return nil, &splitError{from, fmt.Sprintf("unterminated %c…%c", c, closer)}
				}
				d := src[i]
				if d == '\n' {
					line++
				}
				if backslash && d == '\\' && i+1 < n {
					if src[i+1] == '\n' {
						line++
					}
					i += 2
					continue
				}
				i++
				if d == closer {
					if closer != ']' && i < n && src[i] == closer { // doubled: escaped
						i++
						continue
					}
					break
				}
			}
		case c == '$' && pg && (i == 0 || !isIdent(src[i-1])):
			tag, ok := dollarTag(src[i:])
			if !ok {
				content(i)
				i++
				continue
			}
			content(i)
			from := line
			end := strings.Index(src[i+len(tag):], tag)
			if end < 0 {
				return nil, &splitError{from, "unterminated dollar-quoted string " + tag}
			}
			body := src[i : i+len(tag)+end+len(tag)]
			line += strings.Count(body, "\n")
			i += len(body)
		case c == ';':
			if trigger && depth > 0 {
				i++
				continue
			}
			if start >= 0 {
				out = append(out, statement{SQL: strings.TrimSpace(src[start:i]), Line: startLine})
			}
			start, words, trigger, depth = -1, words[:0], false, 0
			i++
		case isIdentStart(c):
			content(i)
			j := i
			for j < n && isIdent(src[j]) {
				j++
			}
			if lite {
				w := strings.ToUpper(src[i:j])
				if len(words) < 6 {
					words = append(words, w)
					if w == "TRIGGER" && len(words) >= 2 && words[0] == "CREATE" {
						trigger = true
					}
				}
				if trigger {
					switch w {
					case "BEGIN", "CASE":
						depth++
					case "END":
						if depth > 0 {
							depth--
						}
					}
				}
			}
			i = j
		default:
			content(i)
			i++
		}
	}
	if start >= 0 {
		if trigger && depth > 0 {
			return nil, &splitError{startLine, "unterminated trigger body (BEGIN without END)"}
		}
		if s := strings.TrimSpace(src[start:]); s != "" {
			out = append(out, statement{SQL: s, Line: startLine})
		}
	}
	return out, nil
}

// dollarTag returns the $tag$ at the start of s.
func dollarTag(s string) (string, bool) {
	for j := 1; j < len(s); j++ {
		c := s[j]
		if c == '$' {
			return s[:j+1], true
		}
		if !(isIdentStart(c) || (j > 1 && c >= '0' && c <= '9')) {
			return "", false
		}
	}
	return "", false
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

func isIdentStart(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

func isIdent(c byte) bool { return isIdentStart(c) || c >= '0' && c <= '9' || c == '$' }
