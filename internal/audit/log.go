package audit

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/netid-project/netid/internal/storage"
)

// ChannelLifecycle is the record channel of what happens to a person's
// credential outside verifications (issuance, re-proofing, self-service
// and operators' actions); PlatformName is the RPName of those records
// (the platform itself).
const (
	ChannelLifecycle = "lifecycle"
	PlatformName     = "netid"
)

// DefaultHeadEvery is the default Log.HeadEvery.
const DefaultHeadEvery = 100

// HashSize is the size of a record hash (SHA-256).
const HashSize = sha256.Size

// Sentinel errors.
var (
	// ErrNoSigner: the key set has no signing key yet (not loaded).
	ErrNoSigner = errors.New("audit: no signing key")
	// ErrEmptyLog: SignHead on a log without records.
	ErrEmptyLog = errors.New("audit: the log is empty")
	// ErrTruncated: SignHead found the log ending before its last stored
	// head; it refuses to sign a head over a truncated log.
	ErrTruncated = errors.New("audit: the log ends before its last signed head")
	// ErrTampered: Report.Err of a report listing problems.
	ErrTampered = errors.New("audit: the record log was tampered with")
)

// Store is what the log needs of the storage layer. storage.Storage
// satisfies it; see storage.VerificationStore for the contract.
type Store interface {
	AppendTreeRecord(ctx context.Context, r storage.Record, extend func(rd storage.LogReader, end storage.LogEnd, r storage.Record) (storage.LogAppend, error)) (storage.Record, error)
	ListRecords(ctx context.Context, after int64, limit int) ([]storage.Record, error)
	PutHead(ctx context.Context, h storage.Head) error
	ListHeads(ctx context.Context) ([]storage.Head, error)
	TreeStore
}

// Transactor is a Store that runs several calls in one transaction
// (storage.Storage's InTransaction, adapted by Log). A Store that is not
// one, and not a storage.Storage, must serialise Append itself.
type Transactor interface {
	Transact(ctx context.Context, fn func(tx Store) error) error
}

var _ Store = storage.Storage(nil)

// Signer gives the platform's active signing key (keys.KeySet): an ES256
// (P-256) key and its kid, or nil before the keys are loaded.
type Signer interface {
	Signer() (crypto.Signer, string)
}

// Log appends verification records to the chained log and signs its heads.
// Its fields are set once before use; it is then safe for concurrent use
// (Store.AppendTreeRecord serialises appends, also across processes).
type Log struct {
	Store Store
	Keys  Signer
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Rand makes record IDs; nil means crypto/rand.Reader.
	Rand io.Reader
	// HeadEvery: Append signs a head after every record whose Seq is a
	// multiple of it; zero or less means DefaultHeadEvery.
	HeadEvery int
}

func (l *Log) now() time.Time {
	if l.Now != nil {
		return l.Now()
	}
	return time.Now()
}

func (l *Log) headEvery() int64 {
	if l.HeadEvery <= 0 {
		return DefaultHeadEvery
	}
	return int64(l.HeadEvery)
}

// Append stamps r (a random ID if r.ID is empty; Time set to Now, in UTC to
// the microsecond, which is what storage keeps), chains it to its
// predecessor (PrevHash, Hash), adds it to the Merkle tree and signs the
// tree head over it, all in one transaction of the store: the record is
// appended with its signed tree head or not at all. It returns the record
// as stored. Seq, PrevHash and Hash given in r are ignored.
//
// When the new record's Seq is a multiple of HeadEvery, Append also signs
// a chain head over it (see SignHead).
func (l *Log) Append(ctx context.Context, r storage.Record) (storage.Record, error) {
	var rec storage.Record
	err := l.inTx(ctx, func(tx Store) error {
		var err error
		rec, _, err = l.AppendTree(ctx, tx, r)
		return err
	})
	if err != nil {
		return storage.Record{}, err
	}
	return rec, nil
}

// AppendIn is Append through tx, a transaction the caller opened with
// storage.Storage.InTransaction around the change the record records: the
// record and its signed tree head commit with the change or none does, so
// no change is left without its record (nor a record of a change that did
// not happen, nor a record no signed head covers). The caller appends
// last in its transaction, which then holds the log's tail until it ends.
// Without a signing key it fails with ErrNoSigner (the change is then
// rolled back).
func (l *Log) AppendIn(ctx context.Context, tx Store, r storage.Record) (storage.Record, error) {
	rec, _, err := l.AppendTree(ctx, tx, r)
	return rec, err
}

// AppendTree is AppendIn, also returning the signed tree head over the
// record (what a holder receives with it).
func (l *Log) AppendTree(ctx context.Context, tx Store, r storage.Record) (storage.Record, storage.TreeHead, error) {
	key, kid, err := l.signer()
	if err != nil {
		return storage.Record{}, storage.TreeHead{}, err
	}
	rec, head, err := l.appendWithTree(ctx, tx, r, key, kid)
	if err != nil {
		return storage.Record{}, storage.TreeHead{}, err
	}
	if rec.Seq%l.headEvery() == 0 {
		if _, err := l.signHead(ctx, tx, rec.Seq, rec.Hash); err != nil {
			return storage.Record{}, storage.TreeHead{}, err
		}
	}
	return rec, head, nil
}

