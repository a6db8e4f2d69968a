package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/netid-project/netid/internal/storage"
)

// ---- Relying parties ----

// relyingParties orders by id, which PostgreSQL's schema declares COLLATE
// "C": bytewise, as Go and SQLite compare.
var relyingParties = newTable("relying_parties", "relying party",
	`id, name, sector, category, legal_basis, domains, redirect_uris,
	allowed_claims, auth_method, id_token_alg, jwks, secret_hash, alt_url, alt_text, disabled, created_at, updated_at`,
	func(rp *storage.RelyingParty) []any {
		return []any{&rp.ID, &rp.Name, &rp.Sector, &rp.Category, &rp.LegalBasis, &rp.Domains, &rp.RedirectURIs,
			&rp.AllowedClaims, &rp.AuthMethod, &rp.IDTokenAlg, &rp.JWKS, &rp.SecretHash, &rp.AltURL, &rp.AltText, &rp.Disabled, &rp.CreatedAt, &rp.UpdatedAt}
	})

// CreateRelyingParty stores a new relying party; ErrAlreadyExists if the ID
// is taken.
func (s *Store) CreateRelyingParty(ctx context.Context, rp storage.RelyingParty) error {
	return create(ctx, s, relyingParties, rp)
}

// GetRelyingParty returns the relying party id; ErrNotFound if there is none.
func (s *Store) GetRelyingParty(ctx context.Context, id string) (storage.RelyingParty, error) {
	return get(ctx, s, relyingParties, "get relying party", relyingParties.byKey, id)
}

// ListRelyingParties returns every relying party ordered by ID (bytewise).
func (s *Store) ListRelyingParties(ctx context.Context) ([]storage.RelyingParty, error) {
	return list(ctx, s, relyingParties, "list relying parties", relyingParties.selectAll+` ORDER BY id`)
}

// UpdateRelyingParty replaces the relying party id with fn's result, in a
// transaction holding the row. The ID cannot be changed.
func (s *Store) UpdateRelyingParty(ctx context.Context, id string, fn func(storage.RelyingParty) (storage.RelyingParty, error)) (storage.RelyingParty, error) {
	return update(ctx, s, relyingParties, id, fn)
}

// ---- Sessions ----

var sessions = newTable("sessions", "session",
	`id, rp_id, channel, code_hash, level, claims, purpose, callback_url, nonce,
	subject, state, credential_id, person_id, face_challenge, guardian_id, level_reached, provided,
	result, error, data, created_at, updated_at, expires_at`,
	func(v *storage.Session) []any {
		return []any{&v.ID, &v.RPID, &v.Channel, &v.CodeHash, &v.Level, &v.Claims, &v.Purpose, &v.CallbackURL, &v.Nonce,
			&v.Subject, &v.State, &v.CredentialID, &v.PersonID, &v.FaceChallenge, &v.GuardianID, &v.LevelReached, &v.Provided,
			&v.Result, &v.Error, &v.Data, &v.CreatedAt, &v.UpdatedAt, &v.ExpiresAt}
	})

// CreateSession stores a new session; ErrAlreadyExists if the ID or a
// non-empty CodeHash is taken.
func (s *Store) CreateSession(ctx context.Context, v storage.Session) error {
	return create(ctx, s, sessions, v)
}

// GetSession returns the session id; ErrNotFound if there is none.
func (s *Store) GetSession(ctx context.Context, id string) (storage.Session, error) {
	return get(ctx, s, sessions, "get session", sessions.byKey, id)
}

// GetSessionByCode returns the session whose CodeHash is codeHash;
// ErrNotFound if there is none (always, for an empty codeHash, which is
// stored as NULL).
func (s *Store) GetSessionByCode(ctx context.Context, codeHash []byte) (storage.Session, error) {
	return get(ctx, s, sessions, "get session by code", sessions.selectAll+` WHERE code_hash = $1`, codeHash)
}

