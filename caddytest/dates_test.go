package caddytest

import "testing"

// TestDatesInRules checks a create's dates and filters a list on them
// through Caddy: RFC 3339 dates with offsets and fractions, days, a day
// that does not exist, a text no layout of date reads, the clock of a
// date read in its own offset, and a date in a layout of the API's own.
func TestDatesInRules(t *testing.T) {
	up := newUpstream(t, nil)
	tester := crud(t, `
		resource events /api/events {
			before create {
				deny ´date(record.starts_at) < date("2020-01-01")´ 422 "events start after 2020"
				deny ´let s = date(record.starts_at); s.Hour() == 7 && s.Minute() == 45´ 422 "the doors open at 08:00"
				check ends_at ´date(record.ends_at) > date(record.starts_at)´ "must end after it starts"
			}
		}`, up)
	checkBodies(t, tester, up, "POST", "/api/events", []bodyCase{
		{"in order across offsets", `{"starts_at":"2024-05-01T23:30:00-02:00","ends_at":"2024-05-02T01:30:00.5Z"}`, 200,
			`{"starts_at":"2024-05-01T23:30:00-02:00","ends_at":"2024-05-02T01:30:00.5Z"}`},
		{"the same instant", `{"starts_at":"2024-05-02T01:30:00.5Z","ends_at":"2024-05-02T03:30:00.5+02:00"}`, 422,
			`{"type":"about:blank","title":"Unprocessable Entity","status":422,"detail":"the request is not valid",` +
				`"errors":[{"field":"ends_at","message":"must end after it starts"}]}`},
		{"a day", `{"starts_at":"2019-12-31","ends_at":"2030-01-01"}`, 422, problemJSON(422, "events start after 2020")},
		{"the clock in the date's own offset", `{"starts_at":"2024-05-01T07:45:00+02:00","ends_at":"2030-01-01"}`, 422,
			problemJSON(422, "the doors open at 08:00")},
		{"the same instant elsewhere", `{"starts_at":"2024-05-01T05:45:00Z","ends_at":"2030-01-01"}`, 200,
			`{"starts_at":"2024-05-01T05:45:00Z","ends_at":"2030-01-01"}`},
		{"a day that does not exist", `{"starts_at":"2023-02-29","ends_at":"2030-01-01"}`, 500,
			problemJSON(500, "a rule could not be evaluated")},
	})

	lists := afterUpstream(t, map[string]afterReply{
		"/api/passes": {body: `[{"k":1,"expires":"2024-12-31"},{"k":2,"expires":"2025-01-01T00:00:00+01:00"},` +
			`{"k":3,"expires":"2025-01-01T00:00:00.000000001Z","issued":"15/06/1999"},` +
			`{"k":4,"expires":"2026-06-01 10:00:00","issued":"01/01/2001"}]`},
	})
	crud(t, `
		resource passes /api/passes {
			after list {
				drop ´date(record.expires) < date("2025-01-01T00:00:00Z")´
				hide issued if ´date(record.issued, "02/01/2006").Year() < 2000´
			}
		}`, lists)
	checkAfter(t, lists, []afterCase{
		{name: "expired passes dropped", path: "/api/passes", status: 200,
			body: `[{"k":3,"expires":"2025-01-01T00:00:00.000000001Z"},{"k":4,"expires":"2026-06-01 10:00:00","issued":"01/01/2001"}]`},
	})
}

