// Package benchdata builds the deterministic bodies the benchmarks of
// every package send and receive: users of about 400 bytes, lists of
// them, and a create body.
package benchdata

import (
	"strconv"
	"strings"
)

// AppendUser appends user i, a record of about 400 bytes (id, name,
// email, password, role, secret, creatorId, deleted, profile{ssn, bio,
// avatar, age}). Every 20th user is deleted (5 %); creatorId cycles over
// u0..u9.
func AppendUser(b []byte, i int) []byte {
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, int64(i), 10)
	b = append(b, `,"name":"User Number `...)
	b = strconv.AppendInt(b, int64(i), 10)
	b = append(b, `","email":"user`...)
	b = strconv.AppendInt(b, int64(i), 10)
	b = append(b, `@example.com","password":"$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy","role":"`...)
	b = append(b, [...]string{"admin", "editor", "viewer", "viewer", "member"}[i%5]...)
	b = append(b, `","secret":"sk_live_`...)
	b = strconv.AppendUint(b, uint64(i)*0x9E3779B97F4A7C15, 16)
	b = append(b, `","creatorId":"u`...)
	b = strconv.AppendInt(b, int64(i%10), 10)
	b = append(b, `","deleted":`...)
	b = strconv.AppendBool(b, i%20 == 0)
	b = append(b, `,"profile":{"ssn":"`...)
	b = strconv.AppendInt(b, int64(100000000+i*7919%900000000), 10)
	b = append(b, `","bio":"Deterministic benchmark user, number `...)
	b = strconv.AppendInt(b, int64(i), 10)
	b = append(b, `, with a biography long enough to look real.","avatar":"https://img.example.com/u/`...)
	b = strconv.AppendInt(b, int64(i), 10)
	b = append(b, `.png","age":`...)
	b = strconv.AppendInt(b, int64(18+i%60), 10)
	return append(b, `}}`...)
}

// List is {"data":[users 1..n],"total":n}.
func List(n int) []byte {
	b := make([]byte, 0, n*420+32)
	b = append(b, `{"data":[`...)
	for i := 1; i <= n; i++ {
		if i > 1 {
			b = append(b, ',')
		}
		b = AppendUser(b, i)
	}
	b = append(b, `],"total":`...)
	b = strconv.AppendInt(b, int64(n), 10)
	return append(b, '}')
}

// Create is a create body of about size bytes: the fields a typical create
// block touches (an email to clean, a role and createdAt to strip) and
// filler a client would send.
func Create(size int) []byte {
	var b strings.Builder
	b.WriteString(`{"name":"Jane Benchmark","email":"  Jane.Benchmark@Example.COM ","role":"admin","createdAt":"2024-01-01T00:00:00Z",`)
	b.WriteString(`"active":true,"login_count":0,"tags":["bench","create","json"],`)
	b.WriteString(`"preferences":{"theme":"dark","language":"en","notifications":{"email":true,"sms":false}},`)
	b.WriteString(`"profile":{"phone":"+49-30-5550100","address":{"city":"Berlin","zip":"10115"},"bio":"`)
	for i := 0; b.Len() < size-3; i++ {
		b.WriteString("word")
		b.WriteString(strconv.Itoa(i % 10))
		b.WriteByte(' ')
	}
	b.WriteString(`"}}`)
	return []byte(b.String())
}

// AppendAccount appends account i, a record shaped like those the load
// harness's upstream serves (about 370 bytes): id, name, email, password,
// role, active (false for every 7th), created_at, login_count, tags (an
// array of two), profile{bio, avatar_url, phone, address{city, country}}.
func AppendAccount(b []byte, i int) []byte {
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, int64(i), 10)
	b = append(b, `,"name":"User `...)
	b = strconv.AppendInt(b, int64(i), 10)
	b = append(b, `","email":"user`...)
	b = strconv.AppendInt(b, int64(i), 10)
	b = append(b, `@example.com","password":"$2a$10$`...)
	h := uint64(i)*0x9E3779B97F4A7C15 + 0x632BE59BD9B4E019
	const alphabet = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	for k := 0; k < 53; k++ {
		h ^= h >> 29
		h *= 0xBF58476D1CE4E5B9
		h ^= h >> 32
		b = append(b, alphabet[h%uint64(len(alphabet))])
	}
	b = append(b, `","role":"`...)
	b = append(b, [...]string{"admin", "editor", "viewer", "viewer", "editor"}[i%5]...)
	b = append(b, `","active":`...)
	b = strconv.AppendBool(b, i%7 != 0)
	b = append(b, `,"created_at":"2024-01-`...)
	b = append(b, byte('1'+i%3), byte('0'+i%10))
	b = append(b, `T0`...)
	b = append(b, byte('0'+i%10))
	b = append(b, `:37:00Z","login_count":`...)
	b = strconv.AppendInt(b, int64(i*7919%1000), 10)
	b = append(b, `,"tags":["t`...)
	b = strconv.AppendInt(b, int64(i%5), 10)
	b = append(b, `","t`...)
	b = strconv.AppendInt(b, int64(i%11), 10)
	b = append(b, `"],"profile":{"bio":"Deterministic test user number `...)
	b = strconv.AppendInt(b, int64(i), 10)
	b = append(b, `.","avatar_url":"https://img.example.com/u/`...)
	b = strconv.AppendInt(b, int64(i), 10)
	b = append(b, `.png","phone":"+49-30-`...)
	b = strconv.AppendInt(b, int64(1000000+i), 10)
	b = append(b, `","address":{"city":"`...)
	b = append(b, [...]string{"Berlin", "Paris", "Austin", "Osaka", "Recife", "Pune", "Utrecht"}[i%7]...)
	b = append(b, `","country":"`...)
	b = append(b, [...]string{"DE", "FR", "US", "JP", "BR", "IN", "NL"}[i%7]...)
	return append(b, `"}}}`...)
}

// Accounts is a bare JSON array of accounts 1..n, as the load harness's
// upstream answers a list.
func Accounts(n int) []byte {
	b := make([]byte, 0, n*380+2)
	b = append(b, '[')
	for i := 1; i <= n; i++ {
		if i > 1 {
			b = append(b, ',')
		}
		b = AppendAccount(b, i)
	}
	return append(b, ']')
}
