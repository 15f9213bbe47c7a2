package rules

import "time"

// A Format layout given as a constant (date(record.at).Format("2006-01"))
// is read once, at load, into the parts time.Format writes: literal text
// and the elements Go's layout names (2006, 01, Jan, 15, .000, Z07:00,
// MST, ...), read by the rules time.Format reads a layout by. Formatting
// then writes each part, computing the date and the clock at most once,
// where time.Format reads the layout again on every call. The text is
// time.Format's: a property test and a fuzz target compare the two.

// layoutElement names what a part of a layout writes.
type layoutElement uint8

const (
	literalText     layoutElement = iota
	longYear                      // 2006
	shortYear                     // 06
	monthName                     // Jan
	longMonthName                 // January
	numMonth                      // 1
	zeroMonth                     // 01
	weekdayName                   // Mon
	longWeekdayName               // Monday
	numDay                        // 2
	underDay                      // _2
	zeroDay                       // 02
	underYearDay                  // __2
	zeroYearDay                   // 002
	hour24                        // 15
	hour12                        // 3
	zeroHour12                    // 03
	numMinute                     // 4
	zeroMinute                    // 04
	numSecond                     // 5
	zeroSecond                    // 05
	upperPM                       // PM
	lowerPM                       // pm
	zoneName                      // MST
	zoneOffset                    // -0700, Z07:00, ... (see layoutPart)
	fraction                      // .000, ,999 (see layoutPart)
)

// layoutPart is one part of a layout: literal text, or an element, with
// what an offset or a fraction writes.
type layoutPart struct {
	element layoutElement
	text    string // literalText: the text
	// zoneOffset: z writes Z for UTC (the Z forms), colon separates the
	// fields, minutes and seconds say which follow the hours.
	z, colon, minutes, seconds bool
	// fraction: digits written (trimmed of trailing zeros with trim), and
	// the separator.
	digits int
	trim   bool
	dot    byte
}

// timeLayout is a layout read into its parts.
type timeLayout struct {
	parts             []layoutPart
	date, yday, clock bool // which of them the parts read
	size              int  // room for the usual text: the layout's length and a zone's name
}

// zoneForms are the offset elements, by their text in a layout (longest
// first within each start: Go tries them in this order).
var zoneForms = []struct {
	text string
	part layoutPart
}{
	{"-070000", layoutPart{element: zoneOffset, minutes: true, seconds: true}},
	{"-07:00:00", layoutPart{element: zoneOffset, colon: true, minutes: true, seconds: true}},
	{"-0700", layoutPart{element: zoneOffset, minutes: true}},
	{"-07:00", layoutPart{element: zoneOffset, colon: true, minutes: true}},
	{"-07", layoutPart{element: zoneOffset}},
	{"Z070000", layoutPart{element: zoneOffset, z: true, minutes: true, seconds: true}},
	{"Z07:00:00", layoutPart{element: zoneOffset, z: true, colon: true, minutes: true, seconds: true}},
	{"Z0700", layoutPart{element: zoneOffset, z: true, minutes: true}},
	{"Z07:00", layoutPart{element: zoneOffset, z: true, colon: true, minutes: true}},
	{"Z07", layoutPart{element: zoneOffset, z: true}},
}

// compileLayout reads layout into its parts, as time.Format reads it;
// false for a fraction of more than nine digits (left to time.Format).
func compileLayout(layout string) (*timeLayout, bool) {
	l := &timeLayout{size: len(layout) + 10}
	for layout != "" {
		prefix, part, width, ok := nextLayoutPart(layout)
		if !ok {
			return nil, false
		}
		if prefix != "" {
			l.parts = append(l.parts, layoutPart{text: prefix})
		}
		if width == 0 {
			break
		}
		l.parts = append(l.parts, part)
		layout = layout[len(prefix)+width:]
		switch part.element {
		case longYear, shortYear, monthName, longMonthName, numMonth, zeroMonth, numDay, underDay, zeroDay:
			l.date = true
		case underYearDay, zeroYearDay:
			l.yday = true
		case hour24, hour12, zeroHour12, numMinute, zeroMinute, numSecond, zeroSecond, upperPM, lowerPM:
			l.clock = true
		}
	}
	return l, true
}