// UpdateSession replaces the session id with fn's result, in a transaction
// holding the row. The ID cannot be changed; a CodeHash another session
// holds is ErrAlreadyExists.
func (s *Store) UpdateSession(ctx context.Context, id string, fn func(storage.Session) (storage.Session, error)) (storage.Session, error) {
	return update(ctx, s, sessions, id, fn)
}

// claimStatement is ClaimSession's statement: $1 code hash, $2
// credential, $3 person, $4 now, $5 challenge level, $6 challenge; cond is
// more of its WHERE clause.
func claimStatement(cond string) string {
	return `UPDATE sessions SET
		state = CASE WHEN state = '` + string(storage.SessionPending) + `' THEN '` + string(storage.SessionClaimed) + `' ELSE state END,
		credential_id = $2, person_id = $3, updated_at = $4,
		face_challenge = CASE WHEN level = $5 AND (face_challenge IS NULL OR length(face_challenge) = 0) THEN $6 ELSE face_challenge END
	WHERE code_hash = $1 AND expires_at > $4
		AND (state = '` + string(storage.SessionPending) + `'
			OR (state IN ('` + string(storage.SessionClaimed) + `', '` + string(storage.SessionAwaitingGuardian) + `') AND credential_id = $2))` +
		cond + `
	RETURNING ` + sessions.columnList
}

// finishStatement is FinishSession's statement: $1 id, $2 from, $3
// credential, then end's fields as $4…$9; cond is more of its WHERE clause.
func finishStatement(cond string) string {
	return `UPDATE sessions SET
		state = $4, level_reached = $5, provided = $6, result = $7, error = $8, updated_at = $9
	WHERE id = $1 AND state = $2 AND credential_id = $3` + cond + `
	RETURNING ` + sessions.columnList
}

// openOnly limits a claim to sessions without a Subject.
const openOnly = ` AND subject = ''`

// onceStatement makes a change of a session (an UPDATE … RETURNING of
// every column whose WHERE clause ends where it is to be extended, as
// claimStatement and finishStatement build it) record the one-time value
// $n, expiring $n+1, in the same statement, as useNonce does with $n+2 as
// now, and change its session only if it recorded the value: a
// data-modifying WITH query (PostgreSQL). It returns the changed session
// after true; or, if the value was recorded already, the session that
// matches which (a condition on sessions) after false; or no row.
func onceStatement(change func(cond string) string, cond string, n int, which string) string {
	return fmt.Sprintf(`WITH fresh AS (
		%s
		RETURNING 1
	), changed AS (
		%s
	)
	SELECT true, %s FROM changed
	UNION ALL
	SELECT false, %s FROM sessions WHERE %s AND NOT EXISTS (SELECT 1 FROM fresh)`,
		nonceUpsert(n), change(cond+` AND EXISTS (SELECT 1 FROM fresh)`), sessions.columnList, sessions.columnList, which)
}

// The statements of ClaimSession and FinishSession: plain, and recording
// a one-time value (onceStatement); claims of any session, or
// (openOnly) of sessions without a Subject.
var (
	claimAny, claimOpen         = claimStatement(""), claimStatement(openOnly)
	claimAnyOnce, claimOpenOnce = onceStatement(claimStatement, "", 7, "code_hash = $1"), onceStatement(claimStatement, openOnly, 7, "code_hash = $1")
	finishSession               = finishStatement("")
	finishSessionOnce           = onceStatement(finishStatement, "", 10, "id = $1")
)