// inTx runs fn in one transaction of l.Store.
func (l *Log) inTx(ctx context.Context, fn func(tx Store) error) error {
	switch s := l.Store.(type) {
	case storage.Storage:
		return s.InTransaction(ctx, func(tx storage.Storage) error { return fn(tx) })
	case Transactor:
		return s.Transact(ctx, fn)
	default:
		return fn(l.Store)
	}
}

// appendWithTree stamps r and appends it through st, chained and added to
// the tree, with the head signed by key: st hands over the end of the log
// (the last record's link and the newest tree head's frontier) and stores
// record, nodes and head together, in as few statements as it can while
// it holds the log's tail.
func (l *Log) appendWithTree(ctx context.Context, st Store, r storage.Record, key crypto.Signer, kid string) (storage.Record, storage.TreeHead, error) {
	r, err := l.stamp(r)
	if err != nil {
		return storage.Record{}, storage.TreeHead{}, err
	}
	var head storage.TreeHead
	rec, err := st.AppendTreeRecord(ctx, r, func(rd storage.LogReader, end storage.LogEnd, r storage.Record) (storage.LogAppend, error) {
		r, err := chain(end.Last, r)
		if err != nil {
			return storage.LogAppend{}, err
		}
		rng, nodes, err := treeAt(ctx, rd, end.Tree, r.Seq)
		if err != nil {
			return storage.LogAppend{}, err
		}
		nodes, err = appendLeaf(rng, nodes, r)
		if err != nil {
			return storage.LogAppend{}, err
		}
		if head, err = l.signTree(key, kid, rng); err != nil {
			return storage.LogAppend{}, err
		}
		return storage.LogAppend{Record: r, Nodes: nodes, Head: head, Keep: head.Size%keptEvery == 0}, nil
	})
	if err != nil {
		return storage.Record{}, storage.TreeHead{}, fmt.Errorf("audit: append record: %w", err)
	}
	return rec, head, nil
}

// stamp gives r a random ID if it has none and the time Now, in UTC to the
// microsecond (what storage keeps), and clears its links.
func (l *Log) stamp(r storage.Record) (storage.Record, error) {
	if r.ID == "" {
		id, err := l.newID()
		if err != nil {
			return storage.Record{}, err
		}
		r.ID = id
	}
	r.Time = l.now().UTC().Truncate(time.Microsecond)
	r.PrevHash, r.Hash = nil, nil
	return r, nil
}

// chain links r to prev and computes its hash; r.Seq is already set.
func chain(prev *storage.Record, r storage.Record) (storage.Record, error) {
	if prev == nil {
		r.PrevHash = make([]byte, HashSize)
	} else {
		r.PrevHash = append([]byte(nil), prev.Hash...)
	}
	r.Hash = Hash(r)
	return r, nil
}

func (l *Log) newID() (string, error) {
	src := l.Rand
	if src == nil {
		src = rand.Reader
	}
	var b [16]byte
	if _, err := io.ReadFull(src, b[:]); err != nil {
		return "", fmt.Errorf("audit: record ID: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// hashTag opens the encoding; a new encoding gets a new tag.
const hashTag = "netid/audit/record/v1"

// Hash returns the hash of r: SHA-256 over this encoding, version 1, of
// every field but Hash, in order, each integer as 8 bytes big-endian and
// each string or byte string as its length (8 bytes big-endian) then its
// bytes:
//
//	string  "netid/audit/record/v1"
//	int     Seq
//	string  ID
//	int     Time as Unix microseconds
//	string  PersonID, RPID, RPName, Channel, Level
//	int     len(Provided), then each element as a string
//	string  Outcome, GuardianID
//	bytes   PrevHash
//
// Every field is length-prefixed, so no two different records share an
// encoding. The encoding is frozen: changing it would break every log
// already written (use a new tag instead).
func Hash(r storage.Record) []byte {
	n := 8*16 + len(hashTag) + len(r.ID) + len(r.PersonID) + len(r.RPID) + len(r.RPName) +
		len(r.Channel) + len(r.Level) + len(r.Outcome) + len(r.GuardianID) + len(r.PrevHash)
	for _, p := range r.Provided {
		n += 8 + len(p)
	}
	b := make([]byte, 0, n)
	num := func(v uint64) { b = binary.BigEndian.AppendUint64(b, v) }
	str := func(s string) {
		num(uint64(len(s)))
		b = append(b, s...)
	}
	str(hashTag)
	num(uint64(r.Seq))
	str(r.ID)
	num(uint64(r.Time.UnixMicro()))
	str(r.PersonID)
	str(r.RPID)
	str(r.RPName)
	str(r.Channel)
	str(r.Level)
	num(uint64(len(r.Provided)))
	for _, p := range r.Provided {
		str(p)
	}
	str(r.Outcome)
	str(r.GuardianID)
	num(uint64(len(r.PrevHash)))
	b = append(b, r.PrevHash...)
	sum := sha256.Sum256(b)
	return sum[:]
}
