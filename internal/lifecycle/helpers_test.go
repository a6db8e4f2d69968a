package lifecycle

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/netid-project/netid/internal/audit"
	"github.com/netid-project/netid/internal/document"
	"github.com/netid-project/netid/internal/keys"
	"github.com/netid-project/netid/internal/netnum"
	"github.com/netid-project/netid/internal/password"
	"github.com/netid-project/netid/internal/person"
	"github.com/netid-project/netid/internal/sms"
	"github.com/netid-project/netid/internal/storage"
	"github.com/netid-project/netid/internal/storage/sqlstore"
)

var fastParams = password.Params{Time: 1, MemoryKiB: 64, Threads: 1, KeyLen: 32}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// invalidations records the lists Invalidate was called with.
type invalidations struct {
	mu    sync.Mutex
	lists []string
}

func (i *invalidations) Invalidate(list string) {
	i.mu.Lock()
	i.lists = append(i.lists, list)
	i.mu.Unlock()
}

func (i *invalidations) take() []string {
	i.mu.Lock()
	defer i.mu.Unlock()
	l := i.lists
	i.lists = nil
	return l
}

// records is a RecordLog that keeps what it is given.
// records appends lifecycle records to the store, in the transaction it
// is given (as audit.Log does, without the chain); fail makes it refuse.
type records struct {
	store storage.Storage
	mu    sync.Mutex
	fail  error
}

func (r *records) AppendIn(ctx context.Context, tx audit.Store, rec storage.Record) (storage.Record, error) {
	r.mu.Lock()
	fail := r.fail
	r.mu.Unlock()
	if fail != nil {
		return storage.Record{}, fail
	}
	st, ok := tx.(storage.Storage)
	if !ok {
		return storage.Record{}, fmt.Errorf("records: the transaction %T is not a storage.Storage", tx)
	}
	return st.AppendRecord(ctx, rec, nil)
}

func (r *records) failWith(err error) {
	r.mu.Lock()
	r.fail = err
	r.mu.Unlock()
}

// all lists the records in the store, in order.
func (r *records) all() []storage.Record {
	recs, err := r.store.ListRecords(context.Background(), 0, 1000)
	if err != nil {
		panic(err)
	}
	return recs
}

func (r *records) outcomes() []string {
	var out []string
	for _, rec := range r.all() {
		out = append(out, rec.Outcome)
	}
	return out
}

