package conformance

import (
	"strings"
	"testing"
	"time"

	"github.com/athanor-orm/athanor"
	"github.com/athanor-orm/athanor/mapper"
)

// Chinook as one set of Go models, registered twice: with snake_case
// singular names for PostgreSQL (artist, artist_id) and with Chinook's own
// PascalCase for MariaDB and SQLite (Artist, ArtistId). Keys are Go-style
// (ArtistID); the PascalCase naming writes ID as Id. The scripts give no
// key defaults, so keys are never autoincrement: objects carry their IDs.
//
// PlaylistTrack is mapped as an association object here: secondary: names
// its table literally, so the many-to-many form needs one model per naming
// (q_m2m_test.go).

type Artist struct {
	ArtistID int64 `athanor:",pk,noautoincrement"`
	Name     *string
	Albums   []*Album `athanor:",backref:Artist,cascade:all"`
}

type Album struct {
	AlbumID  int64 `athanor:",pk,noautoincrement"`
	Title    string
	ArtistID int64
	Artist   *Artist
	Tracks   []*Track `athanor:",backref:Album"`
}

type Genre struct {
	GenreID int64 `athanor:",pk,noautoincrement"`
	Name    *string
	Tracks  []*Track `athanor:",backref:Genre"`
}

type MediaType struct {
	MediaTypeID int64 `athanor:",pk,noautoincrement"`
	Name        *string
}

type Track struct {
	TrackID      int64 `athanor:",pk,noautoincrement"`
	Name         string
	AlbumID      *int64
	Album        *Album
	MediaTypeID  int64
	MediaType    *MediaType
	GenreID      *int64
	Genre        *Genre
	Composer     *string
	Milliseconds int64
	Bytes        *int64
	UnitPrice    athanor.Decimal `athanor:",type:numeric"`
	Lines        []*InvoiceLine  `athanor:",backref:Track"`
}

type Employee struct {
	EmployeeID int64 `athanor:",pk,noautoincrement"`
	LastName   string
	FirstName  string
	Title      *string
	ReportsTo  *int64
	Manager    *Employee   `athanor:",fk:ReportsTo"`
	Reports    []*Employee `athanor:",fk:ReportsTo,backref:Manager"`
	BirthDate  *time.Time
	HireDate   *time.Time
	City       *string
	Country    *string
	Email      *string
	Customers  []*Customer `athanor:",backref:SupportRep"`
}

type Customer struct {
	CustomerID   int64 `athanor:",pk,noautoincrement"`
	FirstName    string
	LastName     string
	Company      *string
	City         *string
	State        *string
	Country      *string
	Email        string
	SupportRepID *int64
	SupportRep   *Employee
	Invoices     []*Invoice `athanor:",backref:Customer,cascade:all+delete-orphan"`
}

type Invoice struct {
	InvoiceID      int64 `athanor:",pk,noautoincrement"`
	CustomerID     int64
	Customer       *Customer
	InvoiceDate    time.Time
	BillingCity    *string
	BillingCountry *string
	Total          athanor.Decimal `athanor:",type:numeric"`
	Lines          []*InvoiceLine  `athanor:",backref:Invoice,cascade:all+delete-orphan"`
}

type InvoiceLine struct {
	InvoiceLineID int64 `athanor:",pk,noautoincrement"`
	InvoiceID     int64
	Invoice       *Invoice
	TrackID       int64
	Track         *Track
	UnitPrice     athanor.Decimal `athanor:",type:numeric"`
	Quantity      int64
}

type Playlist struct {
	PlaylistID int64 `athanor:",pk,noautoincrement"`
	Name       *string
	Entries    []*PlaylistTrack `athanor:",backref:Playlist,cascade:all+delete-orphan"`
}

type PlaylistTrack struct {
	PlaylistID int64 `athanor:",pk"`
	TrackID    int64 `athanor:",pk"`
	Playlist   *Playlist
	Track      *Track
}

// pascalColumn is Chinook's PascalCase for Go field names: ArtistID ->
// ArtistId.
func pascalColumn(field string) string {
	if strings.HasSuffix(field, "ID") {
		return strings.TrimSuffix(field, "ID") + "Id"
	}
	return field
}

// registry registers the models in the dialect's naming; names is the
// naming of the Core tables (snake or identity).
func registry(t *testing.T, names func(string) string) *mapper.Registry {
	t.Helper()
	naming := mapper.NamingFuncs{Table: identity, Column: pascalColumn}
	if names("InvoiceLine") != "InvoiceLine" {
		snakeName := mapper.SnakeCase.ColumnName
		naming = mapper.NamingFuncs{Table: snakeName, Column: snakeName}
	}
	reg := mapper.NewRegistry(mapper.WithNaming(naming))
	for _, register := range []func(*mapper.Registry) (*mapper.Model, error){
		mapper.RegisterIn[Artist], mapper.RegisterIn[Album], mapper.RegisterIn[Genre], mapper.RegisterIn[MediaType],
		mapper.RegisterIn[Track], mapper.RegisterIn[Employee], mapper.RegisterIn[Customer], mapper.RegisterIn[Invoice],
		mapper.RegisterIn[InvoiceLine], mapper.RegisterIn[Playlist], mapper.RegisterIn[PlaylistTrack],
	} {
		if _, err := register(reg); err != nil {
			t.Fatalf("register chinook models: %v", err)
		}
	}
	return reg
}
