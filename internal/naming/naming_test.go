package naming

import "testing"

func TestSnake(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"ID", "id"},
		{"A", "a"},
		{"Name", "name"},
		{"CreatedAt", "created_at"},
		{"UserID", "user_id"},
		{"AuthorID", "author_id"},
		{"HTTPServer", "http_server"},
		{"URLPath", "url_path"},
		{"S3Key", "s3_key"},
		{"OAuth2Token", "o_auth2_token"},
		{"HTTP2Server", "http2_server"},
		{"X509Cert", "x509_cert"},
		{"Int64Value", "int64_value"},
		{"Age2", "age2"},
		{"Line2", "line2"},
		{"Utf8mb4", "utf8mb4"},
		{"V2API", "v2_api"},
		{"UserIDs", "user_ids"},
		{"IDs", "ids"},
		{"APIsByName", "apis_by_name"},
		{"HTTPSettings", "http_settings"},
		{"HTTPSProxy", "https_proxy"},
		{"CPUsage", "cp_usage"},
		{"PlaylistId", "playlist_id"},
		{"Already_Snake", "already_snake"},
		{"already_snake", "already_snake"},
		{"ÉtatCivil", "état_civil"},
		{"", ""},
	} {
		if got := Snake(c.in); got != c.want {
			t.Errorf("Snake(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestPlural(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"book", "books"},
		{"category", "categories"},
		{"day", "days"},
		{"address", "addresses"},
		{"box", "boxes"},
		{"branch", "branches"},
		{"wish", "wishes"},
		{"playlist_track", "playlist_tracks"},
		{"y", "ys"},
	} {
		if got := Plural(c.in); got != c.want {
			t.Errorf("Plural(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
