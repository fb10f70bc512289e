package files

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3 defaults.
const (
	DefaultPartSize = 16 << 20 // multipart part size; smaller files go in one PUT
	defaultEndpoint = "s3.amazonaws.com"
	metaSHA256      = "sha256" // user metadata key: x-amz-meta-sha256
	statParallel    = 16       // concurrent HEAD requests while listing
	checksumHeader  = "x-amz-checksum-sha256"
)

// S3Store is a Store in a bucket of an S3-compatible service, below a key
// prefix. Each object carries its SHA-256 as user metadata
// (x-amz-meta-sha256). Files up to the part size go in a single PUT,
// larger ones in a multipart upload that is completed only once every part
// is stored (and aborted on failure), so no partial object ever appears.
type S3Store struct {
	client   *minio.Client
	bucket   string
	prefix   string // "" or "dir/sub/" with the trailing slash
	endpoint string
	secrets  []string
	partSize uint64
	index    hashIndex
}

// S3Config says where an S3Store lives.
type S3Config struct {
	Endpoint string // HOST[:PORT]; default s3.amazonaws.com
	Region   string // "" lets the client ask the server
	Insecure bool   // plain HTTP
	Bucket   string
	Prefix   string // key prefix, without leading or trailing slash
	PartSize uint64 // default DefaultPartSize

	transport http.RoundTripper // tests count requests
}

// ParseS3URL reads s3://BUCKET/PREFIX?endpoint=HOST:PORT&region=R&secure=true|false.
// Credentials do not belong in the URL and are refused.
func ParseS3URL(raw string) (S3Config, error) {
	fail := func(format string, args ...any) (S3Config, error) {
		return S3Config{}, fmt.Errorf("s3 store %q: "+format, append([]any{redactURL(raw)}, args...)...)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fail("not a valid URL")
	}
	if u.User != nil {
		return fail("credentials do not belong in the URL: use AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or a credentials file")
	}
	if u.Host == "" {
		return fail("names no bucket (use s3://BUCKET/PREFIX)")
	}
	cfg := S3Config{Endpoint: defaultEndpoint, Bucket: u.Host, Prefix: strings.Trim(u.Path, "/")}
	if cfg.Prefix != "" {
		if err := CheckPath(cfg.Prefix); err != nil {
			return fail("bad prefix: %v", err)
		}
	}
	for key, vals := range u.Query() {
		v := vals[len(vals)-1]
		switch key {
		case "endpoint":
			cfg.Endpoint = v
		case "region":
			cfg.Region = v
		case "secure":
			secure, err := strconv.ParseBool(v)
			if err != nil {
				return fail("secure=%q is not true or false", v)
			}
			cfg.Insecure = !secure
		default:
			return fail("unknown parameter %q (known: endpoint, region, secure)", key)
		}
	}
	if cfg.Endpoint == "" || strings.Contains(cfg.Endpoint, "/") {
		return fail("endpoint must be HOST or HOST:PORT")
	}
	return cfg, nil
}

func openS3(ctx context.Context, raw string, creds Credentials) (Store, error) {
	cfg, err := ParseS3URL(raw)
	if err != nil {
		return nil, err
	}
	return NewS3Store(ctx, cfg, creds)
}

// NewS3Store connects to the bucket and checks that it exists and the
// credentials may use it.
func NewS3Store(ctx context.Context, cfg S3Config, creds Credentials) (*S3Store, error) {
	s := &S3Store{bucket: cfg.Bucket, endpoint: cfg.Endpoint, secrets: creds.secrets(), partSize: cfg.PartSize}
	if cfg.Prefix != "" {
		s.prefix = cfg.Prefix + "/"
	}
	if s.partSize == 0 {
		s.partSize = DefaultPartSize
	}
	if creds.IsZero() {
		return nil, fmt.Errorf("open %s: no S3 credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY or name a credentials file", s)
	}
	client, err := minio.New(cfg.Endpoint, &minio.Options{
		Creds:           credentials.NewStaticV4(creds.AccessKey, creds.SecretKey, creds.SessionToken),
		Secure:          !cfg.Insecure,
		Region:          cfg.Region,
		TrailingHeaders: true,
		MaxRetries:      3,
		Transport:       cfg.transport,
	})
	if err != nil {
		return nil, s.errorf("open", "", err)
	}
	s.client = client
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	ok, err := client.BucketExists(ctx, cfg.Bucket)
	if resp := minio.ToErrorResponse(err); resp.StatusCode == http.StatusForbidden {
		err = fmt.Errorf("%w (check the credentials from %s)", err, creds.Source)
	}
	if err != nil {
		return nil, s.errorf("open", "", err)
	}
	if !ok {
		return nil, fmt.Errorf("open %s: bucket %q does not exist", s, cfg.Bucket)
	}
	return s, nil
}

// String returns s3://BUCKET/PREFIX (endpoint HOST).
func (s *S3Store) String() string {
	return fmt.Sprintf("s3://%s/%s (endpoint %s)", s.bucket, strings.TrimSuffix(s.prefix, "/"), s.endpoint)
}

func (s *S3Store) key(p string) string { return s.prefix + p }

// errorf wraps err, scrubbing the credentials from its text, and maps a
// missing object to fs.ErrNotExist.
func (s *S3Store) errorf(op, p string, err error) error {
	var resp minio.ErrorResponse
	if errors.As(err, &resp) && (resp.StatusCode == http.StatusNotFound || resp.Code == "NoSuchKey") && p != "" {
		err = fmt.Errorf("%w (%s)", fs.ErrNotExist, resp.Code)
	}
	what := op + " " + s.String()
	if p != "" {
		what = op + " " + p + " in " + s.String()
	}
	return &scrubbedError{msg: what + ": " + err.Error(), err: err, secrets: s.secrets}
}