// nextLayoutPart finds the first element of layout as time's nextStdChunk
// finds it: the literal text before it, the element and its width in the
// layout (0 when there is none).
func nextLayoutPart(layout string) (prefix string, part layoutPart, width int, ok bool) {
	at := func(i int, s string) bool { return len(layout) >= i+len(s) && layout[i:i+len(s)] == s }
	found := func(i int, e layoutElement, w int) (string, layoutPart, int, bool) {
		return layout[:i], layoutPart{element: e}, w, true
	}
	for i := 0; i < len(layout); i++ {
		switch c := layout[i]; c {
		case 'J':
			if at(i, "Jan") {
				if at(i, "January") {
					return found(i, longMonthName, 7)
				}
				if !startsLower(layout[i+3:]) {
					return found(i, monthName, 3)
				}
			}
		case 'M':
			if at(i, "Mon") {
				if at(i, "Monday") {
					return found(i, longWeekdayName, 6)
				}
				if !startsLower(layout[i+3:]) {
					return found(i, weekdayName, 3)
				}
			}
			if at(i, "MST") {
				return found(i, zoneName, 3)
			}
		case '0':
			if i+1 < len(layout) && '1' <= layout[i+1] && layout[i+1] <= '6' {
				return found(i, [...]layoutElement{zeroMonth, zeroDay, zeroHour12, zeroMinute, zeroSecond, shortYear}[layout[i+1]-'1'], 2)
			}
			if at(i, "002") {
				return found(i, zeroYearDay, 3)
			}
		case '1':
			if at(i, "15") {
				return found(i, hour24, 2)
			}
			return found(i, numMonth, 1)
		case '2':
			if at(i, "2006") {
				return found(i, longYear, 4)
			}
			return found(i, numDay, 1)
		case '_':
			if at(i, "_2") {
				if at(i, "_2006") { // a literal _, then the year
					return found(i+1, longYear, 4)
				}
				return found(i, underDay, 2)
			}
			if at(i, "__2") {
				return found(i, underYearDay, 3)
			}
		case '3':
			return found(i, hour12, 1)
		case '4':
			return found(i, numMinute, 1)
		case '5':
			return found(i, numSecond, 1)
		case 'P':
			if at(i, "PM") {
				return found(i, upperPM, 2)
			}
		case 'p':
			if at(i, "pm") {
				return found(i, lowerPM, 2)
			}
		case '-', 'Z':
			for _, f := range zoneForms {
				if f.text[0] == c && at(i, f.text) {
					return layout[:i], f.part, len(f.text), true
				}
			}
		case '.', ',':
			if i+1 < len(layout) && (layout[i+1] == '0' || layout[i+1] == '9') {
				j := i + 1
				for j < len(layout) && layout[j] == layout[i+1] {
					j++
				}
				if j < len(layout) && '0' <= layout[j] && layout[j] <= '9' {
					continue // digits that go on: no fraction
				}
				if j-(i+1) > 9 {
					return "", layoutPart{}, 0, false
				}
				return layout[:i], layoutPart{element: fraction, digits: j - (i + 1), trim: layout[i+1] == '9', dot: c}, j - i, true
			}
		}
	}
	return layout, layoutPart{}, 0, true
}

// meridiem are PM's and pm's texts, before and after noon.
var meridiem = [2][2]string{{"AM", "PM"}, {"am", "pm"}}

// startsLower reports whether s starts with a lower-case ASCII letter (Jan
// in Janet is text).
func startsLower(s string) bool { return s != "" && 'a' <= s[0] && s[0] <= 'z' }

