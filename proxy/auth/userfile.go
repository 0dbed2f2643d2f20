package auth

import "bytes"

// FindUser looks user up in an htpasswd file exactly as
// ngx_http_auth_basic_handler scans it, byte by byte: a line matches when
// it starts with the user name followed by ':'; the password field runs to
// the next ':', CR or LF (so trailing fields are ignored) or the end of the
// file. Lines starting with '#' or CR are skipped, empty lines too; leading
// spaces are not trimmed (" bob:..." is not bob's line). The first matching
// line wins.
func FindUser(file, user []byte) (hash []byte, found bool) {
	const (
		stLogin = iota
		stPasswd
		stSkip
	)
	state, login, start := stLogin, 0, 0
	for i, c := range file {
		switch state {
		case stLogin:
			if login == 0 {
				if c == '#' || c == '\r' {
					state = stSkip
					continue
				}
				if c == '\n' {
					continue
				}
			}
			// The name is followed by ':' in the file (nginx compares
			// against the decoded "user:password", whose byte after the
			// name is the colon).
			want := byte(':')
			if login < len(user) {
				want = user[login]
			}
			if c != want {
				state = stSkip
				continue
			}
			if login == len(user) {
				state, start = stPasswd, i+1
			}
			login++
		case stPasswd:
			if c == '\n' || c == '\r' || c == ':' {
				return file[start:i], true
			}
		case stSkip:
			if c == '\n' {
				state, login = stLogin, 0
			}
		}
	}
	if state == stPasswd {
		return file[start:], true
	}
	return nil, false
}

// UnsupportedUsers lists the users of an htpasswd file whose password field
// Verify cannot check (ErrUnsupportedScheme), for lint. Lines are read as
// FindUser reads them.
func UnsupportedUsers(file []byte) []string {
	var users []string
	for line := range bytes.SplitSeq(file, []byte("\n")) {
		if len(line) == 0 || line[0] == '#' || line[0] == '\r' {
			continue
		}
		name, rest, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			continue
		}
		if i := bytes.IndexAny(rest, ":\r"); i >= 0 {
			rest = rest[:i]
		}
		if isExtendedDES(rest) {
			users = append(users, string(name))
		}
	}
	return users
}
