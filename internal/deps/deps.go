//go:build tools

// Package deps pins the module's chosen dependencies while the packages that use them are
// being written in parallel; it is removed once every dependency has a real importer.
package deps

import (
	_ "github.com/chromedp/chromedp"
	_ "github.com/gaissmai/bart"
	_ "github.com/oschwald/maxminddb-golang/v2"
	_ "github.com/patrickmn/go-cache"
	_ "github.com/redis/go-redis/v9"
	_ "github.com/stretchr/testify/require"
	_ "golang.org/x/crypto/argon2"
	_ "golang.org/x/crypto/scrypt"
	_ "golang.org/x/image/font/opentype"
	_ "golang.org/x/image/vector"
	_ "golang.org/x/net/idna"
	_ "golang.org/x/net/publicsuffix"
	_ "golang.org/x/time/rate"
)