type fixture struct {
	t       *testing.T
	ctx     context.Context
	store   storage.Storage
	sealer  *keys.Sealer
	index   *keys.Indexer
	outbox  *sms.Outbox
	clock   *clock
	status  *invalidations
	records *records
	svc     *Service
	n       int
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	st, err := sqlstore.OpenSQLite(ctx, sqlstore.Memory)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	key := make([]byte, 32)
	rand.Read(key)
	sealer, err := keys.NewSealer(keys.Derive(key, keys.PurposeSealing), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	index := keys.NewIndexer(keys.Derive(key, keys.PurposeIndex))
	clk := &clock{t: time.Date(2026, 3, 1, 4, 0, 0, 0, time.UTC)}
	outbox := sms.NewOutbox(20)
	codes := &sms.Codes{Store: st, Sender: outbox, MAC: index.MAC, Now: clk.Now, NewID: uuid.NewString,
		Index: func(phone string) string { return index.Index("phone", phone) }}
	f := &fixture{t: t, ctx: ctx, store: st, sealer: sealer, index: index, outbox: outbox, clock: clk, status: &invalidations{}, records: &records{store: st}}
	f.svc = &Service{
		Store: st, Sealer: sealer, Index: index, Codes: codes,
		Passwords:      &person.Passwords{Store: st, Now: clk.Now},
		Status:         f.status,
		Records:        f.records,
		PasswordParams: fastParams,
		Now:            clk.Now,
	}
	if err := f.svc.Check(); err != nil {
		t.Fatal(err)
	}
	return f
}

// holder is a person with one active credential.
type holder struct {
	person     storage.Person
	credential storage.Credential
	phone      string
	password   string
	birth      document.Date
}

const testPassword = "27418596"

// newHolder stores a person born on birth with a sealed identity, phone and
// password, and an active credential valid for a year.
func (f *fixture) newHolder(birth document.Date, guardianID string) holder {
	f.t.Helper()
	f.n++
	number, err := document.MakeNumber18("110105", birth, 2*f.n+1)
	if err != nil {
		f.t.Fatal(err)
	}
	wh, err := netnum.New(rand.Reader)
	if err != nil {
		f.t.Fatal(err)
	}
	now := f.clock.Now()
	id := uuid.NewString()
	phone := fmt.Sprintf("+86139%08d", f.n)
	pr := person.Proofed{Identity: document.Identity{
		Type: document.ResidentIDCard, Number: number, Name: fmt.Sprintf("测试%d号", f.n), Sex: document.Female, Birth: birth,
		ValidFrom: document.Date{Year: 2020, Month: 1, Day: 1}, ValidUntil: document.Date{Year: 2040, Month: 1, Day: 1},
	}, FaceHash: make([]byte, 32)}
	plain, _ := json.Marshal(pr)
	sealedID, err := f.sealer.Seal(plain, person.AAD(id, "identity"))
	if err != nil {
		f.t.Fatal(err)
	}
	sealedPhone, _ := f.sealer.Seal([]byte(phone), person.AAD(id, "phone"))
	sealedPhoto, _ := f.sealer.Seal([]byte("jpeg"), person.AAD(id, "photo"))
	hash, err := password.Hash(testPassword, fastParams, rand.Reader)
	if err != nil {
		f.t.Fatal(err)
	}
	p, _, err := f.store.GetOrCreatePerson(f.ctx, storage.Person{
		ID: id, Index: f.index.Index("person", number), Wanghao: wh, State: storage.PersonActive,
		Identity: sealedID, Phone: sealedPhone, PhoneIndex: f.index.Index("phone", phone), Photo: sealedPhoto,
		PasswordHash: hash, GuardianID: guardianID, CreatedAt: now, UpdatedAt: now,
	})
	if err != nil {
		f.t.Fatal(err)
	}
	c := f.issue(p.ID)
	return holder{person: p, credential: c, phone: phone, password: testPassword, birth: birth}
}

// issue stores a new active credential of the person (revoking others).
func (f *fixture) issue(personID string) storage.Credential {
	f.t.Helper()
	f.n++
	now := f.clock.Now()
	c := storage.Credential{
		ID: uuid.NewString(), PersonID: personID, Status: storage.CredentialActive,
		StatusList: "1", StatusIndex: int64(f.n), DeviceKey: []byte(`{}`), DeviceKeyID: fmt.Sprintf("thumb-%d", f.n),
		SigningKeyID: "k1", IssuedAt: now, ExpiresAt: now.Add(365 * 24 * time.Hour), UpdatedAt: now,
	}
	if err := f.store.IssueCredential(f.ctx, c); err != nil {
		f.t.Fatal(err)
	}
	return c
}

func (f *fixture) credential(id string) storage.Credential {
	f.t.Helper()
	c, err := f.store.GetCredential(f.ctx, id)
	if err != nil {
		f.t.Fatal(err)
	}
	return c
}

func (f *fixture) person(id string) storage.Person {
	f.t.Helper()
	p, err := f.store.GetPerson(f.ctx, id)
	if err != nil {
		f.t.Fatal(err)
	}
	return p
}

// code reads the latest SMS code sent to phone.
func (f *fixture) code(phone string) string {
	f.t.Helper()
	m, ok := f.outbox.Latest(phone)
	if !ok {
		f.t.Fatal("no SMS sent")
	}
	for _, w := range strings.FieldsFunc(m.Text, func(r rune) bool { return r < '0' || r > '9' }) {
		if len(w) == 6 {
			return w
		}
	}
	f.t.Fatal("no code in the SMS")
	return ""
}

var adultBirth = document.Date{Year: 1985, Month: 6, Day: 15}
