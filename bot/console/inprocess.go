package console

import (
	"bytes"
	"io"
	"net/http"
)

// inProcess is an http.RoundTripper that hands requests to a handler in the
// process: the bot's Web API calls reach the workspace without a socket.
type inProcess struct{ h http.Handler }

// RoundTrip serves req and returns the handler's response.
func (t inProcess) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := req.Context().Err(); err != nil {
		return nil, err
	}
	if req.Body == nil {
		// A server's handler always has a body; a client's GET has none.
		req = req.Clone(req.Context())
		req.Body = http.NoBody
	}
	rec := serve(t.h, req)
	return &http.Response{
		Status:        http.StatusText(rec.code),
		StatusCode:    rec.code,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        rec.header,
		Body:          io.NopCloser(bytes.NewReader(rec.body.Bytes())),
		ContentLength: int64(rec.body.Len()),
		Request:       req,
	}, nil
}

// recorder is the http.ResponseWriter of an in-process request.
type recorder struct {
	header http.Header
	code   int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) Write(p []byte) (int, error) {
	if r.code == 0 {
		r.code = http.StatusOK
	}
	return r.body.Write(p)
}

func (r *recorder) WriteHeader(code int) {
	if r.code == 0 {
		r.code = code
	}
}

// serve runs h on req in the process and returns what it answered.
func serve(h http.Handler, req *http.Request) *recorder {
	rec := &recorder{header: http.Header{}}
	h.ServeHTTP(rec, req)
	if rec.code == 0 {
		rec.code = http.StatusOK
	}
	return rec
}