// scrubbedError is an error whose text has the credentials replaced by ***.
type scrubbedError struct {
	msg     string
	err     error
	secrets []string
}

func (e *scrubbedError) Error() string {
	msg := e.msg
	for _, s := range e.secrets {
		msg = strings.ReplaceAll(msg, s, "***")
	}
	return msg
}

func (e *scrubbedError) Unwrap() error { return e.err }

// Stat returns one object, with the SHA-256 from its metadata.
func (s *S3Store) Stat(ctx context.Context, p string) (Object, error) {
	if err := CheckPath(p); err != nil {
		return Object{}, s.errorf("stat", p, err)
	}
	info, err := s.client.StatObject(ctx, s.bucket, s.key(p), minio.StatObjectOptions{Checksum: true})
	if err != nil {
		return Object{}, s.errorf("stat", p, err)
	}
	return s.object(info), nil
}

func (s *S3Store) object(info minio.ObjectInfo) Object {
	o := Object{Path: strings.TrimPrefix(info.Key, s.prefix), Size: info.Size, ModTime: info.LastModified}
	sum := info.Metadata.Get("X-Amz-Meta-" + metaSHA256)
	for k, v := range info.UserMetadata {
		if sum == "" && strings.EqualFold(strings.TrimPrefix(strings.ToLower(k), "x-amz-meta-"), metaSHA256) {
			sum = v
		}
	}
	if checkHex(sum) != nil {
		return o
	}
	// A full-object SHA-256 the server computed itself outranks the
	// metadata: if they disagree, the content was replaced behind our back.
	if server, err := base64.StdEncoding.DecodeString(info.ChecksumSHA256); err == nil && len(server) == 32 && hex.EncodeToString(server) != sum {
		return o
	}
	if s.suspicious(o.Path, o.Size, info.ETag, sum) {
		return o
	}
	o.SHA256 = sum
	return o
}

// Open reads one object.
func (s *S3Store) Open(ctx context.Context, p string) (io.ReadCloser, error) {
	if err := CheckPath(p); err != nil {
		return nil, s.errorf("open", p, err)
	}
	obj, err := s.client.GetObject(ctx, s.bucket, s.key(p), minio.GetObjectOptions{})
	if err == nil {
		_, err = obj.Stat() // GetObject is lazy: surface a missing object here
	}
	if err != nil {
		if obj != nil {
			obj.Close()
		}
		return nil, s.errorf("open", p, err)
	}
	return obj, nil
}

// Put uploads r in one PUT or, above the part size, a multipart upload.
// A single PUT announces the SHA-256 as x-amz-checksum-sha256, so the
// server itself refuses a body that is cut short or altered in transit
// (some servers would otherwise store a truncated streaming upload).
func (s *S3Store) Put(ctx context.Context, p string, r io.Reader, size int64, sha256hex string) error {
	return s.put(ctx, p, r, size, sha256hex, false)
}

// Create stores data under path only when no object is there (a
// conditional PUT, If-None-Match: *); an object there already is an error
// matching fs.ErrExist. Writers on several machines claim a name with it.
func (s *S3Store) Create(ctx context.Context, p string, data []byte) error {
	sum := sha256.Sum256(data)
	return s.put(ctx, p, bytes.NewReader(data), int64(len(data)), hex.EncodeToString(sum[:]), true)
}

func (s *S3Store) put(ctx context.Context, p string, r io.Reader, size int64, sha256hex string, create bool) error {
	if err := CheckPath(p); err != nil {
		return s.errorf("put", p, err)
	}
	if err := checkHex(sha256hex); err != nil {
		return s.errorf("put", p, err)
	}
	meta := map[string]string{metaSHA256: sha256hex}
	if size <= int64(s.partSize) {
		raw, _ := hex.DecodeString(sha256hex)
		meta[checksumHeader] = base64.StdEncoding.EncodeToString(raw)
	}
	opts := minio.PutObjectOptions{
		UserMetadata:         meta,
		ContentType:          "application/octet-stream",
		PartSize:             s.partSize,
		DisableContentSha256: true, // the checksum header, part checksums and our own check cover integrity
	}
	if create {
		opts.SetMatchETagExcept("*")
	}
	info, err := s.client.PutObject(ctx, s.bucket, s.key(p), newCheckedReader(ctx, r, size, sha256hex), size, opts)
	if resp := minio.ToErrorResponse(err); create && (resp.StatusCode == http.StatusPreconditionFailed || resp.Code == "PreconditionFailed") {
		return s.errorf("create", p, fmt.Errorf("%w (%s)", fs.ErrExist, resp.Code))
	}
	if err != nil {
		return s.errorf("put", p, err)
	}
	s.remember(p, size, info.ETag, sha256hex)
	return nil
}

// Remove deletes one object.
func (s *S3Store) Remove(ctx context.Context, p string) error {
	if p == "" {
		return s.errorf("remove", p, errors.New("empty path"))
	}
	if err := s.client.RemoveObject(ctx, s.bucket, s.key(p), minio.RemoveObjectOptions{}); err != nil {
		var resp minio.ErrorResponse
		if !errors.As(err, &resp) || resp.StatusCode != http.StatusNotFound {
			return s.errorf("remove", p, err)
		}
	}
	s.forget(p)
	return nil
}
