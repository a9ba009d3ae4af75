package middleware

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
)

// maxParts bounds the multipart parts parsed, like net/http's default, so a body made of
// tiny parts cannot cost more than a normal form.
const maxParts = 1000

// readBody buffers the request body up to limit bytes. The caller gives the wrapped
// handler a fresh reader over the returned bytes.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, *Failure) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	if r.ContentLength > limit {
		return nil, fail(ErrBodyTooLarge, nil, nil)
	}
	// MaxBytesReader also tells the server to close the connection when the limit is hit,
	// since the rest of the body is left unread.
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return nil, fail(ErrBodyTooLarge, nil, nil)
		}
		return nil, fail(ErrMalformedBody, nil, err)
	}
	return b, nil
}

// parseForm parses an application/x-www-form-urlencoded or multipart/form-data body
// (file parts are skipped). Other content types have no form: nil, nil.
func parseForm(contentType string, body []byte) (url.Values, error) {
	if contentType == "" {
		return nil, nil
	}
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return nil, nil // not a form we recognise; the token may still come in the header
	}
	switch mt {
	case "application/x-www-form-urlencoded":
		return url.ParseQuery(string(body))
	case "multipart/form-data":
		boundary := params["boundary"]
		if boundary == "" {
			return nil, errors.New("multipart body without boundary")
		}
		return parseMultipart(body, boundary)
	}
	return nil, nil
}

func parseMultipart(body []byte, boundary string) (url.Values, error) {
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	form := url.Values{}
	for n := 0; ; n++ {
		p, err := mr.NextPart()
		if err == io.EOF {
			return form, nil
		}
		if err != nil {
			return nil, err
		}
		if n >= maxParts {
			return nil, fmt.Errorf("more than %d multipart parts", maxParts)
		}
		name := p.FormName()
		if name == "" || p.FileName() != "" {
			continue // NextPart discards what is left of this part
		}
		v, err := io.ReadAll(p)
		if err != nil {
			return nil, err
		}
		form.Add(name, string(v))
	}
}

// findToken returns the first non-empty token among the form fields, in order, then the
// header.
func findToken(form url.Values, fields []string, h http.Header, header string) string {
	for _, f := range fields {
		if vs := form[f]; len(vs) > 0 {
			if v := strings.TrimSpace(vs[0]); v != "" {
				return v
			}
		}
	}
	if header == "" {
		return ""
	}
	return strings.TrimSpace(h.Get(header))
}
