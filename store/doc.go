// Package store keeps Xchange Desk's data in one bbolt file.
//
// Layout (all keys big-endian bytes; ids are the 16 bytes of a UUIDv7, so keys sort by
// creation time):
//
//	meta
//	  "schema"      → uint64, the schema version (see migrations)
//	  "programme"   → programmeRecord JSON
//	hosts           id → hostRecord JSON
//	visitors        id → visitorRecord JSON
//	placements      id → placementRecord JSON
//	by_host         host id | first day (uint32, yyyymmdd) | placement id → ""
//	by_visitor      visitor id | placement id → ""
//	by_organisation organisation key | 0x00 | visitor id → ""
//	rates           version (uint64) → rates.Tables JSON, the document `rates export` writes
//	outbox          message id → messageRecord JSON (who, what, status, tries)
//	outbox_raw      message id → the rendered message, byte for byte what is sent
//	outbox_queued   message id → "" while the message waits to be sent
//	outbox_by_placement placement id | message id → ""
//	mailbox_seen    UIDVALIDITY (uint32) | UID (uint32) → "" for each message processed on an
//	                IMAP server that keeps no keywords
//
// meta also holds "totals" (committed and paid cents, changed with every placement) and
// "smtp" and "imap" (the mail server and mailbox settings; never a password).
//
// Records are JSON structs of this package, separate from the domain types of package
// exchange, so the file format changes only on purpose. Every public method is one bbolt
// transaction; the rule checks of a booking run in the same read-write transaction as the
// write they guard, so two bookings can never race past a capacity check, and indexes change
// in the transaction that changes their record.
package store
