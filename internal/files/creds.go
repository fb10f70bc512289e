package files

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Credentials are S3 access keys. They never print: String, GoString,
// MarshalJSON and LogValue all hide them.
type Credentials struct {
	AccessKey    string
	SecretKey    string
	SessionToken string
	Source       string // where they came from: "environment" or the credentials file and profile
}

// IsZero reports whether no keys are set.
func (c Credentials) IsZero() bool { return c.AccessKey == "" && c.SecretKey == "" }

// String describes the credentials without revealing them.
func (c Credentials) String() string {
	if c.IsZero() {
		return "no credentials"
	}
	return "credentials from " + c.Source + " (hidden)"
}

// GoString hides the keys from %#v.
func (c Credentials) GoString() string { return "files.Credentials{" + c.String() + "}" }

// MarshalJSON hides the keys.
func (c Credentials) MarshalJSON() ([]byte, error) {
	return []byte(fmt.Sprintf("%q", c.String())), nil
}

// LogValue hides the keys from slog.
func (c Credentials) LogValue() slog.Value { return slog.StringValue(c.String()) }

// secrets lists the values error messages must never contain.
func (c Credentials) secrets() []string {
	var out []string
	for _, s := range []string{c.SecretKey, c.SessionToken, c.AccessKey} {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// CredentialsFrom finds S3 credentials. A credentials file named in the
// project (file, AWS ini format) wins; its profile is profile, else
// $AWS_PROFILE, else "default". Otherwise AWS_ACCESS_KEY_ID and
// AWS_SECRET_ACCESS_KEY (with the optional AWS_SESSION_TOKEN), otherwise
// the shared credentials file ($AWS_SHARED_CREDENTIALS_FILE or
// $HOME/.aws/credentials) when it exists. Finding nothing is no error: the
// result is zero, and opening an S3 store with it fails clearly.
func CredentialsFrom(getenv func(string) string, file, profile string) (Credentials, error) {
	if profile == "" {
		profile = getenv("AWS_PROFILE")
	}
	if profile == "" {
		profile = "default"
	}
	if file != "" {
		return credentialsFile(file, profile)
	}
	id, secret := getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY")
	switch {
	case id != "" && secret != "":
		return Credentials{AccessKey: id, SecretKey: secret, SessionToken: getenv("AWS_SESSION_TOKEN"), Source: "environment"}, nil
	case id != "":
		return Credentials{}, errors.New("s3 credentials: AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not")
	case secret != "":
		return Credentials{}, errors.New("s3 credentials: AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not")
	}
	shared := getenv("AWS_SHARED_CREDENTIALS_FILE")
	if shared == "" && getenv("HOME") != "" {
		shared = filepath.Join(getenv("HOME"), ".aws", "credentials")
	}
	if shared == "" {
		return Credentials{}, nil
	}
	if _, err := os.Stat(shared); err != nil {
		return Credentials{}, nil
	}
	return credentialsFile(shared, profile)
}

// credentialsFile reads one profile of an AWS credentials file. Errors name
// the file and line, never a value.
func credentialsFile(name, profile string) (Credentials, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return Credentials{}, fmt.Errorf("s3 credentials: %w", err)
	}
	profiles, err := parseINI(name, data)
	if err != nil {
		return Credentials{}, err
	}
	keys, ok := profiles[profile]
	if !ok {
		names := make([]string, 0, len(profiles))
		for n := range profiles {
			names = append(names, n)
		}
		sort.Strings(names)
		return Credentials{}, fmt.Errorf("s3 credentials: %s has no profile %q (profiles: %s)", name, profile, strings.Join(names, ", "))
	}
	c := Credentials{
		AccessKey:    keys["aws_access_key_id"],
		SecretKey:    keys["aws_secret_access_key"],
		SessionToken: keys["aws_session_token"],
		Source:       fmt.Sprintf("%s [%s]", name, profile),
	}
	if c.AccessKey == "" || c.SecretKey == "" {
		return Credentials{}, fmt.Errorf("s3 credentials: profile %q in %s needs aws_access_key_id and aws_secret_access_key", profile, name)
	}
	return c, nil
}

// parseINI reads [section] headers ("[profile name]" counts as "name") and
// key = value lines; # and ; start comments.
func parseINI(name string, data []byte) (map[string]map[string]string, error) {
	out := map[string]map[string]string{}
	var section map[string]string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		switch {
		case text == "" || text[0] == '#' || text[0] == ';':
			continue
		case text[0] == '[':
			if !strings.HasSuffix(text, "]") {
				return nil, fmt.Errorf("s3 credentials: %s:%d: unterminated section header", name, line)
			}
			n := strings.TrimSpace(text[1 : len(text)-1])
			n = strings.TrimSpace(strings.TrimPrefix(n, "profile "))
			section = map[string]string{}
			out[n] = section
			continue
		}
		key, value, ok := strings.Cut(text, "=")
		if !ok {
			return nil, fmt.Errorf("s3 credentials: %s:%d: expected key = value", name, line)
		}
		if section == nil {
			return nil, fmt.Errorf("s3 credentials: %s:%d: key outside a [profile] section", name, line)
		}
		section[strings.ToLower(strings.TrimSpace(key))] = strings.TrimSpace(value)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("s3 credentials: %s: %w", name, err)
	}
	return out, nil
}
