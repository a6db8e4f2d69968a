package eidverify

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/audit"
	"github.com/netid-project/netid/internal/devauthority"
	"github.com/netid-project/netid/internal/document"
	"github.com/netid-project/netid/internal/eid"
	"github.com/netid-project/netid/internal/keys"
	"github.com/netid-project/netid/internal/person"
	"github.com/netid-project/netid/internal/storage"
)

const issuer = "https://netid.test"

// t0 is the tests' time: 2026-03-01 10:00 China time.
var t0 = time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)

// memStore is an in-memory Store.
type memStore struct {
	mu     sync.Mutex
	creds  map[string]storage.Credential
	people map[string]storage.Person
	nonces map[string]time.Time
	// consents are keyed by person ID + " " + relying party ID.
	consents map[string]storage.Consent
	now      func() time.Time
	// log receives the records of committed transactions.
	log  *memLog
	txMu sync.Mutex
}

// memTx is a transaction on a memStore: the nonces it uses and the records
// appended in it reach the store and its log only when it commits.
type memTx struct {
	storage.Storage // only what the service calls in a transaction is here
	m               *memStore
	nonces          map[string]time.Time
	recs            []storage.Record
}

func (t *memTx) UseNonce(ctx context.Context, key string, exp time.Time) error {
	if _, ok := t.nonces[key]; ok {
		return storage.ErrAlreadyExists
	}
	t.m.mu.Lock()
	e, ok := t.m.nonces[key]
	t.m.mu.Unlock()
	if ok && t.m.now().Before(e) {
		return storage.ErrAlreadyExists
	}
	t.nonces[key] = exp
	return nil
}

// InTransaction runs fn alone (transactions are serialised) and commits
// what it did if it returns nil.
func (m *memStore) InTransaction(ctx context.Context, fn func(tx storage.Storage) error) error {
	m.txMu.Lock()
	defer m.txMu.Unlock()
	tx := &memTx{m: m, nonces: map[string]time.Time{}}
	if err := fn(tx); err != nil {
		return err
	}
	m.mu.Lock()
	for k, v := range tx.nonces {
		m.nonces[k] = v
	}
	m.mu.Unlock()
	for _, r := range tx.recs {
		if _, err := m.log.Append(ctx, r); err != nil {
			return err
		}
	}
	return nil
}

func (m *memStore) GetCredential(_ context.Context, id string) (storage.Credential, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.creds[id]
	if !ok {
		return c, storage.ErrNotFound
	}
	return c, nil
}

func (m *memStore) GetPerson(_ context.Context, id string) (storage.Person, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	p, ok := m.people[id]
	if !ok {
		return p, storage.ErrNotFound
	}
	return p, nil
}

func (m *memStore) GetConsent(_ context.Context, personID, rpID string) (storage.Consent, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.consents[personID+" "+rpID]
	if !ok {
		return c, storage.ErrNotFound
	}
	return c, nil
}

func (m *memStore) UseNonce(_ context.Context, key string, exp time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e, ok := m.nonces[key]; ok && m.now().Before(e) {
		return storage.ErrAlreadyExists
	}
	m.nonces[key] = exp
	return nil
}

// memLog is a RecordLog keeping records in memory; fail makes it refuse.
type memLog struct {
	mu      sync.Mutex
	records []storage.Record
	fail    error
}

func (l *memLog) Append(_ context.Context, r storage.Record) (storage.Record, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.fail != nil {
		return storage.Record{}, l.fail
	}
	r.Seq = int64(len(l.records) + 1)
	l.records = append(l.records, r)
	return r, nil
}

// AppendIn appends r in a memStore transaction: it reaches the log when
// the transaction commits.
func (l *memLog) AppendIn(_ context.Context, tx audit.Store, r storage.Record) (storage.Record, error) {
	l.mu.Lock()
	fail := l.fail
	l.mu.Unlock()
	if fail != nil {
		return storage.Record{}, fail
	}
	t := tx.(*memTx)
	t.recs = append(t.recs, r)
	return r, nil
}

