package extract

// A lineScreen passes the lines an expression anchored as ^\W*(a|b|…)\W*$
// may match: every alternative starts with a letter, so a match starts with
// the text's first run of ASCII word characters, and the alternatives'
// first words are few. Description clean-up asks applyText and chromeLine
// of every short line, and the prefilter of those expressions passes most
// lines ("job", "next", "save" are in many); the screen spares the
// expression for lines that start with any other word. It only ever says
// "maybe": text with non-ASCII bytes (\W matches non-ASCII letters, and
// (?i) folds two of them into ASCII ones) always passes.
type lineScreen map[string]bool

func newLineScreen(firstWords ...string) lineScreen {
	s := lineScreen{}
	for _, w := range firstWords {
		s[w] = true
	}
	return s
}

// mayMatch reports whether the expression the screen stands for may match s.
func (ls lineScreen) mayMatch(s string) bool {
	i := 0
	for i < len(s) && !isWordByte(s[i]) {
		if s[i] >= 0x80 {
			return true
		}
		i++
	}
	j := i
	for j < len(s) && isWordByte(s[j]) {
		j++
	}
	for k := j; k < len(s); k++ {
		if s[k] >= 0x80 {
			return true
		}
	}
	if j == i || j-i > 16 {
		return false // no word, or one longer than any first word
	}
	var buf [16]byte
	return ls[string(lowerASCII(buf[:0], s[i:j]))]
}

var (
	// the first words of the alternatives of applyText
	applyFirst = newLineScreen("apply", "easy", "quick", "start", "submit", "bewerben", "jetzt", "online",
		"postuler", "candidater", "candidatar", "candidatarse", "postularme", "solliciteer")
	// the first words of the alternatives of chromeLine
	chromeFirst = newLineScreen("share", "tweet", "email", "send", "copy", "print", "save", "saved", "bookmark",
		"back", "prev", "previous", "next", "job", "follow", "linkedin", "facebook", "twitter", "xing",
		"instagram", "refer", "not", "view", "see", "similar", "apply")
)
