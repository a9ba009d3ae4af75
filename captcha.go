// Package astracaph is a self-hosted CAPTCHA that speaks ALTCHA's wire formats.
package astracaph