// ClaimSession claims the live session of a code for a credential, in one
// UPDATE … RETURNING (see storage.VerificationStore). On SQLite it runs
// on the writer; on PostgreSQL the row's lock orders racing claims, and
// the loser's WHERE, re-checked on the claimed row, matches nothing. With
// a one-time value, PostgreSQL records it and claims in one statement
// (onceStatement); SQLite in one transaction on the writer, where
// statements cost no round trip.
func (s *Store) ClaimSession(ctx context.Context, c storage.SessionClaim) (storage.Session, error) {
	if len(c.CodeHash) == 0 || c.CredentialID == "" {
		if err := s.spendNonce(ctx, "claim session", c.Nonce); err != nil {
			return storage.Session{}, err
		}
		return storage.Session{}, s.fail("claim session", storage.ErrNotFound)
	}
	args := []any{c.CodeHash, c.CredentialID, c.PersonID, c.Now, c.ChallengeLevel, c.Challenge}
	plain, once := claimAny, claimAnyOnce
	if c.OpenOnly {
		plain, once = claimOpen, claimOpenOnce
	}
	if c.Nonce.Key == "" {
		return get(ctx, s, sessions, "claim session", plain, args...)
	}
	return s.changeSessionOnce(ctx, "claim session", c.Nonce, plain, once, args, `code_hash = $1`)
}

// FinishSession ends a holder's session from one state, in one UPDATE …
// RETURNING (see storage.VerificationStore); with a one-time value, as
// ClaimSession records one.
func (s *Store) FinishSession(ctx context.Context, id string, from storage.SessionState, credentialID string, end storage.SessionEnd) (storage.Session, error) {
	if credentialID == "" {
		if err := s.spendNonce(ctx, "finish session", end.Nonce); err != nil {
			return storage.Session{}, err
		}
		return storage.Session{}, s.fail("finish session", storage.ErrNotFound)
	}
	args := []any{id, string(from), credentialID, string(end.State), end.LevelReached, end.Provided, end.Result, end.Error, end.UpdatedAt}
	if end.Nonce.Key == "" {
		return get(ctx, s, sessions, "finish session", finishSession, args...)
	}
	return s.changeSessionOnce(ctx, "finish session", end.Nonce, finishSession, finishSessionOnce, args, `id = $1`)
}

// changeSessionOnce runs a change of one session that records the
// one-time value n: once (an onceStatement taking n after args) where the
// flavor has data-modifying WITH queries, else plain (the change alone,
// with args) after useNonce in one transaction. It returns the changed
// session; ErrAlreadyExists if n was recorded already and a session
// matches which (a condition on sessions whose $1 is args[0], as in the
// change), ErrNotFound if nothing changed. A value it recorded stays
// recorded either way.
func (s *Store) changeSessionOnce(ctx context.Context, op string, n storage.Nonce, plain, once string, args []any, which string) (storage.Session, error) {
	if s.f.changeOnce {
		var v storage.Session
		var changed bool
		dest := append([]any{&changed}, sessions.fields(&v)...)
		if err := s.queryRow(ctx, once, append(args, n.Key, n.ExpiresAt, s.now())...).Scan(dest...); err != nil {
			return storage.Session{}, s.fail(op, err)
		}
		if !changed {
			return storage.Session{}, s.fail(op, storage.ErrAlreadyExists)
		}
		return v, nil
	}
	var v storage.Session
	var outcome error
	err := s.inTx(ctx, op, func(tx *Store) error {
		fresh, err := tx.exec(ctx, useNonce, n.Key, n.ExpiresAt, s.now())
		if err != nil {
			return tx.fail(op, err)
		}
		if fresh == 0 {
			var one int
			outcome = storage.ErrAlreadyExists
			if err := tx.queryRow(ctx, `SELECT 1 FROM sessions WHERE `+which, args[0]).Scan(&one); errors.Is(err, sql.ErrNoRows) {
				outcome = storage.ErrNotFound
			} else if err != nil {
				return tx.fail(op, err)
			}
			return nil
		}
		v, err = sessions.scan(tx.queryRow(ctx, plain, args...))
		if errors.Is(err, sql.ErrNoRows) {
			outcome = storage.ErrNotFound
			return nil
		}
		if err != nil {
			return tx.fail(op, err)
		}
		return nil
	})
	if err != nil {
		return storage.Session{}, err
	}
	if outcome != nil {
		return storage.Session{}, s.fail(op, outcome)
	}
	return v, nil
}

