package otp

// Codes written in groups: "482 913", "48 21 93", "4821 9301", "1 2 3 4"
// (read without their separators).

// joined reports whether tokens a and b are joined by one sep and nothing
// else.
func joined(w []byte, a, b token, sep byte) bool {
	return b.start == a.end+1 && w[a.end] == sep
}

// digitGroups reads the chain of digit groups that starts at token i,
// joined by single spaces or single hyphens. A chain of 2 to 8 groups of
// one width holding 4 to 8 digits in all is one code:
//
//   - two groups of three ("482 913", "482-913"), the common way to write a
//     six-digit code, are a numeric candidate like any other;
//   - groups of two or four ("48 21 93", "4821 9301") are grouped: a code
//     only right after a keyword or shortly before one;
//   - single digits ("1 2 3 4 5 6", common in CJK text) are spaced: a code
//     only right after a keyword.
//
// Groups of mixed widths ("4821 93", "12 345") are not joined; their
// tokens are read one by one. next is the token after the chain; ok is
// false when token i starts no chain.
func digitGroups(w []byte, toks []token, i int) (c candidate, next int, ok bool) {
	t := toks[i]
	for _, sep := range []byte{' ', '-'} {
		if i > 0 && toks[i-1].digits == toks[i-1].len() && joined(w, toks[i-1], t, sep) {
			return candidate{}, i + 1, false // inside a chain
		}
		last := i
		for last+1 < len(toks) && toks[last+1].digits == toks[last+1].len() && joined(w, toks[last], toks[last+1], sep) {
			last++
		}
		if last == i {
			continue
		}
		next = last + 1
		width, groups := t.len(), last-i+1
		for _, g := range toks[i+1 : next] {
			if g.len() != width {
				return candidate{}, i + 1, false
			}
		}
		digits := width * groups
		if width > 4 || digits < minLen || digits > maxLen || !digitsStandAlone(w, t.start, toks[last].end) {
			return candidate{}, i + 1, false
		}
		code := make([]byte, 0, digits)
		for _, g := range toks[i:next] {
			code = append(code, w[g.start:g.end]...)
		}
		c = candidate{start: t.start, end: toks[last].end, code: string(code), kind: grouped,
			numbered: t.start > 0 && w[t.start-1] == '#'}
		switch {
		case width == 3:
			c.kind = numeric
		case width == 1:
			c.kind = spaced
		}
		return c, next, true
	}
	return candidate{}, i + 1, false
}

// hyphenated reads a code of letter-and-digit groups joined by single
// hyphens, "8H4K-2M9P", "AB12-CD34", "X7K-9QP", returned as written. It
// needs 2 to 4 groups of at least two characters, 4 to maxHyphenated
// letters and digits in all, at least one of each, letters of one case,
// and groups of one width unless a group mixes letters and digits
// ("COVID-19" is a name), and not only measures ("5GB-10GB"). A short letter prefix before a digit code
// ("FB-48291", "MIR-1234") is not one: the digits are read on their own.
// next is the token after the chain; ok is false when token i starts no
// such code.
func hyphenated(w []byte, toks []token, i int) (c candidate, next int, ok bool) {
	if i > 0 && joined(w, toks[i-1], toks[i], '-') {
		return candidate{}, i + 1, false
	}
	last := i
	for last+1 < len(toks) && joined(w, toks[last], toks[last+1], '-') {
		last++
	}
	groups := toks[i : last+1]
	if len(groups) < 2 || len(groups) > 4 {
		return candidate{}, i + 1, false
	}
	var digits, uppers, lowers, total int
	uniform, mixedGroup, measures := true, false, 0
	for _, g := range groups {
		if g.len() < 2 {
			return candidate{}, i + 1, false
		}
		if isMeasure(w[g.start:g.end]) {
			measures++
		}
		digits, uppers, lowers, total = digits+g.digits, uppers+g.uppers, lowers+g.lowers, total+g.len()
		uniform = uniform && g.len() == groups[0].len()
		mixedGroup = mixedGroup || g.digits > 0 && g.digits < g.len()
	}
	switch {
	case digits == 0 || digits == total || uppers > 0 && lowers > 0:
		return candidate{}, i + 1, false
	case total < minLen || total > maxHyphenated || !uniform && !mixedGroup || measures == len(groups):
		return candidate{}, i + 1, false
	case groups[0].len() <= 3 && groups[0].digits == 0 && digits == total-groups[0].len() && digits >= minLen && digits <= maxLen:
		return candidate{}, i + 1, false // a prefix: "FB-48291"
	}
	chain := token{start: groups[0].start, end: toks[last].end}
	if !mixedStandsAlone(w, chain) {
		return candidate{}, i + 1, false
	}
	return newCandidate(w, chain.start, chain.end, mixed), last + 1, true
}
