package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/netid-project/netid/internal/storage"
)

// ---- Relying parties ----

const relyingPartyColumns = `id, name, sector, category, legal_basis, domains, redirect_uris,
	allowed_claims, auth_method, jwks, secret_hash, disabled, created_at, updated_at`

func relyingPartyArgs(rp storage.RelyingParty) []any {
	return []any{rp.ID, rp.Name, rp.Sector, rp.Category, rp.LegalBasis, stringList(rp.Domains),
		stringList(rp.RedirectURIs), stringList(rp.AllowedClaims), rp.AuthMethod, bytesArg(rp.JWKS),
		rp.SecretHash, rp.Disabled, timeArg(rp.CreatedAt), timeArg(rp.UpdatedAt)}
}

func scanRelyingParty(row scanner) (storage.RelyingParty, error) {
	var rp storage.RelyingParty
	var created, updated sql.NullInt64
	err := row.Scan(&rp.ID, &rp.Name, &rp.Sector, &rp.Category, &rp.LegalBasis,
		(*stringList)(&rp.Domains), (*stringList)(&rp.RedirectURIs), (*stringList)(&rp.AllowedClaims),
		&rp.AuthMethod, &rp.JWKS, &rp.SecretHash, &rp.Disabled, &created, &updated)
	if err != nil {
		return storage.RelyingParty{}, err
	}
	rp.JWKS = bytesVal(rp.JWKS)
	rp.CreatedAt, rp.UpdatedAt = timeVal(created), timeVal(updated)
	return rp, nil
}

// normRelyingParty is rp as it reads back from storage.
func normRelyingParty(rp storage.RelyingParty) storage.RelyingParty {
	rp.Domains, rp.RedirectURIs, rp.AllowedClaims = normList(rp.Domains), normList(rp.RedirectURIs), normList(rp.AllowedClaims)
	rp.JWKS = bytesVal(rp.JWKS)
	rp.CreatedAt, rp.UpdatedAt = normTime(rp.CreatedAt), normTime(rp.UpdatedAt)
	return rp
}

// CreateRelyingParty stores a new relying party; ErrAlreadyExists if the ID
// is taken.
func (s *Storage) CreateRelyingParty(ctx context.Context, rp storage.RelyingParty) error {
	if _, err := s.db.ExecContext(ctx, `INSERT INTO relying_parties (`+relyingPartyColumns+`)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)`, relyingPartyArgs(rp)...); err != nil {
		return translate("create relying party", err)
	}
	return nil
}

// GetRelyingParty returns the relying party id; ErrNotFound if there is none.
func (s *Storage) GetRelyingParty(ctx context.Context, id string) (storage.RelyingParty, error) {
	rp, err := scanRelyingParty(s.db.QueryRowContext(ctx,
		`SELECT `+relyingPartyColumns+` FROM relying_parties WHERE id = ?`, id))
	if err != nil {
		return storage.RelyingParty{}, translate("get relying party", err)
	}
	return rp, nil
}

// ListRelyingParties returns every relying party ordered by ID (bytewise).
func (s *Storage) ListRelyingParties(ctx context.Context) ([]storage.RelyingParty, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+relyingPartyColumns+` FROM relying_parties ORDER BY id`)
	return collect("list relying parties", rows, err, scanRelyingParty)
}

// UpdateRelyingParty replaces the relying party id with fn's result, in a
// transaction holding the write lock. The ID cannot be changed.
func (s *Storage) UpdateRelyingParty(ctx context.Context, id string, fn func(storage.RelyingParty) (storage.RelyingParty, error)) (storage.RelyingParty, error) {
	var out storage.RelyingParty
	err := s.inTx(ctx, "update relying party", func(tx *sql.Tx) error {
		cur, err := scanRelyingParty(tx.QueryRowContext(ctx,
			`SELECT `+relyingPartyColumns+` FROM relying_parties WHERE id = ?`, id))
		if err != nil {
			return translate("update relying party", err)
		}
		next, err := fn(cur)
		if err != nil {
			return err
		}
		next.ID = id
		if _, err := tx.ExecContext(ctx, `UPDATE relying_parties SET
			name = ?2, sector = ?3, category = ?4, legal_basis = ?5, domains = ?6, redirect_uris = ?7,
			allowed_claims = ?8, auth_method = ?9, jwks = ?10, secret_hash = ?11, disabled = ?12,
			created_at = ?13, updated_at = ?14
			WHERE id = ?1`, relyingPartyArgs(next)...); err != nil {
			return translate("update relying party", err)
		}
		out = normRelyingParty(next)
		return nil
	})
	return out, err
}

