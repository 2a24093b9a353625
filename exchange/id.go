package exchange

import (
	"fmt"

	"github.com/google/uuid"
)

// ID identifies a host, visitor or placement. IDs are UUIDv7, so they sort by creation time.
type ID uuid.UUID

// NewID returns a fresh UUIDv7.
func NewID() ID {
	return ID(uuid.Must(uuid.NewV7()))
}

// ParseID reads an ID in its usual 36-character form.
func ParseID(s string) (ID, error) {
	u, err := uuid.Parse(s)
	if err != nil {
		return ID{}, fmt.Errorf("%q is not an id", s)
	}
	return ID(u), nil
}

func (id ID) String() string { return uuid.UUID(id).String() }

// IsZero reports whether id is unset.
func (id ID) IsZero() bool { return id == ID{} }

// Bytes returns the 16 bytes of the id, for store keys.
func (id ID) Bytes() []byte { return id[:] }

// MarshalText writes the usual 36-character form.
func (id ID) MarshalText() ([]byte, error) { return []byte(id.String()), nil }

// UnmarshalText reads the usual 36-character form.
func (id *ID) UnmarshalText(b []byte) error {
	v, err := ParseID(string(b))
	if err != nil {
		return err
	}
	*id = v
	return nil
}
