package recorder

import (
	"math"
	"math/bits"
	"strconv"
	"time"
	"unicode/utf8"

	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// The scalar and well-known-type parts of the message encoder of
// msgjson.go: floats, strings, Timestamp and Duration, each written as
// protojson writes them.

// appendProtoFloat writes a float as protojson does: encoding/json's
// number forms, and "NaN", "Infinity", "-Infinity" as strings.
func appendProtoFloat(b []byte, f float64, bitSize int) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, `"NaN"`...)
	case math.IsInf(f, 1):
		return append(b, `"Infinity"`...)
	case math.IsInf(f, -1):
		return append(b, `"-Infinity"`...)
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 {
		if bitSize == 64 && (abs < 1e-6 || abs >= 1e21) ||
			bitSize == 32 && (float32(abs) < 1e-6 || float32(abs) >= 1e21) {
			format = 'e'
		}
	}
	b = strconv.AppendFloat(b, f, format, -1, bitSize)
	if format == 'e' { // e-07 → e-7
		n := len(b)
		if n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

// plainByte marks the ASCII bytes a JSON string holds as they are.
var plainByte = func() (t [utf8.RuneSelf]bool) {
	for c := ' '; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// appendProtoString writes s as protojson does; a string that is not
// UTF-8 is left to protojson, which refuses it. It is not appendString,
// which follows encoding/json: protojson writes \b and \f where
// encoding/json writes \u0008 and \u000c, leaves U+2028 and U+2029 as
// they are, and refuses invalid UTF-8 rather than replacing it, and a
// recorded message must be byte for byte what protojson would write.
func appendProtoString(b []byte, s string) ([]byte, error) {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n == 1 {
				return b, errGeneral
			}
			i += n
			continue
		}
		if plainByte[c] {
			i++
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\b':
			b = append(b, '\\', 'b')
		case '\f':
			b = append(b, '\\', 'f')
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u')
			b = append(b, "0000"[1+(bits.Len32(uint32(c))-1)/4:]...)
			b = strconv.AppendUint(b, uint64(c), 16)
		}
		i++
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"'), nil
}

// secondsAndNanos reads a Timestamp's or a Duration's two fields.
func secondsAndNanos(m protoreflect.Message) (int64, int64) {
	switch t := m.Interface().(type) {
	case *timestamppb.Timestamp:
		return t.GetSeconds(), int64(t.GetNanos())
	case *durationpb.Duration:
		return t.GetSeconds(), int64(t.GetNanos())
	}
	fields := m.Descriptor().Fields()
	return m.Get(fields.ByNumber(1)).Int(), m.Get(fields.ByNumber(2)).Int()
}

// appendTimestamp writes RFC 3339 in UTC with 0, 3, 6 or 9 fractional
// digits, as protojson does.
func appendTimestamp(b []byte, m protoreflect.Message) ([]byte, error) {
	secs, nanos := secondsAndNanos(m)
	if secs < -62135596800 || secs > 253402300799 || nanos < 0 || nanos >= 1e9 {
		return b, errGeneral
	}
	t := time.Unix(secs, nanos).UTC()
	year, month, day := t.Date()
	hour, minute, sec := t.Clock()
	b = append(b, '"')
	b = appendDigits(b, int64(year), 4)
	b = append(b, '-')
	b = appendDigits(b, int64(month), 2)
	b = append(b, '-')
	b = appendDigits(b, int64(day), 2)
	b = append(b, 'T')
	b = appendDigits(b, int64(hour), 2)
	b = append(b, ':')
	b = appendDigits(b, int64(minute), 2)
	b = append(b, ':')
	b = appendDigits(b, int64(sec), 2)
	b = append(b, '.')
	b = appendDigits(b, nanos, 9)
	b = trimFraction(b)
	return append(b, 'Z', '"'), nil
}

// appendDigits writes n ≥ 0 as exactly width decimal digits.
func appendDigits(b []byte, n int64, width int) []byte {
	var d [9]byte
	for i := width - 1; i >= 0; i-- {
		d[i] = byte('0' + n%10)
		n /= 10
	}
	return append(b, d[:width]...)
}

// appendDuration writes seconds with 0, 3, 6 or 9 fractional digits and
// an "s", as protojson does.
func appendDuration(b []byte, m protoreflect.Message) ([]byte, error) {
	secs, nanos := secondsAndNanos(m)
	if secs < -315576000000 || secs > 315576000000 || nanos <= -1e9 || nanos >= 1e9 ||
		secs > 0 && nanos < 0 || secs < 0 && nanos > 0 {
		return b, errGeneral
	}
	b = append(b, '"')
	if secs < 0 || nanos < 0 {
		b = append(b, '-')
		secs, nanos = -secs, -nanos
	}
	b = strconv.AppendInt(b, secs, 10)
	b = append(b, '.')
	b = appendDigits(b, nanos, 9)
	b = trimFraction(b)
	return append(b, 's', '"'), nil
}

// trimFraction drops trailing groups of three zeros from a nine-digit
// fraction at the end of b, and the dot if none is left.
func trimFraction(b []byte) []byte {
	for range 2 {
		if n := len(b); string(b[n-3:]) == "000" {
			b = b[:n-3]
		}
	}
	if n := len(b); string(b[n-4:]) == ".000" {
		b = b[:n-4]
	}
	return b
}