func (l *memLog) all() []storage.Record {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]storage.Record(nil), l.records...)
}

// fixture is a service with one holder.
type fixture struct {
	svc    *Service
	store  *memStore
	log    *memLog
	sealer *keys.Sealer
	now    time.Time
	key    *ecdsa.PrivateKey
	cid    string
	person string
	id     document.Identity
	photo  []byte
}

func (f *fixture) clock() time.Time { return f.now }

func newKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func jwkOf(t testing.TB, k *ecdsa.PrivateKey) []byte {
	t.Helper()
	b, err := json.Marshal(jose.JSONWebKey{Key: &k.PublicKey})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func testIdentity(t testing.TB, birth document.Date) document.Identity {
	t.Helper()
	number, err := document.MakeNumber18("110105", birth, 13)
	if err != nil {
		t.Fatal(err)
	}
	return document.Identity{
		Type: document.ResidentIDCard, Number: number, Name: "张小三", Sex: document.Male, Ethnicity: "汉",
		Birth: birth, Address: "北京市朝阳区测试路1号", IssuingAuthority: "北京市公安局朝阳分局",
		ValidFrom: document.Date{Year: 2020, Month: 1, Day: 1}, ValidUntil: document.Date{Year: 2040, Month: 1, Day: 1},
	}
}

func sealPerson(t testing.TB, sealer *keys.Sealer, p *storage.Person, id document.Identity, photo []byte) {
	t.Helper()
	b, err := json.Marshal(person.Proofed{Identity: id, PersonKey: "k"})
	if err != nil {
		t.Fatal(err)
	}
	if p.Identity, err = sealer.Seal(b, person.AAD(p.ID, "identity")); err != nil {
		t.Fatal(err)
	}
	if photo != nil {
		if p.Photo, err = sealer.Seal(photo, person.AAD(p.ID, "photo")); err != nil {
			t.Fatal(err)
		}
	}
}

func newFixture(t testing.TB, birth document.Date) *fixture {
	t.Helper()
	kek := make([]byte, 32)
	rand.Read(kek)
	sealer, err := keys.NewSealer(kek, nil)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{sealer: sealer, now: t0, key: newKey(t), cid: "cred-1", person: "person-1", log: &memLog{}}
	f.store = &memStore{creds: map[string]storage.Credential{}, people: map[string]storage.Person{}, nonces: map[string]time.Time{}, consents: map[string]storage.Consent{}, now: f.clock, log: f.log}
	f.id = testIdentity(t, birth)
	f.photo = devauthority.FaceImage(f.id.Name)
	p := storage.Person{ID: f.person, Index: "idx", Wanghao: "WH0001", State: storage.PersonActive}
	sealPerson(t, sealer, &p, f.id, f.photo)
	f.store.people[p.ID] = p
	f.store.creds[f.cid] = storage.Credential{
		ID: f.cid, PersonID: f.person, Status: storage.CredentialActive, DeviceKey: jwkOf(t, f.key),
		IssuedAt: t0.Add(-24 * time.Hour), ExpiresAt: t0.Add(365 * 24 * time.Hour),
	}
	f.svc = &Service{Store: f.store, Sealer: sealer, Records: f.log, Issuer: issuer, Now: f.clock}
	if err := f.svc.Check(); err != nil {
		t.Fatal(err)
	}
	return f
}

// payload signs an online payload at the given time.
func (f *fixture) payload(t testing.TB, at time.Time) string {
	t.Helper()
	p, err := eidSign(f.key, f.cid, at)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// inPerson is an in-person relying party.
func inPerson(id, legalBasis string, claims ...string) storage.RelyingParty {
	return storage.RelyingParty{ID: id, Name: "核验点 " + id, Category: storage.CategoryInPerson, LegalBasis: legalBasis, AllowedClaims: claims}
}

var allClaims = []string{"name", "photo", "sex", "document_number", "document_valid_until", "age_over_18"}

func eidSign(key *ecdsa.PrivateKey, cid string, at time.Time) (string, error) {
	return eid.SignOnline(key, issuer, cid, at, nil)
}