// ---- Sessions ----

const sessionColumns = `id, rp_id, channel, code_hash, level, claims, purpose, callback_url, nonce,
	subject, state, credential_id, person_id, face_challenge, guardian_id, level_reached, provided,
	result, error, data, created_at, updated_at, expires_at`

func sessionArgs(v storage.Session) []any {
	return []any{v.ID, v.RPID, v.Channel, bytesArg(v.CodeHash), v.Level, stringList(v.Claims), v.Purpose,
		v.CallbackURL, v.Nonce, v.Subject, string(v.State), v.CredentialID, v.PersonID,
		bytesArg(v.FaceChallenge), v.GuardianID, v.LevelReached, stringList(v.Provided),
		bytesArg(v.Result), v.Error, bytesArg(v.Data),
		timeArg(v.CreatedAt), timeArg(v.UpdatedAt), timeArg(v.ExpiresAt)}
}

func scanSession(row scanner) (storage.Session, error) {
	var v storage.Session
	var state string
	var created, updated, expires sql.NullInt64
	err := row.Scan(&v.ID, &v.RPID, &v.Channel, &v.CodeHash, &v.Level, (*stringList)(&v.Claims), &v.Purpose,
		&v.CallbackURL, &v.Nonce, &v.Subject, &state, &v.CredentialID, &v.PersonID,
		&v.FaceChallenge, &v.GuardianID, &v.LevelReached, (*stringList)(&v.Provided),
		&v.Result, &v.Error, &v.Data, &created, &updated, &expires)
	if err != nil {
		return storage.Session{}, err
	}
	v.State = storage.SessionState(state)
	v.CodeHash, v.FaceChallenge, v.Result, v.Data = bytesVal(v.CodeHash), bytesVal(v.FaceChallenge), bytesVal(v.Result), bytesVal(v.Data)
	v.CreatedAt, v.UpdatedAt, v.ExpiresAt = timeVal(created), timeVal(updated), timeVal(expires)
	return v, nil
}

// normSession is v as it reads back from storage.
func normSession(v storage.Session) storage.Session {
	v.Claims, v.Provided = normList(v.Claims), normList(v.Provided)
	v.CodeHash, v.FaceChallenge, v.Result, v.Data = bytesVal(v.CodeHash), bytesVal(v.FaceChallenge), bytesVal(v.Result), bytesVal(v.Data)
	v.CreatedAt, v.UpdatedAt, v.ExpiresAt = normTime(v.CreatedAt), normTime(v.UpdatedAt), normTime(v.ExpiresAt)
	return v
}

// CreateSession stores a new session; ErrAlreadyExists if the ID or a
// non-empty CodeHash is taken.
func (s *Storage) CreateSession(ctx context.Context, v storage.Session) error {
	if _, err := s.db.ExecContext(ctx, `INSERT INTO sessions (`+sessionColumns+`)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`, sessionArgs(v)...); err != nil {
		return translate("create session", err)
	}
	return nil
}

// GetSession returns the session id; ErrNotFound if there is none.
func (s *Storage) GetSession(ctx context.Context, id string) (storage.Session, error) {
	v, err := scanSession(s.db.QueryRowContext(ctx, `SELECT `+sessionColumns+` FROM sessions WHERE id = ?`, id))
	if err != nil {
		return storage.Session{}, translate("get session", err)
	}
	return v, nil
}

// GetSessionByCode returns the session whose CodeHash is codeHash;
// ErrNotFound if there is none (always, for an empty codeHash, which is
// stored as NULL).
func (s *Storage) GetSessionByCode(ctx context.Context, codeHash []byte) (storage.Session, error) {
	v, err := scanSession(s.db.QueryRowContext(ctx,
		`SELECT `+sessionColumns+` FROM sessions WHERE code_hash = ?`, bytesArg(codeHash)))
	if err != nil {
		return storage.Session{}, translate("get session by code", err)
	}
	return v, nil
}