// appendTo writes t formatted by l to b, as t.AppendFormat(b, layout)
// writes it.
func (l *timeLayout) appendTo(b []byte, t time.Time) []byte {
	var (
		year, day, yday, hour, min, sec int
		month                           time.Month
	)
	if l.date {
		year, month, day = t.Date()
	}
	if l.yday {
		yday = t.YearDay()
	}
	if l.clock {
		hour, min, sec = t.Clock()
	}
	for i := range l.parts {
		p := &l.parts[i]
		switch p.element {
		case literalText:
			b = append(b, p.text...)
		case longYear:
			b = appendPadded(b, year, 4)
		case shortYear:
			b = appendPadded(b, max(year, -year)%100, 2)
		case monthName:
			b = append(b, month.String()[:3]...)
		case longMonthName:
			b = append(b, month.String()...)
		case numMonth:
			b = appendPadded(b, int(month), 0)
		case zeroMonth:
			b = appendPadded(b, int(month), 2)
		case weekdayName:
			b = append(b, t.Weekday().String()[:3]...)
		case longWeekdayName:
			b = append(b, t.Weekday().String()...)
		case numDay:
			b = appendPadded(b, day, 0)
		case underDay:
			if day < 10 {
				b = append(b, ' ')
			}
			b = appendPadded(b, day, 0)
		case zeroDay:
			b = appendPadded(b, day, 2)
		case underYearDay:
			if yday < 100 {
				b = append(b, ' ')
				if yday < 10 {
					b = append(b, ' ')
				}
			}
			b = appendPadded(b, yday, 0)
		case zeroYearDay:
			b = appendPadded(b, yday, 3)
		case hour24:
			b = appendPadded(b, hour, 2)
		case hour12, zeroHour12:
			h := hour % 12 // noon is 12 PM, midnight 12 AM
			if h == 0 {
				h = 12
			}
			width := 0
			if p.element == zeroHour12 {
				width = 2
			}
			b = appendPadded(b, h, width)
		case numMinute:
			b = appendPadded(b, min, 0)
		case zeroMinute:
			b = appendPadded(b, min, 2)
		case numSecond:
			b = appendPadded(b, sec, 0)
		case zeroSecond:
			b = appendPadded(b, sec, 2)
		case upperPM, lowerPM:
			b = append(b, meridiem[p.element-upperPM][btoi(hour >= 12)]...)
		case zoneName:
			name, offset := t.Zone()
			if name != "" {
				b = append(b, name...)
				break
			}
			b = appendOffset(b, offset, layoutPart{minutes: true}) // no name: -0700
		case zoneOffset:
			_, offset := t.Zone()
			if offset == 0 && p.z {
				b = append(b, 'Z')
				break
			}
			b = appendOffset(b, offset, *p)
		case fraction:
			b = appendFraction(b, t.Nanosecond(), p)
		}
	}
	return b
}

// appendOffset writes a zone's offset from UTC (seconds) as p's form
// writes it.
func appendOffset(b []byte, offset int, p layoutPart) []byte {
	zone, abs := offset/60, offset // minutes
	if zone < 0 {
		b = append(b, '-')
		zone, abs = -zone, -abs
	} else {
		b = append(b, '+')
	}
	b = appendPadded(b, zone/60, 2)
	if p.colon {
		b = append(b, ':')
	}
	if p.minutes {
		b = appendPadded(b, zone%60, 2)
	}
	if p.seconds {
		if p.colon {
			b = append(b, ':')
		}
		b = appendPadded(b, abs%60, 2)
	}
	return b
}

// appendFraction writes the fraction of a second as p asks.
func appendFraction(b []byte, nanosecond int, p *layoutPart) []byte {
	if p.trim && (p.digits == 0 || nanosecond == 0) {
		return b
	}
	b = append(b, p.dot)
	b = appendPadded(b, nanosecond, 9)
	b = b[:len(b)-9+p.digits]
	if p.trim {
		for len(b) > 0 && b[len(b)-1] == '0' {
			b = b[:len(b)-1]
		}
		if len(b) > 0 && b[len(b)-1] == p.dot {
			b = b[:len(b)-1]
		}
	}
	return b
}

// appendPadded writes x in decimal, padded with zeros to width digits (a
// minus sign before them), as time.Format writes its numbers.
func appendPadded(b []byte, x int, width int) []byte {
	u := uint(x)
	if x < 0 {
		b = append(b, '-')
		u = uint(-x)
	}
	var digits [20]byte
	n := len(digits)
	for {
		n--
		digits[n] = byte('0' + u%10)
		u /= 10
		if u == 0 {
			break
		}
	}
	for pad := width - (len(digits) - n); pad > 0; pad-- {
		b = append(b, '0')
	}
	return append(b, digits[n:]...)
}