// TestTimeMethodsInRules uses the methods of times and durations in a
// create's rules and a list's, through Caddy: the values they compute
// written into the body the upstream gets (Unix() as an integer, Format's
// text, Hours() as a float), a condition on a weekday's name, and an
// argument of another type failing closed as expr fails it.
func TestTimeMethodsInRules(t *testing.T) {
	up := newUpstream(t, nil)
	tester := crud(t, `
		resource events /api/events {
			before create {
				deny ´date(record.starts_at).Weekday().String() == "Sunday"´ 422 "closed on Sundays"
				check ends_at ´date(record.ends_at).Sub(date(record.starts_at)).Hours() <= 24´ "lasts a day at most"
				set starts_unix ´date(record.starts_at).Unix()´
				set month ´date(record.starts_at).UTC().Format("2006-01")´
				set hours ´(date(record.ends_at) - date(record.starts_at)).Hours()´
				set ends_by ´date(record.starts_at).Add(duration(record.span ?? "0s")).Before(date(record.ends_at))´
			}
		}`, up)
	checkBodies(t, tester, up, "POST", "/api/events", []bodyCase{
		{"values from methods", `{"starts_at":"2024-05-31T23:30:00-02:00","ends_at":"2024-06-01T03:00:00Z","span":"1h"}`, 200,
			`{"starts_at":"2024-05-31T23:30:00-02:00","ends_at":"2024-06-01T03:00:00Z","span":"1h",` +
				`"starts_unix":1717205400,"month":"2024-06","hours":1.5,"ends_by":true}`},
		{"on a Sunday", `{"starts_at":"2024-06-02","ends_at":"2024-06-02T10:00:00Z"}`, 422, problemJSON(422, "closed on Sundays")},
		{"too long", `{"starts_at":"2024-06-03","ends_at":"2024-06-04T00:00:00.000000001Z"}`, 422,
			`{"type":"about:blank","title":"Unprocessable Entity","status":422,"detail":"the request is not valid",` +
				`"errors":[{"field":"ends_at","message":"lasts a day at most"}]}`},
		{"a span that is no duration", `{"starts_at":"2024-06-03","ends_at":"2024-06-03T01:00:00Z","span":7}`, 500,
			problemJSON(500, "a rule could not be evaluated")},
	})

	lists := afterUpstream(t, map[string]afterReply{
		"/api/logins": {body: `[{"k":1,"at":"2024-12-30T23:00:00Z"},{"k":2,"at":"2024-12-29T12:00:00+01:00"},` +
			`{"k":3,"at":"2025-01-01T00:00:00Z"},{"k":4,"at":"2024-12-30T00:00:00.000000001Z"}]`},
	})
	crud(t, `
		resource logins /api/logins {
			after list {
				drop ´(date("2025-01-01") - date(record.at)).Hours() > 48´
				hide at if ´date(record.at).AddDate(0, 0, 1).Unix() > date("2025-01-01").Unix()´
			}
		}`, lists)
	checkAfter(t, lists, []afterCase{
		{name: "logins of the last two days", path: "/api/logins", status: 200,
			body: `[{"k":1,"at":"2024-12-30T23:00:00Z"},{"k":3},{"k":4,"at":"2024-12-30T00:00:00.000000001Z"}]`},
	})
}

// TestTimeTextsAndZonesInRules writes the text of a time and of a
// duration, a day read in a named zone (its zone's name and location), and
// an ISO week's year, into a create through Caddy,
// and filters a list by the hour of a day in a zone; a zone that does not
// exist fails closed.
func TestTimeTextsAndZonesInRules(t *testing.T) {
	up := newUpstream(t, nil)
	tester := crud(t, `
		resource events /api/events {
			before create {
				set starts_text ´date(record.starts_at).String()´
				set span_text ´(date(record.ends_at) - date(record.starts_at)).String()´
				set zone_text ´timezone(record.zone).String()´
				set local_midnight ´date(record.day, "2006-01-02", record.zone).Unix()´
				set tokyo_day ´date(timezone("Asia/Tokyo"), record.day).Format("2006-01-02T15:04:05Z07:00")´
				set local_zone ´date(record.day, "2006-01-02", record.zone).Zone() + " " + date(record.day, "2006-01-02", record.zone).Location().String()´
				set iso_year ´date("2024-12-30").ISOWeek()´
			}
		}`, up)
	checkBodies(t, tester, up, "POST", "/api/events", []bodyCase{
		{"texts and zones", `{"starts_at":"2024-05-31T23:30:00-02:00","ends_at":"2024-06-01T03:00:00.5Z","day":"2024-06-01","zone":"Europe/Paris"}`, 200,
			`{"starts_at":"2024-05-31T23:30:00-02:00","ends_at":"2024-06-01T03:00:00.5Z","day":"2024-06-01","zone":"Europe/Paris",` +
				`"starts_text":"2024-05-31 23:30:00 -0200 -0200","span_text":"1h30m0.5s","zone_text":"Europe/Paris",` +
				`"local_midnight":1717192800,"tokyo_day":"2024-06-01T00:00:00+09:00","local_zone":"CEST Europe/Paris","iso_year":2025}`},
		{"a zone that does not exist", `{"starts_at":"2024-05-31T23:30:00Z","ends_at":"2024-06-01T03:00:00Z","day":"2024-06-01","zone":"Nowhere/Zone"}`, 500,
			problemJSON(500, "a rule could not be evaluated")},
	})

	lists := afterUpstream(t, map[string]afterReply{
		"/api/slots": {body: `[{"k":1,"at":"2024-06-01T22:30:00Z"},{"k":2,"at":"2024-06-01T21:59:59Z"},{"k":3,"at":"2024-01-01T23:00:00Z"}]`},
	})
	crud(t, `
		resource slots /api/slots {
			after list {
				drop ´date(record.at, "2006-01-02T15:04:05Z07:00", "Europe/Paris").In(timezone("Europe/Paris")).Hour() == 0´
			}
		}`, lists)
	checkAfter(t, lists, []afterCase{
		{name: "midnight in Paris dropped", path: "/api/slots", status: 200, body: `[{"k":2,"at":"2024-06-01T21:59:59Z"}]`},
	})
}