// UpdateSession replaces the session id with fn's result, in a transaction
// holding the write lock. The ID cannot be changed; a CodeHash another
// session holds is ErrAlreadyExists.
func (s *Storage) UpdateSession(ctx context.Context, id string, fn func(storage.Session) (storage.Session, error)) (storage.Session, error) {
	var out storage.Session
	err := s.inTx(ctx, "update session", func(tx *sql.Tx) error {
		cur, err := scanSession(tx.QueryRowContext(ctx, `SELECT `+sessionColumns+` FROM sessions WHERE id = ?`, id))
		if err != nil {
			return translate("update session", err)
		}
		next, err := fn(cur)
		if err != nil {
			return err
		}
		next.ID = id
		if _, err := tx.ExecContext(ctx, `UPDATE sessions SET
			rp_id = ?2, channel = ?3, code_hash = ?4, level = ?5, claims = ?6, purpose = ?7,
			callback_url = ?8, nonce = ?9, subject = ?10, state = ?11, credential_id = ?12,
			person_id = ?13, face_challenge = ?14, guardian_id = ?15, level_reached = ?16,
			provided = ?17, result = ?18, error = ?19, data = ?20,
			created_at = ?21, updated_at = ?22, expires_at = ?23
			WHERE id = ?1`, sessionArgs(next)...); err != nil {
			return translate("update session", err)
		}
		out = normSession(next)
		return nil
	})
	return out, err
}

// ListGuardianSessions returns the sessions of guardianID in state, oldest
// first; nil for an empty guardianID. The query repeats the predicate of
// the partial index sessions_guardian_state.
func (s *Storage) ListGuardianSessions(ctx context.Context, guardianID string, state storage.SessionState) ([]storage.Session, error) {
	if guardianID == "" {
		return nil, nil
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+sessionColumns+` FROM sessions
		WHERE guardian_id = ? AND guardian_id <> '' AND state = ?
		ORDER BY created_at ASC NULLS FIRST, id ASC`, guardianID, string(state))
	return collect("list guardian sessions", rows, err, scanSession)
}

// ---- Grants ----

const grantColumns = `id, kind, hash, session_id, rp_id, data, created_at, expires_at, consumed_at, revoked_at`

func grantArgs(g storage.Grant) []any {
	return []any{g.ID, g.Kind, bytesArg(g.Hash), g.SessionID, g.RPID, bytesArg(g.Data),
		timeArg(g.CreatedAt), timeArg(g.ExpiresAt), timeArg(g.ConsumedAt), timeArg(g.RevokedAt)}
}

func scanGrant(row scanner) (storage.Grant, error) {
	var g storage.Grant
	var created, expires, consumed, revoked sql.NullInt64
	if err := row.Scan(&g.ID, &g.Kind, &g.Hash, &g.SessionID, &g.RPID, &g.Data,
		&created, &expires, &consumed, &revoked); err != nil {
		return storage.Grant{}, err
	}
	g.Hash, g.Data = bytesVal(g.Hash), bytesVal(g.Data)
	g.CreatedAt, g.ExpiresAt = timeVal(created), timeVal(expires)
	g.ConsumedAt, g.RevokedAt = timeVal(consumed), timeVal(revoked)
	return g, nil
}

// normGrant is g as it reads back from storage.
func normGrant(g storage.Grant) storage.Grant {
	g.Hash, g.Data = bytesVal(g.Hash), bytesVal(g.Data)
	g.CreatedAt, g.ExpiresAt = normTime(g.CreatedAt), normTime(g.ExpiresAt)
	g.ConsumedAt, g.RevokedAt = normTime(g.ConsumedAt), normTime(g.RevokedAt)
	return g
}

// CreateGrant stores a new grant; ErrAlreadyExists if the ID or a non-empty
// Hash is taken.
func (s *Storage) CreateGrant(ctx context.Context, g storage.Grant) error {
	if _, err := s.db.ExecContext(ctx, `INSERT INTO grants (`+grantColumns+`)
		VALUES (?,?,?,?,?,?,?,?,?,?)`, grantArgs(g)...); err != nil {
		return translate("create grant", err)
	}
	return nil
}

// GetGrantByHash returns the grant whose Hash is hash; ErrNotFound if there
// is none (always, for an empty hash).
func (s *Storage) GetGrantByHash(ctx context.Context, hash []byte) (storage.Grant, error) {
	g, err := scanGrant(s.db.QueryRowContext(ctx,
		`SELECT `+grantColumns+` FROM grants WHERE hash = ?`, bytesArg(hash)))
	if err != nil {
		return storage.Grant{}, translate("get grant by hash", err)
	}
	return g, nil
}

