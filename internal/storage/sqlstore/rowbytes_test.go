package sqlstore

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/netid-project/netid/internal/audit"
	"github.com/netid-project/netid/internal/storage"
)

// rowBytesN is how many rows of each kind BenchmarkRowBytes inserts.
const rowBytesN = 20000

// randID is a random ID as the platform makes them: 16 bytes, base64url.
func randID(tb testing.TB) string { return base64.RawURLEncoding.EncodeToString(randBytes(tb, 16)) }

func randBytes(tb testing.TB, n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		tb.Fatal(err)
	}
	return b
}

// tableBytes returns the bytes the table and its indexes take on disk:
// on PostgreSQL pg_total_relation_size (heap, TOAST, indexes, free space
// and visibility maps) summed over its partitions; on SQLite the pages of
// the table's b-tree and of its indexes (dbstat).
func tableBytes(tb testing.TB, s *Store, table string) int64 {
	tb.Helper()
	q := `SELECT coalesce(sum(pgsize), 0) FROM dbstat
		WHERE name IN (SELECT name FROM sqlite_master WHERE tbl_name = $1)`
	if s.f == postgresFlavor {
		q = `SELECT CASE WHEN c.relkind = 'p'
			THEN (SELECT coalesce(sum(pg_total_relation_size(relid)), 0) FROM pg_partition_tree(c.oid))::bigint
			ELSE pg_total_relation_size(c.oid) END
			FROM pg_class c WHERE c.oid = $1::regclass`
	}
	var n int64
	if err := s.queryRow(tb.Context(), q, table).Scan(&n); err != nil {
		tb.Fatalf("size of %s: %v", table, err)
	}
	return n
}

// BenchmarkRowBytes measures the bytes on disk per holder (persons), per
// credential (credentials), per status list entry (status_slots, two per
// holder) and per
// verification record (records, and the Merkle tree's nodes and signed
// heads it adds), table and indexes together: it inserts
// rowBytesN rows of each, with fields of the sizes the platform writes,
// and divides the growth of each table by rowBytesN. It runs its body
// once whatever b.N; run it with -benchtime=1x.
//
// The sizes: IDs of 16 random bytes in base64url (22 characters) as the
// platform makes them; blind indexes and thumbprints of 32 bytes in
// base64url (43); a sealed identity of 320 bytes (the kept fields, format
// 2, sealed); a sealed 1,024-byte chip photo (the second-generation
// resident identity card's) with 28 bytes of sealing; a sealed phone of
// 40 bytes; an argon2id PHC string of 97 characters; a P-256 JWK of 120
// bytes; SHA-256 chain hashes; a relying party name of 8 Chinese
// characters; two provided claims.
func BenchmarkRowBytes(b *testing.B) {
	for _, be := range []backend{sqliteFile, postgres} {
		b.Run(be.name, func(b *testing.B) {
			s := be.openTest(b)
			ctx := b.Context()
			before := map[string]int64{}
			tables := []string{"persons", "credentials", "status_slots", "records", "tree_nodes", "tree_heads"}
			key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			if err != nil {
				b.Fatal(err)
			}
			log := &audit.Log{Store: s, Keys: auditKey{key}}
			for _, t := range tables {
				before[t] = tableBytes(b, s, t)
			}
			now := time.Now().UTC()
			b.ResetTimer()
			for range b.N {
				b.StopTimer()
			}
			const chunk = 500
			for start := 0; start < rowBytesN; start += chunk {
				err := s.InTransaction(ctx, func(tx storage.Storage) error {
					for i := start; i < start+chunk; i++ {
						if err := insertHolder(b, ctx, tx, log, i, now); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					b.Fatalf("insert: %v", err)
				}
			}
			if s.f == postgresFlavor {
				// Sizes as a running database has them: the visibility
				// and free space maps written.
				if _, err := s.exec(ctx, `VACUUM`); err != nil {
					b.Fatalf("vacuum: %v", err)
				}
			}
			for _, t := range tables {
				n := float64(rowBytesN)
				if t == "status_slots" {
					n *= 2 // two entries per holder
				}
				per := float64(tableBytes(b, s, t)-before[t]) / n
				b.ReportMetric(per, "B/"+t)
			}
			b.ReportMetric(0, "ns/op")
		})
	}
}

// insertHolder writes holder i: a person, a credential, its status list
// entry and a batch credential's, and one verification record appended as
// the platform does (audit.Log: chained, in the Merkle tree, under a signed
// tree head).
func insertHolder(b *testing.B, ctx context.Context, tx storage.Storage, log *audit.Log, i int, now time.Time) error {
	personID, credID := randID(b), randID(b)
	thumb := base64.RawURLEncoding.EncodeToString(randBytes(b, 32))
	p := storage.Person{
		ID:             personID,
		Index:          base64.RawURLEncoding.EncodeToString(randBytes(b, 32)),
		Wanghao:        fmt.Sprintf("%018d", i),
		State:          storage.PersonActive,
		Identity:       randBytes(b, 320),
		IdentityFormat: 2,
		PhoneIndex:     base64.RawURLEncoding.EncodeToString(randBytes(b, 32)),
		Phone:          randBytes(b, 40),
		PasswordHash:   "$argon2id$v=19$m=65536,t=3,p=2$" + base64.RawStdEncoding.EncodeToString(randBytes(b, 16)) + "$" + base64.RawStdEncoding.EncodeToString(randBytes(b, 32)),
		Photo:          randBytes(b, 1024+28),
		CreatedAt:      now,
		UpdatedAt:      now,
	}
	if _, _, err := tx.GetOrCreatePerson(ctx, p); err != nil {
		return fmt.Errorf("person: %w", err)
	}
	list, index := strconv.Itoa(1+i/(1<<17)), int64(i%(1<<17))
	jwk := []byte(`{"crv":"P-256","kty":"EC","x":"` + base64.RawURLEncoding.EncodeToString(randBytes(b, 32)) +
		`","y":"` + base64.RawURLEncoding.EncodeToString(randBytes(b, 32)) + `"}`)
	if err := tx.IssueCredential(ctx, storage.Credential{ID: credID, PersonID: personID, Status: storage.CredentialActive,
		StatusList: list, StatusIndex: index, DeviceKey: jwk, DeviceKeyID: thumb, SigningKeyID: randID(b),
		IssuedAt: now, ExpiresAt: now.AddDate(1, 0, 0), UpdatedAt: now}); err != nil {
		return fmt.Errorf("credential: %w", err)
	}
	// IssueCredential took the credential's own entry (member 0); a batch
	// credential takes one more, in another list.
	if err := tx.ReserveStatusSlot(ctx, storage.StatusSlot{List: "1" + list, Index: index, CredentialID: credID, Member: 1,
		DeviceKeyID: thumb, CreatedAt: now}); err != nil {
		return fmt.Errorf("status slot: %w", err)
	}
	_, err := log.AppendIn(ctx, tx, storage.Record{ID: randID(b), PersonID: personID, RPID: randID(b),
		RPName: "某某银行网上银行", Channel: "session", Level: "1", Provided: []string{"name", "id_number"}, Outcome: "approved"})
	return err
}
