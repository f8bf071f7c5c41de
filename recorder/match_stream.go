package recorder

import "strconv"

// maxExtraMessages bounds how many response messages past the recorded
// ones a replayed stream keeps (each is one "unexpected" difference); the
// rest are only counted.
const maxExtraMessages = 16

// messagePrefix is the diff path of message i: "$.messages[i]".
func messagePrefix(i int) []any { return []any{"messages", i} }

// streamIgnore returns the ignore rules as they apply to stream
// messages: each rule as written (so "$.messages[*].book.create_time"
// works), and each rule again under every message (so a unary rule such
// as "$.create_time" applies to each message as to a unary body).
func streamIgnore(ignore []Path) []Path {
	out := make([]Path, 0, 2*len(ignore))
	out = append(out, ignore...)
	for _, p := range ignore {
		segs := append([]seg{{kind: segKey, key: "messages"}, {kind: segAny}}, p.segs...)
		out = append(out, Path{src: "$.messages[*]" + p.src[1:], segs: segs})
	}
	return out
}

// compareMessages compares the response messages of two streams as a
// sequence, index by index (a stream's order is part of what it says),
// each pair semantically as compareBodies does. Differences are reported
// under "$.messages[i]": "$.messages[2].title: want …, got …", a message
// missing or unexpected as "$.messages[3]". When the recording dropped
// messages past its bound, replayed messages past the recorded ones are
// not compared.
func compareMessages(want, got *Response, o CompareOptions) []Diff {
	if len(want.Messages) == 0 && len(got.Messages) == 0 && got.Dropped == 0 {
		return nil
	}
	ignore := streamIgnore(o.Ignore)
	c := comparer{ignore: ignore, keys: o.MatchKeys}
	n := len(want.Messages)
	if want.Dropped == 0 {
		n = max(n, len(got.Messages))
	}
	for i := range n {
		p := messagePrefix(i)
		switch {
		case c.ignored(p):
		case i >= len(got.Messages):
			c.diffs = append(c.diffs, Diff{Path: formatPath(p), Want: messageText(want.Messages[i].Body)})
		case i >= len(want.Messages):
			c.diffs = append(c.diffs, Diff{Path: formatPath(p), Got: messageText(got.Messages[i].Body)})
		default:
			c.message(want.Messages[i].Body, got.Messages[i].Body, p)
		}
	}
	if want.Dropped == 0 && got.Dropped > 0 {
		c.diffs = append(c.diffs, Diff{Path: "$.messages", Want: strconv.Itoa(len(want.Messages)) + " messages",
			Got: strconv.Itoa(len(got.Messages)+got.Dropped) + " messages"})
	}
	return c.diffs
}

// message compares two message bodies at path p.
func (c *comparer) message(want, got *Body, p []any) {
	want, got = orEmpty(want), orEmpty(got)
	if want != nil && got != nil && want.JSON != nil && got.JSON != nil {
		wv, werr := decodeJSON(want.JSON)
		gv, gerr := decodeJSON(got.JSON)
		if werr == nil && gerr == nil {
			c.value(wv, gv, p)
			return
		}
	}
	if string(want.Raw()) != string(got.Raw()) {
		c.diffs = append(c.diffs, Diff{Path: formatPath(p), Want: messageText(want), Got: messageText(got)})
	}
}

// messageText renders a message for a diff; an empty message is "{}", so
// that it does not read as absent.
func messageText(b *Body) string {
	if raw := b.Raw(); len(raw) > 0 {
		return short(raw)
	}
	return "{}"
}

var emptyMessage = &Body{JSON: []byte("{}"), valid: true}

// orEmpty is b, or the empty message for a message kept without a body.
func orEmpty(b *Body) *Body {
	if b == nil {
		return emptyMessage
	}
	return b
}