// ListGuardianSessions returns the sessions of guardianID in state, oldest
// first; nil for an empty guardianID. The query repeats the predicate of
// the partial index sessions_guardian_state.
func (s *Store) ListGuardianSessions(ctx context.Context, guardianID string, state storage.SessionState) ([]storage.Session, error) {
	if guardianID == "" {
		return nil, nil
	}
	return list(ctx, s, sessions, "list guardian sessions", sessions.selectAll+`
		WHERE guardian_id = $1 AND guardian_id <> '' AND state = $2
		ORDER BY created_at ASC NULLS FIRST, id ASC`, guardianID, string(state))
}

// finalSessionStates are the final states of a session, as an SQL list.
const finalSessionStates = `'` + string(storage.SessionApproved) + `', '` + string(storage.SessionDeclined) +
	`', '` + string(storage.SessionCancelled) + `', '` + string(storage.SessionExpired) +
	`', '` + string(storage.SessionFailed) + `'`

// ListUnrecordedSessions returns up to limit sessions in a final state
// without their record, oldest (by UpdatedAt) first. Each session's
// record is looked for among its relying party's records of the minutes
// after it ended (records_rp_time), not by its ID: the log keeps no index
// on record IDs, which every append would have to write.
func (s *Store) ListUnrecordedSessions(ctx context.Context, limit int) ([]storage.Session, error) {
	if limit < 1 {
		return nil, nil
	}
	return list(ctx, s, sessions, "list unrecorded sessions", unrecordedSessions(s.f), limit)
}

// unrecordedSessions is ListUnrecordedSessions's query in flavor f, with
// the limit as $1.
func unrecordedSessions(f *flavor) string {
	return sessions.selectAll + `
		WHERE state IN (` + finalSessionStates + `)
		AND NOT EXISTS (` + f.recordOfSession + `)
		ORDER BY updated_at ASC NULLS FIRST, id ASC LIMIT $1`
}

// ---- Grants ----

var grants = newTable("grants", "grant",
	`id, kind, hash, session_id, rp_id, data, created_at, expires_at, consumed_at, revoked_at`,
	func(g *storage.Grant) []any {
		return []any{&g.ID, &g.Kind, &g.Hash, &g.SessionID, &g.RPID, &g.Data, &g.CreatedAt, &g.ExpiresAt, &g.ConsumedAt, &g.RevokedAt}
	})

// CreateGrant stores a new grant; ErrAlreadyExists if the ID or a non-empty
// Hash is taken.
func (s *Store) CreateGrant(ctx context.Context, g storage.Grant) error {
	return create(ctx, s, grants, g)
}

// GetGrantByHash returns the grant whose Hash is hash; ErrNotFound if there
// is none (always, for an empty hash).
func (s *Store) GetGrantByHash(ctx context.Context, hash []byte) (storage.Grant, error) {
	return get(ctx, s, grants, "get grant by hash", grants.selectAll+` WHERE hash = $1`, hash)
}

// UpdateGrant replaces the grant id with fn's result, in a transaction
// holding the row. The ID cannot be changed; a Hash another grant holds is
// ErrAlreadyExists.
func (s *Store) UpdateGrant(ctx context.Context, id string, fn func(storage.Grant) (storage.Grant, error)) (storage.Grant, error) {
	return update(ctx, s, grants, id, fn)
}

// RevokeGrants sets RevokedAt to at on every grant of sessionID not yet
// revoked, in one statement (which, on PostgreSQL, takes each row's lock,
// so it serialises with a racing UpdateGrant of the same grant).
func (s *Store) RevokeGrants(ctx context.Context, sessionID string, at time.Time) error {
	if _, err := s.exec(ctx, `UPDATE grants SET revoked_at = $1
		WHERE session_id = $2 AND revoked_at IS NULL`, at, sessionID); err != nil {
		return s.fail("revoke grants", err)
	}
	return nil
}

// ---- Consents ----