// UpdateGrant replaces the grant id with fn's result, in a transaction
// holding the write lock. The ID cannot be changed; a Hash another grant
// holds is ErrAlreadyExists.
func (s *Storage) UpdateGrant(ctx context.Context, id string, fn func(storage.Grant) (storage.Grant, error)) (storage.Grant, error) {
	var out storage.Grant
	err := s.inTx(ctx, "update grant", func(tx *sql.Tx) error {
		cur, err := scanGrant(tx.QueryRowContext(ctx, `SELECT `+grantColumns+` FROM grants WHERE id = ?`, id))
		if err != nil {
			return translate("update grant", err)
		}
		next, err := fn(cur)
		if err != nil {
			return err
		}
		next.ID = id
		if _, err := tx.ExecContext(ctx, `UPDATE grants SET
			kind = ?2, hash = ?3, session_id = ?4, rp_id = ?5, data = ?6,
			created_at = ?7, expires_at = ?8, consumed_at = ?9, revoked_at = ?10
			WHERE id = ?1`, grantArgs(next)...); err != nil {
			return translate("update grant", err)
		}
		out = normGrant(next)
		return nil
	})
	return out, err
}

// RevokeGrants sets RevokedAt to at on every grant of sessionID not yet
// revoked, in one statement.
func (s *Storage) RevokeGrants(ctx context.Context, sessionID string, at time.Time) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE grants SET revoked_at = ?
		WHERE session_id = ? AND revoked_at IS NULL`, timeArg(at), sessionID); err != nil {
		return translate("revoke grants", err)
	}
	return nil
}

// ---- Consents ----

const consentColumns = `person_id, rp_id, claims, plaintext, guardian_id, guardian_at, granted_at, updated_at`

func consentArgs(c storage.Consent) []any {
	return []any{c.PersonID, c.RPID, stringList(c.Claims), stringList(c.Plaintext), c.GuardianID,
		timeArg(c.GuardianAt), timeArg(c.GrantedAt), timeArg(c.UpdatedAt)}
}

func scanConsent(row scanner) (storage.Consent, error) {
	var c storage.Consent
	var guardian, granted, updated sql.NullInt64
	if err := row.Scan(&c.PersonID, &c.RPID, (*stringList)(&c.Claims), (*stringList)(&c.Plaintext),
		&c.GuardianID, &guardian, &granted, &updated); err != nil {
		return storage.Consent{}, err
	}
	c.GuardianAt, c.GrantedAt, c.UpdatedAt = timeVal(guardian), timeVal(granted), timeVal(updated)
	return c, nil
}

// PutConsent inserts c, or replaces every field of the consent with the same
// (PersonID, RPID), in one upsert.
func (s *Storage) PutConsent(ctx context.Context, c storage.Consent) error {
	if _, err := s.db.ExecContext(ctx, `INSERT INTO consents (`+consentColumns+`)
		VALUES (?,?,?,?,?,?,?,?)
		ON CONFLICT (person_id, rp_id) DO UPDATE SET
			claims = excluded.claims, plaintext = excluded.plaintext,
			guardian_id = excluded.guardian_id, guardian_at = excluded.guardian_at,
			granted_at = excluded.granted_at, updated_at = excluded.updated_at`,
		consentArgs(c)...); err != nil {
		return translate("put consent", err)
	}
	return nil
}

// GetConsent returns personID's consent for rpID; ErrNotFound if there is none.
func (s *Storage) GetConsent(ctx context.Context, personID, rpID string) (storage.Consent, error) {
	c, err := scanConsent(s.db.QueryRowContext(ctx,
		`SELECT `+consentColumns+` FROM consents WHERE person_id = ? AND rp_id = ?`, personID, rpID))
	if err != nil {
		return storage.Consent{}, translate("get consent", err)
	}
	return c, nil
}

// ListConsents returns personID's consents ordered by RPID (bytewise).
func (s *Storage) ListConsents(ctx context.Context, personID string) ([]storage.Consent, error) {
	rows, err := s.db.QueryContext(ctx,
		`SELECT `+consentColumns+` FROM consents WHERE person_id = ? ORDER BY rp_id`, personID)
	return collect("list consents", rows, err, scanConsent)
}

// DeleteConsent removes personID's consent for rpID; ErrNotFound if there
// is none.
func (s *Storage) DeleteConsent(ctx context.Context, personID, rpID string) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM consents WHERE person_id = ? AND rp_id = ?`, personID, rpID)
	if err != nil {
		return translate("delete consent", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return translate("delete consent", err)
	}
	if n == 0 {
		return translate("delete consent", sql.ErrNoRows)
	}
	return nil
}