// consents orders by rp_id, which PostgreSQL's schema declares COLLATE "C".
var consents = newTable("consents", "consent",
	`person_id, rp_id, claims, plaintext, guardian_id, guardian_at, granted_at, updated_at`,
	func(c *storage.Consent) []any {
		return []any{&c.PersonID, &c.RPID, &c.Claims, &c.Plaintext, &c.GuardianID, &c.GuardianAt, &c.GrantedAt, &c.UpdatedAt}
	})

// PutConsent inserts c, or replaces every field of the consent with the same
// (PersonID, RPID), in one upsert.
func (s *Store) PutConsent(ctx context.Context, c storage.Consent) error {
	if _, err := s.exec(ctx, consents.insert+`
		ON CONFLICT (person_id, rp_id) DO UPDATE SET
			claims = excluded.claims, plaintext = excluded.plaintext,
			guardian_id = excluded.guardian_id, guardian_at = excluded.guardian_at,
			granted_at = excluded.granted_at, updated_at = excluded.updated_at`,
		consents.args(c)...); err != nil {
		return s.fail("put consent", err)
	}
	return nil
}

// UpdateConsent changes personID's consent for rpID with fn in one
// transaction. The row is read for update where the flavor locks rows
// (SQLite's write transaction holds the one writer already); a consent not
// yet stored is inserted with ON CONFLICT DO NOTHING, and if a racing
// transaction inserted it first, the row it inserted is read for update
// and fn runs again on it.
func (s *Store) UpdateConsent(ctx context.Context, personID, rpID string, fn func(storage.Consent, bool) (storage.Consent, bool, error)) (storage.Consent, error) {
	const op = "update consent"
	var out storage.Consent
	err := s.inTx(ctx, op, func(tx *Store) error {
		for attempt := 0; ; attempt++ {
			cur, err := get(ctx, tx, consents, op, consents.selectAll+` WHERE person_id = $1 AND rp_id = $2`+tx.f.forUpdate, personID, rpID)
			found := err == nil
			if err != nil && !errors.Is(err, storage.ErrNotFound) {
				return err
			}
			next, write, err := fn(cur, found)
			if err != nil {
				return err
			}
			if !write {
				out = cur
				return nil
			}
			next.PersonID, next.RPID = personID, rpID
			if found {
				if _, err := tx.exec(ctx, `UPDATE consents SET claims = $3, plaintext = $4, guardian_id = $5,
					guardian_at = $6, granted_at = $7, updated_at = $8 WHERE person_id = $1 AND rp_id = $2`,
					consents.args(next)...); err != nil {
					return tx.fail(op, err)
				}
				out = readBack(next)
				return nil
			}
			n, err := tx.exec(ctx, consents.insert+` ON CONFLICT (person_id, rp_id) DO NOTHING`, consents.args(next)...)
			if err != nil {
				return tx.fail(op, err)
			}
			if n == 1 {
				out = readBack(next)
				return nil
			}
			if attempt > 0 {
				return fmt.Errorf("%s: %s: the consent was inserted and is not found", tx.f.name, op)
			}
		}
	})
	return out, err
}

// GetConsent returns personID's consent for rpID; ErrNotFound if there is none.
func (s *Store) GetConsent(ctx context.Context, personID, rpID string) (storage.Consent, error) {
	return get(ctx, s, consents, "get consent", consents.selectAll+` WHERE person_id = $1 AND rp_id = $2`, personID, rpID)
}

// ListConsents returns personID's consents ordered by RPID (bytewise).
func (s *Store) ListConsents(ctx context.Context, personID string) ([]storage.Consent, error) {
	return list(ctx, s, consents, "list consents", consents.selectAll+` WHERE person_id = $1 ORDER BY rp_id`, personID)
}

// DeleteConsent removes personID's consent for rpID; ErrNotFound if there
// is none.
func (s *Store) DeleteConsent(ctx context.Context, personID, rpID string) error {
	return s.change(ctx, "delete consent", storage.ErrNotFound,
		`DELETE FROM consents WHERE person_id = $1 AND rp_id = $2`, personID, rpID)
}
